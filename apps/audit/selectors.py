"""Reading the audit trail."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from apps.audit.hashing import GENESIS_HASH
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal


def audit_event_list(*, guild_id: str | None = None) -> QuerySet[AuditEvent]:
    """Events, newest first; one tenant's when `guild_id` is given, else the whole platform's."""
    events = AuditEvent.objects.all()
    return events if guild_id is None else events.filter(guild_id=guild_id)


def audit_held_events_q(*, held_guild_ids: Iterable[str] = (), held_targets: Iterable[tuple[str, str]] = ()) -> Q:
    """Events under a legal hold: of a held tenant (guild id), or about a held target (type, id)."""
    held = Q(pk__in=[])
    guild_ids = sorted(set(held_guild_ids))
    if guild_ids:
        held |= Q(guild_id__in=guild_ids)
    for target_type, target_id in sorted(set(held_targets)):
        held |= Q(target_type=target_type, target_id=str(target_id))
    return held


def audit_archive_boundary(*, before: datetime, held: Q) -> int | None:
    """The sequence of the first seal that must stay (its event is not older than `before`, or is held).

    Archiving takes a contiguous run of the chain from its start, so it stops right before it; None
    when every sealed event may go.
    """
    kept_events = AuditEvent.objects.filter(Q(occurred_at__gte=before) | held).values("pk")
    return AuditSeal.objects.filter(event_id__in=kept_events).aggregate(first=Min("sequence"))["first"]


def audit_archived_head() -> tuple[int, str]:
    """Where the archived stretch of the chain ends: the last checkpoint's sequence and chain hash,
    (0, the genesis hash) before anything was archived."""
    checkpoint = AuditArchiveCheckpoint.objects.order_by("-last_sequence").only("last_sequence", "chain_hash").first()
    return (checkpoint.last_sequence, checkpoint.chain_hash) if checkpoint else (0, GENESIS_HASH)


def audit_chain_head() -> tuple[int, str]:
    """The last seal's sequence and chain hash; after archiving took every seal, the last checkpoint's."""
    head = AuditSeal.objects.order_by("-sequence").only("sequence", "chain_hash").first()
    return (head.sequence, head.chain_hash) if head is not None else audit_archived_head()


def audit_archive_preview(*, before: datetime, held: Q) -> dict[str, int]:
    """Counts for a retention dry run: events older than `before`, how many of them are held, and
    how many an archive would take now (the sealed run of the chain before the first kept event)."""
    older = AuditEvent.objects.filter(occurred_at__lt=before)
    boundary = audit_archive_boundary(before=before, held=held)
    start, _ = audit_archived_head()
    archivable = AuditSeal.objects.filter(sequence__gt=start)
    if boundary is not None:
        archivable = archivable.filter(sequence__lt=boundary)
    return {"matched": older.count(), "held": older.filter(held).count(), "acted": archivable.count()}


def audit_activity(*, hours: int, now=None) -> tuple[list, list[int]]:
    """The start of each of the last `hours` hours (the current one last) and its audit event count (one query)."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=hours - 1)
    counts = dict(
        audit_event_list()
        .filter(occurred_at__gte=since)
        .annotate(hour=TruncHour("occurred_at"))
        .order_by()
        .values("hour")
        .annotate(count=Count("id"))
        .values_list("hour", "count")
    )
    slots = [since + timedelta(hours=index) for index in range(hours)]
    return slots, [counts.get(slot, 0) for slot in slots]
