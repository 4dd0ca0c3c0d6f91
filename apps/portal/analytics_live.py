"""Live analytics dashboards: a betting change tells, after commit, the open dashboards of its tenant (group
"analytics.tenant.<id>") and the platform's ("analytics.platform") which metrics and panels moved:
`{"type": "analytics.changed", "metrics": [...], "panels": [...]}`. Each dashboard's socket (consumers.py
AnalyticsDashboardConsumer) turns that into the ids of its widgets that show them, at most once a second, and
the browser fetches those widgets again over HTTP with its own session.

One message per group per transaction (a bulk import or a game graded in one transaction is one message);
a broken channel layer never fails the change (apps.core.broadcast)."""

import logging

from django.db import transaction

from apps.analytics.selectors.live import betting_change
from apps.betting.signals import bet_placed, bet_settled, bet_voided, bets_imported, game_finalized
from apps.core.broadcast import broadcast

logger = logging.getLogger(__name__)

PLATFORM_GROUP = "analytics.platform"


def analytics_group(tenant_id: int | None) -> str:
    return PLATFORM_GROUP if tenant_id is None else f"analytics.tenant.{int(tenant_id)}"


def _pending_send(group: str):
    """This transaction's send to `group`, if one is already waiting for the commit."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    for entry in connection.run_on_commit:
        function = entry[1]
        if getattr(function, "analytics_group", None) == group:
            return function
    return None


def analytics_changed(*, tenant_id: int | None, change: dict[str, list[str]]) -> None:
    """Tell the open dashboards of the tenant (and the platform's) once the transaction commits."""
    groups = [PLATFORM_GROUP] + ([analytics_group(tenant_id)] if tenant_id is not None else [])
    for group in groups:
        waiting = _pending_send(group)
        if waiting is not None:
            waiting.metrics.update(change["metrics"])
            waiting.panels.update(change["panels"])
            continue

        def send(group=group):
            message = {"type": "analytics.changed", "metrics": sorted(send.metrics), "panels": sorted(send.panels)}
            broadcast(group=group, message=message, label="analytics dashboards")

        send.analytics_group = group
        send.metrics = set(change["metrics"])
        send.panels = set(change["panels"])
        transaction.on_commit(send)


def _on_betting_change(sender, tenant_id=None, **kwargs) -> None:
    try:
        analytics_changed(tenant_id=tenant_id, change=betting_change())
    except Exception:  # noqa: BLE001 - a live view must never break the change that caused it
        logger.exception("analytics live receiver failed")


def connect() -> None:
    for signal, name in (
        (bet_placed, "bet_placed"),
        (bets_imported, "bets_imported"),
        (bet_settled, "bet_settled"),
        (bet_voided, "bet_voided"),
        (game_finalized, "game_finalized"),
    ):
        signal.connect(_on_betting_change, weak=False, dispatch_uid=f"portal.analytics.{name}")
