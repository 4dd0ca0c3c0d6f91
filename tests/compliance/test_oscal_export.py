"""`compliance_export_oscal`: assessment results of the latest runs, valid against compliance-trestle's OSCAL models."""

import json

import pytest
from django.core.management import CommandError, call_command
from trestle.oscal.assessment_results import AssessmentResults

from apps.accounts.choices import StaffRole
from apps.compliance.checks.registry import checks_for
from apps.compliance.services.runs import check_run_execute

pytestmark = pytest.mark.django_db


def run(check_id):
    [check] = checks_for(check_id=check_id)
    return check_run_execute(check=check)


def test_the_export_validates_as_oscal_assessment_results_with_findings_and_observations(tmp_path, staff_user):
    staff_user(StaffRole.SUPERUSER, username="root")
    failed = run("access.privileged_mfa")
    passed = run("privacy.requests_overdue")
    output = tmp_path / "results.json"

    call_command("compliance_export_oscal", "--output", str(output))

    document = json.loads(output.read_text())
    model = AssessmentResults.model_validate(document["assessment-results"])
    results = {result.props[0].value: result for result in model.results}
    assert set(results) >= {"gdpr", "soc2", "pci_dss", "ccpa", "betting_integrity"}
    pci = results["pci_dss"]
    findings = {finding.target.target_id: finding for finding in pci.findings}
    mfa = findings["pci_dss.8.4.2"]
    assert mfa.target.status.state.value == "not-satisfied"
    [observation] = [item for item in pci.observations if item.title == "access.privileged_mfa"]
    assert mfa.related_observations[0].observation_uuid == observation.uuid
    assert observation.relevant_evidence[0].props[0].value == failed.evidence_sha256
    gdpr_findings = {finding.target.target_id: finding for finding in results["gdpr"].findings}
    assert gdpr_findings["gdpr.Art.12_3_"].target.status.state.value == "satisfied"
    assert {prop.value for prop in gdpr_findings["gdpr.Art.12_3_"].props} >= {"gdpr:Art.12(3)", "passing"}
    assert passed.evidence_sha256 in json.dumps(document)
    # a manual requirement is reviewed but has no finding
    assert "gdpr.Art.33" not in gdpr_findings
    reviewed = results["gdpr"].reviewed_controls.control_selections[0].include_controls
    assert "gdpr.Art.33" in {control.control_id for control in reviewed}


def test_one_framework_and_unknown_framework(tmp_path):
    run("privacy.requests_overdue")
    output = tmp_path / "ccpa.json"
    call_command("compliance_export_oscal", "--framework", "ccpa", "--output", str(output))
    model = AssessmentResults.model_validate(json.loads(output.read_text())["assessment-results"])
    assert [result.props[0].value for result in model.results] == ["ccpa"]

    with pytest.raises(CommandError, match="Unknown framework 'nope'"):
        call_command("compliance_export_oscal", "--framework", "nope", "--output", str(output))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("compliance_export_oscal", "--output", str(tmp_path / "missing" / "x.json"))
