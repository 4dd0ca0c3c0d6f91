"""Applying one policy to one data kind: count what matches, leave held rows alone, act in batches.

Rows match when they are in the kind's scope and their start date is older than the policy's period
(for anonymize, only rows that still identify someone). Rows of a tenant or member under an active
legal hold are counted as held and never touched: the hold is checked again inside each batch's
transaction. Each batch is one transaction; an archive is written (and flushed) before its rows are
deleted, so a crash leaves rows that are archived twice rather than rows that are lost.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.db.models import Q

from apps.audit.selectors import audit_archive_preview, audit_held_events_q
from apps.audit.services import audit_archive_before
from apps.core.actors import Actor
from apps.core.personal_data import ErasureAction, personal_model
from apps.core.storage.archives import ArchiveFile, JsonLinesArchive
from apps.privacy.anonymization import keyed_hash
from apps.privacy.choices import RetentionAction
from apps.privacy.retention.kinds import ANONYMIZED_PREFIX, ENGINE_AUDIT, ENGINE_EXPORTS, RetentionKind
from apps.privacy.services.exports import export_storage

PSEUDONYM_HEX = 16


@dataclass(frozen=True)
class ActiveHolds:
    """What active legal holds protect: tenants (all their data), members (their data)."""

    tenant_ids: frozenset[int] = frozenset()
    member_ids: frozenset[int] = frozenset()
    guild_ids: frozenset[str] = frozenset()


@dataclass
class KindOutcome:
    """One kind in one run: what matched, what was held, and what was (or, in a dry run, would be) acted on."""

    kind: str
    action: str
    period_days: int
    cutoff: datetime
    matched: int = 0
    held: int = 0
    acted: int = 0
    error: str = ""
    files: list[ArchiveFile] = field(default_factory=list)

    def as_counts(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "period_days": self.period_days,
            "cutoff": self.cutoff.isoformat(),
            "matched": self.matched,
            "held": self.held,
            "acted": self.acted,
            "error": self.error,
            "files": [item.name for item in self.files],
        }


def held_q(kind: RetentionKind, holds: ActiveHolds) -> Q | None:
    """Rows of the kind that a hold protects (None: no hold applies to this kind)."""
    held = Q()
    if kind.tenant_field and holds.tenant_ids:
        held |= Q(**{f"{kind.tenant_field}__in": sorted(holds.tenant_ids)})
    if kind.guild_field and holds.guild_ids:
        held |= Q(**{f"{kind.guild_field}__in": sorted(holds.guild_ids)})
    if kind.member_field and holds.member_ids:
        held |= Q(**{f"{kind.member_field}__in": sorted(holds.member_ids)})
    return held or None


def matched_rows(kind: RetentionKind, *, action: str, cutoff: datetime) -> models.QuerySet:
    rows = kind.model._default_manager.filter(kind.covered(), **{f"{kind.date_field}__lt": cutoff})
    if action == RetentionAction.ANONYMIZE and kind.still_identifying is not None:
        rows = rows.filter(kind.still_identifying())
    return rows


def _held_pks(kind: RetentionKind, holds: ActiveHolds) -> models.QuerySet | None:
    # a subquery of primary keys: a hold through a many-valued relation (a case's members) must not
    # multiply or half-exclude rows the way a join would
    protected = held_q(kind, holds)
    return None if protected is None else kind.model._default_manager.filter(protected).values("pk")


def kind_preview(*, kind: RetentionKind, action: str, period_days: int, cutoff: datetime, holds: ActiveHolds):
    """Counts only: matched, held, and how many a real run would act on now. Writes nothing."""
    outcome = KindOutcome(kind.key, action, period_days, cutoff)
    if kind.engine == ENGINE_AUDIT:
        counts = audit_archive_preview(before=cutoff, held=_audit_held(holds))
        outcome.matched, outcome.held, outcome.acted = counts["matched"], counts["held"], counts["acted"]
        return outcome
    rows, held = matched_rows(kind, action=action, cutoff=cutoff), _held_pks(kind, holds)
    outcome.matched = rows.count()
    outcome.held = rows.filter(pk__in=held).count() if held is not None else 0
    outcome.acted = outcome.matched - outcome.held
    return outcome


def _audit_held(holds: ActiveHolds) -> Q:
    return audit_held_events_q(
        held_guild_ids=holds.guild_ids,
        held_targets=[("accounts.member", str(member_id)) for member_id in holds.member_ids],
    )


def kind_apply(
    *,
    kind: RetentionKind,
    action: str,
    period_days: int,
    cutoff: datetime,
    holds: ActiveHolds,
    directory: Path,
    archive_key: bytes,
    actor: Actor,
    batch_size: int,
) -> KindOutcome:
    """Act on every matched, unheld row in batches (one transaction each); returns the counts and files.
    Archives are sealed with `archive_key` (apps/core/storage/sealed_stream.py)."""
    outcome = kind_preview(kind=kind, action=action, period_days=period_days, cutoff=cutoff, holds=holds)
    if kind.engine == ENGINE_AUDIT:
        archived = audit_archive_before(
            before=cutoff,
            directory=directory,
            actor=actor,
            held_guild_ids=holds.guild_ids,
            held_targets=[("accounts.member", str(member_id)) for member_id in holds.member_ids],
            file_prefix=kind.key,
            key=archive_key,
        )
        outcome.acted = sum(checkpoint.event_count for checkpoint, _ in archived)
        outcome.files = [written for _, written in archived]
        return outcome
    outcome.acted = 0
    archive = None
    if action == RetentionAction.ARCHIVE_THEN_DELETE:
        archive = JsonLinesArchive(directory, f"{kind.key}.jsonl.gz", key=archive_key)
    try:
        last_pk = 0
        while True:
            eligible = matched_rows(kind, action=action, cutoff=cutoff).filter(pk__gt=last_pk)
            held = _held_pks(kind, holds)
            if held is not None:
                eligible = eligible.exclude(pk__in=held)
            pks = list(eligible.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            last_pk = pks[-1]
            outcome.acted += _act_on_batch(kind=kind, action=action, pks=pks, holds=holds, archive=archive)
    finally:
        if archive is not None:
            written = archive.close()
            if written.rows:
                outcome.files.append(written)
            else:
                archive.path.unlink()
    return outcome


@transaction.atomic
def _act_on_batch(*, kind: RetentionKind, action: str, pks: list[int], holds: ActiveHolds, archive) -> int:
    manager = kind.model._default_manager
    rows = manager.select_for_update().filter(pk__in=pks)
    held = _held_pks(kind, holds)
    if held is not None:  # a hold placed since the batch was chosen still wins
        rows = rows.exclude(pk__in=held)
    locked = list(rows.order_by("pk").values_list("pk", flat=True))
    if not locked:
        return 0
    if action == RetentionAction.ANONYMIZE:
        _anonymize(kind, locked)
        return len(locked)
    if archive is not None:
        for row in _archive_rows(kind, locked):
            archive.write(row)
        archive.flush()
    if kind.engine == ENGINE_EXPORTS:
        names = list(manager.filter(pk__in=locked).values_list("file_name", flat=True))
        storage = export_storage()
        transaction.on_commit(lambda: [storage.delete(name) for name in names if name and storage.exists(name)])
    manager.filter(pk__in=locked).delete()
    return len(locked)


def _archive_rows(kind: RetentionKind, pks: list[int]):
    model = kind.model
    related: dict[str, dict[Any, list[dict]]] = {}
    for name in kind.archive_related:
        relation = model._meta.get_field(name)
        link = relation.field.attname
        grouped: dict[Any, list[dict]] = {}
        for row in relation.related_model._default_manager.filter(**{f"{link}__in": pks}).order_by("pk").values():
            grouped.setdefault(row[link], []).append(row)
        related[name] = grouped
    for row in model._default_manager.filter(pk__in=pks).order_by("pk").values():
        yield {
            "kind": kind.key,
            "model": kind.model_label,
            "row": row,
            "related": {name: grouped.get(row["id"], []) for name, grouped in related.items()},
        }


def _fields_to_anonymize(model_label: str, fallback: tuple[str, ...]) -> dict[str, str]:
    """{field name: declared erasure action} from the classification registry, plus the kind's own list."""
    model = personal_model(model_label)
    declared = {name: item.erase for name, item in (model.fields.items() if model else [])}
    return {**dict.fromkeys(fallback, ""), **declared}


