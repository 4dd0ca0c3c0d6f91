"""Scanning stored free text for personal data, and acting on what was found (redact or dismiss).

Which fields are scanned comes from the classification registry: every field declared with the
category FREE_TEXT (apps/core/personal_data.py), so a new app's notes are scanned once declared.
"""

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.accounts.services import MEMBER_PROFILE_FIELDS, member_update
from apps.audit.services import audit_record
from apps.betting.models import Bet, BetLeg
from apps.betting.services.redaction import bet_text_redacted
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.core.personal_data import DataCategory, ErasureAction, personal_model, personal_models
from apps.keyring.fields import is_sealed
from apps.privacy import scanner
from apps.privacy.anonymization import keyed_hash
from apps.privacy.choices import FindingStatus
from apps.privacy.models import PiiFinding

FINDING_HASH_PURPOSE = "privacy.pii-finding"
_SCAN_CHUNK = 500


def scanned_fields(model_label: str) -> list[str]:
    """The fields of a model the scanner reads: those declared as free text."""
    entry = personal_model(model_label)
    if entry is None:
        return []
    return sorted(name for name, item in entry.fields.items() if item.category == DataCategory.FREE_TEXT)


def _tenant_path(model: type[models.Model]) -> str | None:
    """The ORM path from a row to its tenant's guild id (directly or one foreign key away)."""
    names = {f.name: f for f in model._meta.concrete_fields}
    if "tenant" in names:
        return "tenant__guild_id"
    for field in names.values():
        if field.many_to_one or field.one_to_one:
            related_names = {f.name for f in field.related_model._meta.concrete_fields}
            if "tenant" in related_names:
                return f"{field.name}__tenant__guild_id"
    return None


def _value_hash(kind: str, value: str) -> str:
    return keyed_hash(f"{kind}\x00{value}", purpose=FINDING_HASH_PURPOSE)


def pii_scan_queryset(*, queryset: models.QuerySet, actor: Actor | None = None) -> int:
    """Scan the free-text fields of the rows; record one open finding per new value found. Returns new findings.

    Idempotent: a value already found in the same row and field (in any status) is not recorded again.
    """
    model = queryset.model
    label = model._meta.label
    fields = scanned_fields(label)
    if not fields:
        return 0
    tenant_path = _tenant_path(model)
    columns = ["pk", *fields, *([tenant_path] if tenant_path else [])]
    created = 0
    batch: list[PiiFinding] = []
    for row in queryset.order_by("pk").values(*columns).iterator(chunk_size=_SCAN_CHUNK):
        for name in fields:
            if is_sealed(row[name]):
                # highly restricted text opens only where the restricted private key is (else it stays sealed)
                row[name] = model._meta.get_field(name).unseal(row[name])
        batch.extend(_findings_of(label, row, fields, row.get(tenant_path, "") if tenant_path else ""))
        if len(batch) >= _SCAN_CHUNK:
            created += _record(batch, actor=actor)
            batch = []
    if batch:
        created += _record(batch, actor=actor)
    return created


def _findings_of(label: str, row: dict, fields: list[str], guild_id: str | None) -> list[PiiFinding]:
    now = timezone.now()
    out = []
    for name in fields:
        text = row.get(name)
        if not isinstance(text, str) or is_sealed(text):
            continue
        for found in scanner.scan_text(text):
            out.append(
                PiiFinding(
                    model_label=label,
                    object_id=str(row["pk"]),
                    field_name=name,
                    guild_id=guild_id or "",
                    kind=found.kind,
                    masked_excerpt=found.masked[:200],
                    value_hash=_value_hash(found.kind, text[found.start : found.end]),
                    found_at=now,
                )
            )
    return out


@transaction.atomic
def _record(findings: list[PiiFinding], *, actor: Actor | None) -> int:
    keys = {(f.model_label, f.object_id, f.field_name, f.value_hash) for f in findings}
    existing = set(
        PiiFinding.objects.filter(
            model_label__in={key[0] for key in keys}, object_id__in={key[1] for key in keys}
        ).values_list("model_label", "object_id", "field_name", "value_hash")
    )
    fresh, seen = [], set(existing)
    for finding in findings:
        key = (finding.model_label, finding.object_id, finding.field_name, finding.value_hash)
        if key not in seen:
            seen.add(key)
            fresh.append(finding)
    # a concurrent scan of the same rows may insert first: the unique constraint keeps one
    PiiFinding.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh:
        audit_record(
            actor=actor or Actor.system("privacy scan"),
            action="privacy.pii_found",
            changes={"findings": len(fresh), "kinds": sorted({f.kind for f in fresh})},
            reason=f"free text of {', '.join(sorted({f.model_label for f in fresh}))}",
        )
    return len(fresh)


def pii_scan_bet(*, bet_id: int, actor: Actor | None = None) -> int:
    """Scan one bet's free text and its legs'; returns the new findings (safe to run twice)."""
    return pii_scan_bets(bet_ids=[bet_id], actor=actor)


def pii_scan_bets(*, bet_ids: list[int], actor: Actor | None = None) -> int:
    """Scan these bets' free text and their legs' (a bulk import's, in two queries); new findings."""
    created = pii_scan_queryset(queryset=Bet.objects.filter(pk__in=bet_ids), actor=actor)
    return created + pii_scan_queryset(queryset=BetLeg.objects.filter(bet_id__in=bet_ids), actor=actor)


