"""Data-protection checks against the real keyring and privacy apps, and key rotations as evidence."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.compliance.checks.registry import checks_for
from apps.compliance.models import EvidenceItem
from apps.compliance.services.runs import check_run_execute
from apps.keyring.models import DataKey
from apps.keyring.services import keys_rotate

pytestmark = pytest.mark.django_db


def run(check_id):
    [check] = checks_for(check_id=check_id)
    return check_run_execute(check=check)


def test_a_key_rotation_becomes_evidence_of_the_key_management_requirements(actor):
    keys_rotate(actor=actor, new_key=True)

    item = EvidenceItem.objects.get(kind="key_rotation")
    active = DataKey.objects.get(status="active")
    assert item.data["active_version"] == active.version
    assert item.data["actor"] == "test"
    assert {"pci_dss:3.7.4", "iso27001:A.8.24"} <= {str(requirement) for requirement in item.requirements.all()}


def test_an_active_key_older_than_the_rotation_period_fails_the_check(actor, settings):
    keys_rotate(actor=actor, new_key=True)
    assert run("data.key_rotation").status == "pass"
    active = DataKey.objects.get(status="active")
    DataKey.objects.filter(pk=active.pk).update(
        activated_at=timezone.now() - timedelta(days=settings.DBSBM_KEY_ROTATION_DAYS + 5)
    )

    failed = run("data.key_rotation")

    assert failed.status == "fail"
    assert (failed.evidence["active_version"], failed.evidence["rows_on_retired_keys"]) == (active.version, 0)
    assert failed.evidence["active_key_age_days"] > settings.DBSBM_KEY_ROTATION_DAYS


def test_personal_fields_are_all_classified_and_restricted_ones_encrypted():
    stored = run("data.personal_fields_protected")
    assert (
        stored.status,
        stored.evidence["unclassified_fields"],
        stored.evidence["restricted_unencrypted_fields"],
    ) == (
        "pass",
        [],
        [],
    ), stored.summary
    assert stored.evidence["restricted_fields"] > 0


def test_retention_without_a_successful_run_fails_naming_the_kinds_without_policy():
    stored = run("data.retention")
    assert stored.status == "fail"
    assert stored.evidence["last_successful_run_at"] is None
    assert isinstance(stored.evidence["kinds_without_policy"], list)