def _empty_value(model_field: models.Field):
    if model_field.null:
        return None
    if isinstance(model_field, models.JSONField):
        default = model_field.get_default()
        return default if default is not None else {}
    if isinstance(model_field, models.GenericIPAddressField):
        return "0.0.0.0"  # noqa: S104 - a value that names no one, not a bind address
    if isinstance(model_field, models.CharField | models.TextField):
        return ""
    return models.NOT_PROVIDED  # a column that cannot be emptied is left as it is


def _anonymized_value(model_field: models.Field, *, model_label: str, pk: Any, erase: str):
    """The same rules as erasure: KEEP stays, PSEUDONYMIZE and required text get a pseudonym, the rest empties."""
    if erase == ErasureAction.KEEP:
        return models.NOT_PROVIDED
    is_text = isinstance(model_field, models.CharField | models.TextField)
    required = not (model_field.null or model_field.blank)
    if is_text and (erase == ErasureAction.PSEUDONYMIZE or (erase != ErasureAction.ERASE and required)):
        # a keyed hash of the row, not of the value: distinct per row (unique constraints hold), and
        # nothing about the person is left to recover
        pseudonym = ANONYMIZED_PREFIX + keyed_hash(f"{model_label}:{pk}:{model_field.name}", purpose="retention")
        return pseudonym[: min(model_field.max_length or 64, len(ANONYMIZED_PREFIX) + PSEUDONYM_HEX)]
    return _empty_value(model_field)


def anonymize_rows(model: type[models.Model], model_label: str, pks: list[int], fields: dict[str, str]) -> None:
    """Empty or pseudonymize the personal fields of these rows (one UPDATE per row); KEEP fields stay."""
    concrete = {
        item.name: item
        for item in model._meta.concrete_fields
        if item.name in fields and not item.is_relation and not item.primary_key
    }
    manager = model._default_manager
    for pk in pks:
        values = {
            item.attname: _anonymized_value(item, model_label=model_label, pk=pk, erase=fields[name])
            for name, item in concrete.items()
        }
        values = {name: value for name, value in values.items() if value is not models.NOT_PROVIDED}
        # blind indexes of changed fields: only saves recompute them, so an UPDATE clears them itself
        for item in model._meta.concrete_fields:
            if getattr(item, "source", None) in values and item.attname not in values:
                values[item.attname] = None
        if values:
            manager.filter(pk=pk).update(**values)


def _anonymize(kind: RetentionKind, pks: list[int]) -> None:
    anonymize_rows(kind.model, kind.model_label, pks, _fields_to_anonymize(kind.model_label, kind.anonymize_fields))
    for model_label, (link, fallback) in kind.extra.get("also_anonymize", {}).items():
        related = kind.model._meta.apps.get_model(model_label)
        related_pks = list(related._default_manager.filter(**{f"{link}__in": pks}).values_list("pk", flat=True))
        anonymize_rows(related, model_label, related_pks, _fields_to_anonymize(model_label, fallback))
