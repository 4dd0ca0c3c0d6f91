"""Reads of retention: which kinds lack a policy, the last successful run (what compliance checks ask)."""

from apps.privacy.choices import RetentionRunStatus
from apps.privacy.models import RetentionPolicy, RetentionRun
from apps.privacy.retention.kinds import RetentionKind, retention_kinds


def kinds_without_policy(*, enabled_only: bool = True) -> list[RetentionKind]:
    """Data kinds with no retention policy (or, by default, none that is enabled): a compliance gap."""
    policies = RetentionPolicy.objects.all()
    if enabled_only:
        policies = policies.filter(enabled=True)
    covered = set(policies.values_list("kind", flat=True))
    return [kind for kind in retention_kinds() if kind.key not in covered]


def last_successful_run() -> RetentionRun | None:
    """The latest real (not dry) run that finished without an error."""
    return (
        RetentionRun.objects.filter(dry_run=False, status=RetentionRunStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )
