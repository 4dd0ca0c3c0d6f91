"""Retention: policies per data kind, legal holds, and the run that applies the policies.

Every change of a policy or hold is one transaction with an audit event. A real run acts kind by
kind in batches (apps/privacy/retention/engine.py), archives into a directory of its own with a
SHA-256 manifest (the files sealed with a key of the run's, kept encrypted on the run), and records
its counts in a `RetentionRun`; a dry run counts and writes nothing but its `RetentionRun` row.
"""

import base64
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import Member
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.storage.archives import write_manifest
from apps.core.storage.sealed_stream import new_stream_key
from apps.privacy.choices import RetentionRunStatus
from apps.privacy.models import LegalHold, RetentionPolicy, RetentionRun
from apps.privacy.retention.engine import ActiveHolds, KindOutcome, kind_apply, kind_preview
from apps.privacy.retention.kinds import policy_errors, retention_kind, retention_kinds
from apps.tenants.models import Tenant

_POLICY_FIELDS = ("kind", "period_days", "action", "enabled", "description")


def _policy_state(policy: RetentionPolicy) -> dict:
    return {name: getattr(policy, name) for name in _POLICY_FIELDS}


def _validate_policy(*, kind: str, period_days, action: str, enabled) -> None:
    errors = policy_errors(kind=kind, period_days=period_days, action=action)
    if not isinstance(enabled, bool):
        errors["enabled"] = [gettext("Must be true or false.")]
    if errors:
        raise ApplicationError(gettext("The retention policy is invalid."), code="invalid_policy", fields=errors)


@transaction.atomic
def retention_policy_create(
    *, actor: Actor, kind: str, period_days: int, action: str, enabled: bool = True, description: str = ""
) -> RetentionPolicy:
    """A policy for one data kind (one per kind): the action must be one the kind allows."""
    _validate_policy(kind=kind, period_days=period_days, action=action, enabled=enabled)
    if RetentionPolicy.objects.filter(kind=kind).exists():
        raise ApplicationError(
            gettext("A policy for %(kind)s exists already; change that one.") % {"kind": kind},
            code="policy_exists",
            fields={"kind": [gettext("One policy per data kind.")]},
            status_code=409,
        )
    policy = RetentionPolicy.objects.create(
        kind=kind, period_days=period_days, action=action, enabled=enabled, description=description
    )
    audit_record(
        actor=actor, action="privacy.retention_policy_created", target=policy,
        changes=field_changes({}, _policy_state(policy)),
    )  # fmt: skip
    return policy


@transaction.atomic
def retention_policy_update(*, policy: RetentionPolicy, actor: Actor, **changes) -> RetentionPolicy:
    """Change a policy's period, action, enabled flag or description (its kind stays)."""
    unknown = set(changes) - set(_POLICY_FIELDS[1:])
    if unknown:
        raise ApplicationError(
            gettext("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="invalid_policy",
            fields={name: ["Not changeable."] for name in sorted(unknown)},
        )
    policy = RetentionPolicy.objects.select_for_update().get(pk=policy.pk)
    before = _policy_state(policy)
    after = {**before, **changes}
    _validate_policy(
        kind=after["kind"], period_days=after["period_days"], action=after["action"], enabled=after["enabled"]
    )
    if after == before:
        return policy
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    audit_record(
        actor=actor, action="privacy.retention_policy_changed", target=policy, changes=field_changes(before, after)
    )
    return policy


def retention_policies_ensure_defaults() -> int:
    """Create the default policy of every kind that has none (idempotent; existing policies stay as they are)."""
    created = 0
    for kind in retention_kinds():
        _, was_created = RetentionPolicy.objects.get_or_create(
            kind=kind.key,
            defaults={
                "period_days": kind.default_period_days,
                "action": kind.default_action,
                "description": kind.description,
            },
        )
        created += was_created
    return created


@transaction.atomic
def legal_hold_place(
    *, actor: Actor, reason: str, tenant: Tenant | None = None, member: Member | None = None
) -> LegalHold:
    """Hold every piece of data of a tenant, or of one member: retention leaves it alone until release."""
    reason = (reason or "").strip()
    errors = {}
    if (tenant is None) == (member is None):
        errors["tenant"] = [gettext("Name either a tenant or a member (exactly one).")]
    if not reason:
        errors["reason"] = [gettext("Say why the data must be kept (a case, a request from an authority...).")]
    if errors:
        raise ApplicationError(gettext("The legal hold is invalid."), code="invalid_hold", fields=errors)
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(tenant=tenant, member=member, reason=reason, placed_by=actor.label[:150])
    except IntegrityError:
        raise ApplicationError(
            gettext("An active hold covers this subject already."), code="hold_exists", status_code=409
        ) from None
    guild_id = tenant.guild_id if tenant is not None else member.tenant.guild_id
    subject = {"tenant": tenant.guild_id} if tenant is not None else {"member": member.discord_user_id}
    audit_record(
        actor=actor,
        action="privacy.legal_hold_placed",
        target=hold,
        guild_id=guild_id,
        changes=field_changes({}, subject),
        reason=reason,
    )
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, actor: Actor, reason: str) -> LegalHold:
    """End a hold (with a reason); retention may act on the data again from the next run."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            gettext("Say why the hold ends."),
            code="invalid_hold",
            fields={"release_reason": [gettext("A reason is required.")]},
        )
    hold = LegalHold.objects.select_for_update(of=("self",)).select_related("tenant", "member__tenant").get(pk=hold.pk)
    if hold.released_at is not None:
        raise ApplicationError(gettext("This hold was released already."), code="hold_released", status_code=409)
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), actor.label[:150], reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    guild_id = hold.tenant.guild_id if hold.tenant_id else hold.member.tenant.guild_id
    audit_record(
        actor=actor,
        action="privacy.legal_hold_released",
        target=hold,
        guild_id=guild_id,
        changes=field_changes({"released": False}, {"released": True}),
        reason=reason,
    )
    return hold


def active_holds() -> ActiveHolds:
    """What active holds protect right now."""
    holds = LegalHold.objects.filter(released_at__isnull=True)
    tenant_ids = frozenset(holds.filter(tenant__isnull=False).values_list("tenant_id", flat=True))
    member_ids = frozenset(holds.filter(member__isnull=False).values_list("member_id", flat=True))
    guild_ids = frozenset(Tenant.objects.filter(pk__in=tenant_ids).values_list("guild_id", flat=True))
    return ActiveHolds(tenant_ids=tenant_ids, member_ids=member_ids, guild_ids=guild_ids)


def _selected_kinds(kinds: list[str] | None) -> list[str]:
    known = [kind.key for kind in retention_kinds()]
    if not kinds:
        return known
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise ApplicationError(
            gettext("Unknown data kind(s): %(unknown)s. Known kinds: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(known)},
            code="unknown_kind",
            fields={"kind": [gettext("One of: %(choices)s.") % {"choices": ", ".join(known)}]},
        )
    return [key for key in known if key in kinds]


def archive_root() -> Path:
    return Path(settings.RETENTION_ARCHIVE_DIR)


def retention_run(
    *, actor: Actor, dry_run: bool = False, kinds: list[str] | None = None, batch_size: int | None = None
) -> RetentionRun:
    """Apply every enabled policy (or those of `kinds`): held data is never touched; a dry run only counts.

    A kind that fails is recorded with its error and the run goes on with the next; the run is
    `failed` if any kind failed. A real run writes one audit event with its counts.
    """
    selected = _selected_kinds(kinds)
    if not dry_run:
        retention_policies_ensure_defaults()
    policies = {policy.kind: policy for policy in RetentionPolicy.objects.filter(kind__in=selected)}
    now = timezone.now()
    # one key seals every archive file of the run; kept (encrypted) on the run before any file exists
    archive_key = new_stream_key()
    run = RetentionRun.objects.create(
        started_at=now,
        dry_run=dry_run,
        triggered_by=actor.label[:150],
        archive_key="" if dry_run else base64.b64encode(archive_key).decode(),
    )
    holds = active_holds()
    directory = archive_root() / f"run-{run.pk:06d}"
    counts, files, errors = {}, [], []
    for key in selected:
        policy = policies.get(key)
        if policy is None or not policy.enabled:
            counts[key] = {"skipped": "no policy" if policy is None else "policy disabled"}
            continue
        outcome = _run_kind(
            key=key, policy=policy, now=now, holds=holds, directory=directory, archive_key=archive_key, actor=actor,
            dry_run=dry_run, batch_size=batch_size or settings.RETENTION_BATCH_SIZE,
        )  # fmt: skip
        counts[key] = outcome.as_counts()
        files.extend(outcome.files)
        if outcome.error:
            errors.append(f"{key}: {outcome.error}")
    run.counts, run.error = counts, "\n".join(errors)
    run.status = RetentionRunStatus.FAILED if errors else RetentionRunStatus.SUCCEEDED
    if files:
        manifest, digest = write_manifest(
            directory, files=files, run_id=run.pk, started_at=now, policies=counts, created_by=actor.label
        )
        run.archive_path, run.manifest_sha256 = str(manifest), digest
    elif directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()  # nothing was archived: no empty run directory is left behind
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "error", "status", "archive_path", "manifest_sha256", "finished_at"])
    if not dry_run:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="privacy.retention_run",
                target=run,
                changes=field_changes(
                    {}, {"status": run.status, "acted": run.total("acted"), "held": run.total("held")}
                ),
                reason=run.error,
            )
    return run


def _run_kind(
    *, key, policy, now, holds, directory, archive_key: bytes, actor, dry_run: bool, batch_size: int
) -> KindOutcome:
    kind = retention_kind(key)
    cutoff = now - timedelta(days=policy.period_days)
    arguments = {"kind": kind, "action": policy.action, "period_days": policy.period_days, "cutoff": cutoff}
    if dry_run:
        return kind_preview(**arguments, holds=holds)
    try:
        return kind_apply(
            **arguments, holds=holds, directory=directory, archive_key=archive_key, actor=actor, batch_size=batch_size
        )
    except ApplicationError as error:
        return KindOutcome(key, policy.action, policy.period_days, cutoff, error=error.message)
    except Exception as error:  # noqa: BLE001 - one kind's fault must not stop the others; it is recorded
        return KindOutcome(key, policy.action, policy.period_days, cutoff, error=f"{error.__class__.__name__}: {error}")