def pii_scan_member(*, member_id: int, actor: Actor | None = None) -> int:
    """Scan one member's free text (the notes, where this process holds the restricted key); new findings."""
    return pii_scan_queryset(queryset=Member.objects.filter(pk=member_id), actor=actor)


def _locked_open(finding: PiiFinding) -> PiiFinding:
    finding = PiiFinding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != FindingStatus.OPEN:
        raise ConflictError(
            _("Finding %(pk)s is already %(status)s.") % {"pk": finding.pk, "status": finding.status},
            code="finding_not_open",
        )
    return finding


@transaction.atomic
def pii_finding_redact(*, finding: PiiFinding, actor: Actor) -> PiiFinding:
    """Replace the found value in its row's field with ``[redacted <kind>]`` and close the finding.

    A member's profile is rewritten through the accounts service (``member_update``: its own audit
    event and validation). Other owners have no service that edits free text after the fact (bets
    and their legs are immutable to their authors), so their row is updated directly, under a row
    lock, with this audit record naming the row and field (never the value) and the owner's cache
    versions bumped. Fields declared KEEP (append-only records: the ledger, the audit trail) are refused.
    """
    finding = _locked_open(finding)
    model = _model(finding.model_label)
    declared = personal_model(finding.model_label).fields.get(finding.field_name)
    if declared is not None and declared.erase == ErasureAction.KEEP:
        raise ApplicationError(
            _(
                "%(model_label)s.%(field_name)s is an append-only record and cannot be rewritten; dismiss "
                "the finding and handle the person's data through erasure."
            )
            % {"model_label": finding.model_label, "field_name": finding.field_name},
            code="field_not_redactable",
        )
    row = model._default_manager.select_for_update().filter(pk=finding.object_id).first()
    if row is None:
        raise ApplicationError(
            _("%(model_label)s %(object_id)s no longer exists; dismiss the finding instead.")
            % {"model_label": finding.model_label, "object_id": finding.object_id},
            code="finding_row_missing",
        )
    text = getattr(row, finding.field_name) or ""
    if is_sealed(text):
        raise ApplicationError(
            _(
                "%(model_label)s.%(field_name)s is sealed in this process (highly restricted); redact it "
                "where the restricted private key is available."
            )
            % {"model_label": finding.model_label, "field_name": finding.field_name},
            code="field_sealed",
        )
    matches = [
        found
        for found in scanner.scan_text(text)
        if found.kind == finding.kind and _value_hash(found.kind, text[found.start : found.end]) == finding.value_hash
    ]
    if matches:
        redacted = scanner.redact(text, findings=matches)
        if model is Member and finding.field_name in MEMBER_PROFILE_FIELDS:
            row = member_update(member=row, actor=actor, **{finding.field_name: redacted})
        else:
            setattr(row, finding.field_name, redacted)
            # save() runs the field's own preparation (an encrypted field re-encrypts)
            row.save(update_fields=[finding.field_name])
    _close(finding, status=FindingStatus.REDACTED, actor=actor)
    audit_record(
        actor=actor,
        action="privacy.pii_redacted",
        target=row,
        guild_id=finding.guild_id,
        changes={finding.field_name: {"before": finding.masked_excerpt, "after": f"[redacted {finding.kind}]"}},
        reason=f"finding {finding.pk}" + ("" if matches else " (value no longer present)"),
    )
    tenant_id = getattr(row, "tenant_id", None) or getattr(getattr(row, "bet", None), "tenant_id", None)
    if tenant_id is not None and model in (Bet, BetLeg):
        bet_text_redacted(tenant_id=tenant_id)
    return finding


@transaction.atomic
def pii_finding_dismiss(*, finding: PiiFinding, actor: Actor, reason: str) -> PiiFinding:
    """Close a finding as a false positive (or accepted); the reason is mandatory and audited."""
    if not reason.strip():
        raise ApplicationError(
            _("Say why the finding is dismissed."), code="reason_required", fields={"reason": [_("Required.")]}
        )
    finding = _locked_open(finding)
    _close(finding, status=FindingStatus.DISMISSED, actor=actor)
    audit_record(
        actor=actor,
        action="privacy.pii_dismissed",
        target=finding,
        guild_id=finding.guild_id,
        changes={"status": {"before": FindingStatus.OPEN, "after": FindingStatus.DISMISSED}},
        reason=reason,
    )
    return finding


def _close(finding: PiiFinding, *, status: str, actor: Actor) -> None:
    finding.status = status
    finding.resolved_at = timezone.now()
    finding.resolved_by = actor.label[:150]
    finding.save(update_fields=["status", "resolved_at", "resolved_by"])


def _model(model_label: str) -> type[models.Model]:
    entry = personal_model(model_label)
    if entry is None:
        raise ApplicationError(
            _("%(model_label)s is not a declared personal-data model.") % {"model_label": model_label},
            code="unknown_model",
        )
    return entry.model


def pii_scan_models(*, model_labels: Iterable[str] | None = None, actor: Actor | None = None) -> dict[str, int]:
    """Scan every row of every model with free-text fields (or the given ones); new findings per model."""
    labels = [entry.model_label for entry in personal_models() if scanned_fields(entry.model_label)]
    if model_labels is not None:
        wanted = set(model_labels)
        unknown = wanted - set(labels)
        if unknown:
            raise ApplicationError(
                _("No free-text fields declared on %(models)s.") % {"models": ", ".join(sorted(unknown))},
                code="unknown_model",
            )
        labels = [label for label in labels if label in wanted]
    return {label: pii_scan_queryset(queryset=_model(label)._default_manager.all(), actor=actor) for label in labels}
