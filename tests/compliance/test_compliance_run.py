"""`compliance_run`: real results for every shipped framework, exit 1 on a high or critical failure, three formats."""

import json
import re
from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.compliance.checks.registry import checks_for
from apps.compliance.models import CheckRun

pytestmark = pytest.mark.django_db
SHIPPED = {"gdpr", "soc2", "pci_dss", "hipaa", "sox_itgc", "ccpa", "iso27001", "nist_csf", "betting_integrity"}


def compliance_run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("compliance_run", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_json_reports_every_check_and_every_shipped_framework_and_a_superuser_without_mfa_fails_it(
    staff_user, monkeypatch
):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set by the browser tests' conftest only
    root = staff_user(StaffRole.SUPERUSER, username="root")

    code, output = compliance_run("--format", "json")

    report = json.loads(output)
    assert set(report) == {"checks", "frameworks"}
    checks = {check["id"]: check for check in report["checks"]}
    assert set(checks) == {check.id for check in checks_for()}
    for check in report["checks"]:
        assert set(check) == {"id", "status", "severity", "requirements", "evidence_sha256", "summary"}
        assert check["status"] in {"pass", "fail", "error", "not_applicable"}
        assert re.fullmatch(r"[0-9a-f]{64}", check["evidence_sha256"])
    scores = {row["id"]: row["score"] for row in report["frameworks"]}
    assert set(scores) >= SHIPPED
    for framework in SHIPPED:  # each is evidenced by checks that really ran, so each has a score
        assert any(req.startswith(f"{framework}:") for check in report["checks"] for req in check["requirements"])
        assert 0 <= scores[framework] <= 100
    mfa = checks["access.privileged_mfa"]
    assert (mfa["status"], mfa["severity"], code) == ("fail", "critical", 1)
    stored = CheckRun.objects.get(check_id="access.privileged_mfa")
    assert stored.evidence["users"][0]["user_id"] == root.pk
    assert stored.evidence_sha256 == mfa["evidence_sha256"]
    deploy = CheckRun.objects.get(check_id="platform.deploy_check")
    found = [item["id"] for item in deploy.evidence["warnings"] + deploy.evidence["errors"]]
    assert "async.E001" not in found  # the test-only variable was not handed to the production check
    assert deploy.status == ("fail" if found else "pass"), deploy.summary
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DBSBM_MASTER_KEY"} <= set(
        deploy.evidence["placeholder_variables"]
    )
    assert "failure" not in deploy.evidence, deploy.evidence["failure"]  # the production settings loaded


def test_once_the_superuser_has_a_second_factor_the_run_exits_0(staff_user):
    root = staff_user(StaffRole.SUPERUSER, username="root")
    TOTPDevice.objects.create(user=root, name="phone", confirmed=True)

    code, output = compliance_run("--check", "access.privileged_mfa", "--format", "json")

    assert code == 0
    [check] = json.loads(output)["checks"]
    assert (check["id"], check["status"]) == ("access.privileged_mfa", "pass")


def test_framework_filter_runs_only_that_frameworks_checks():
    code, output = compliance_run("--framework", "ccpa", "--format", "json")
    report = json.loads(output)
    assert {row["id"] for row in report["frameworks"]} == {"ccpa"}
    assert {check["id"] for check in report["checks"]} == {c.id for c in checks_for(framework="ccpa")}
    assert all(any(req.startswith("ccpa:") for req in check["requirements"]) for check in report["checks"])


def test_junit_and_text_formats(staff_user):
    staff_user(StaffRole.SUPERUSER, username="root")
    code, output = compliance_run("--framework", "betting_integrity", "--format", "junit")
    suite = ElementTree.fromstring(output.encode())  # noqa: S314 - our own command's output
    names = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(names) == {check.id for check in checks_for(framework="betting_integrity")}
    assert names["access.privileged_mfa"].find("failure").get("message").startswith("1 of 1 privileged accounts")
    assert suite.get("failures") == str(sum(case.find("failure") is not None for case in names.values()))

    code, output = compliance_run("--check", "access.privileged_mfa")
    assert code == 1
    assert output.splitlines()[0].split()[:3] == ["FAIL", "critical", "access.privileged_mfa"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--framework", "nope"], "Unknown framework 'nope'"), (["--check", "x"], "Unknown check 'x'")],
)
def test_unknown_framework_or_check_is_refused_and_nothing_runs(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("compliance_run", *args)
    assert not CheckRun.objects.exists()
