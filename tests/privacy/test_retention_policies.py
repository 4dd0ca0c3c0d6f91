"""Retention policies: validated (4xx / ValidationError, nothing written), audited, and what compliance asks."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.privacy.choices import RetentionAction, RetentionRunStatus
from apps.privacy.models import RetentionPolicy, RetentionRun
from apps.privacy.selectors.retention import kinds_without_policy, last_successful_run
from apps.privacy.services.retention import (
    retention_policies_ensure_defaults,
    retention_policy_create,
    retention_policy_update,
)

pytestmark = pytest.mark.django_db

BAD_INPUT = [
    ({"period_days": -5}, "period_days"),
    ({"period_days": 0}, "period_days"),
    ({"period_days": "30"}, "period_days"),
    ({"period_days": 40_000}, "period_days"),
    ({"action": "shred"}, "action"),
    ({"action": RetentionAction.DELETE}, "action"),  # the audit trail is only ever archived
    ({"enabled": "yes"}, "enabled"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_a_bad_change_is_a_400_naming_the_field_and_writes_nothing(actor, change, field):
    policy = RetentionPolicy.objects.get(kind="audit_events")
    before = (list(RetentionPolicy.objects.values()), AuditEvent.objects.count())

    with pytest.raises(ApplicationError) as error:
        retention_policy_update(policy=policy, actor=actor, **change)

    assert (error.value.status_code, error.value.code, list(error.value.fields)) == (400, "invalid_policy", [field])
    assert (list(RetentionPolicy.objects.values()), AuditEvent.objects.count()) == before


def test_an_unknown_kind_is_refused_with_the_known_kinds(actor):
    RetentionPolicy.objects.all().delete()

    with pytest.raises(ApplicationError) as error:
        retention_policy_create(actor=actor, kind="everything", period_days=30, action=RetentionAction.DELETE)

    assert error.value.status_code == 400
    assert error.value.fields["kind"][0].startswith("Unknown data kind 'everything'; known kinds: audit_events, ")
    assert RetentionPolicy.objects.count() == 0


def test_the_model_validates_too(db):
    policy = RetentionPolicy(kind="nope", period_days=0, action="shred")

    with pytest.raises(ValidationError) as error:
        policy.full_clean()

    assert set(error.value.message_dict) >= {"kind", "period_days", "action"}


def test_the_database_refuses_a_period_out_of_range(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPolicy.objects.filter(kind="slow_queries").update(period_days=0)


def test_a_second_policy_for_a_kind_is_a_conflict(actor):
    with pytest.raises(ApplicationError) as error:
        retention_policy_create(actor=actor, kind="slow_queries", period_days=10, action=RetentionAction.DELETE)

    assert (error.value.status_code, error.value.code) == (409, "policy_exists")


def test_creating_and_changing_a_policy_is_audited(actor):
    RetentionPolicy.objects.filter(kind="slow_queries").delete()

    policy = retention_policy_create(actor=actor, kind="slow_queries", period_days=10, action=RetentionAction.DELETE)
    retention_policy_update(policy=policy, actor=actor, period_days=20, enabled=False)

    events = AuditEvent.objects.filter(target_type="privacy.retentionpolicy", target_id=str(policy.pk)).order_by("pk")
    assert [event.action for event in events] == [
        "privacy.retention_policy_created",
        "privacy.retention_policy_changed",
    ]
    assert events[1].changes == {
        "enabled": {"before": True, "after": False},
        "period_days": {"before": 10, "after": 20},
    }


def test_an_unchanged_update_writes_nothing(actor):
    policy = RetentionPolicy.objects.get(kind="slow_queries")
    before = AuditEvent.objects.count()

    retention_policy_update(policy=policy, actor=actor, period_days=policy.period_days)

    assert AuditEvent.objects.count() == before


def test_defaults_are_created_once_and_never_overwrite_a_policy(actor):
    RetentionPolicy.objects.filter(kind="slow_queries").update(period_days=3)
    RetentionPolicy.objects.filter(kind="memory_snapshots").delete()

    assert retention_policies_ensure_defaults() == 1
    assert retention_policies_ensure_defaults() == 0
    assert RetentionPolicy.objects.get(kind="slow_queries").period_days == 3


def test_kinds_without_policy_lists_missing_and_disabled_ones(db):
    assert kinds_without_policy() == []
    RetentionPolicy.objects.filter(kind="slow_queries").delete()
    RetentionPolicy.objects.filter(kind="memory_snapshots").update(enabled=False)

    assert [kind.key for kind in kinds_without_policy()] == ["memory_snapshots", "slow_queries"]
    assert [kind.key for kind in kinds_without_policy(enabled_only=False)] == ["slow_queries"]


def test_last_successful_run_ignores_dry_and_failed_runs(db):
    assert last_successful_run() is None
    good = RetentionRun.objects.create(triggered_by="t", status=RetentionRunStatus.SUCCEEDED)
    RetentionRun.objects.create(triggered_by="t", status=RetentionRunStatus.SUCCEEDED, dry_run=True)
    RetentionRun.objects.create(triggered_by="t", status=RetentionRunStatus.FAILED)
    RetentionRun.objects.filter(pk=good.pk).update(finished_at=good.started_at)

    assert last_successful_run() == good
