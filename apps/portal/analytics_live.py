"""Live analytics dashboards: a betting change tells, after commit, the open dashboards of its tenant (group
"analytics.tenant.<id>") and the platform's ("analytics.platform") which metrics and panels moved:
`{"type": "analytics.changed", "metrics": [...], "panels": [...]}`. Each dashboard's socket (consumers.py
AnalyticsDashboardConsumer) turns that into the ids of its widgets that show them, at most once a second, and
the browser fetches those widgets again over HTTP with its own session.

Bets arrive far more often than a dashboard redraws, and a send to the channel layer costs milliseconds, so a
process sends to a group at most once per ANALYTICS_LIVE_MIN_INTERVAL_MS: the first change at once, the changes
of the following interval merged into one send when it ends (a timer thread). Within one transaction the
changes make one send (a bulk import, a game graded). A broken channel layer never fails the change
(apps.core.broadcast)."""

import logging
import threading
import time

from django.conf import settings
from django.db import transaction

from apps.analytics.selectors.live import betting_change
from apps.analytics.signals import rollups_refreshed
from apps.betting.signals import bet_placed, bet_settled, bet_voided, bets_imported, game_finalized
from apps.core.broadcast import broadcast

logger = logging.getLogger(__name__)

PLATFORM_GROUP = "analytics.platform"


def analytics_group(tenant_id: int | None) -> str:
    return PLATFORM_GROUP if tenant_id is None else f"analytics.tenant.{int(tenant_id)}"


class GroupThrottle:
    """Per group: send now when the last send is an interval old, else merge into the send that ends it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._waiting: dict[str, dict[str, set[str]]] = {}

    def send(self, group: str, metrics: set[str], panels: set[str]) -> None:
        interval = settings.ANALYTICS_LIVE_MIN_INTERVAL_MS / 1000
        with self._lock:
            waiting = self._waiting.get(group)
            if waiting is not None:
                waiting["metrics"] |= metrics
                waiting["panels"] |= panels
                return
            wait = self._last.get(group, float("-inf")) + interval - time.monotonic()
            if wait > 0:
                self._waiting[group] = {"metrics": set(metrics), "panels": set(panels)}
                timer = threading.Timer(wait, self._send_waiting, args=(group,))
                timer.daemon = True
                timer.start()
                return
            self._last[group] = time.monotonic()
        _send(group, metrics, panels)

    def _send_waiting(self, group: str) -> None:
        with self._lock:
            waiting = self._waiting.pop(group)
            self._last[group] = time.monotonic()
        _send(group, waiting["metrics"], waiting["panels"])


def _send(group: str, metrics: set[str], panels: set[str]) -> None:
    message = {"type": "analytics.changed", "metrics": sorted(metrics), "panels": sorted(panels)}
    broadcast(group=group, message=message, label="analytics dashboards")


throttle = GroupThrottle()


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
            throttle.send(group, send.metrics, send.panels)

        send.analytics_group = group
        send.metrics = set(change["metrics"])
        send.panels = set(change["panels"])
        transaction.on_commit(send)


def _on_betting_change(sender, tenant_id=None, **kwargs) -> None:
    try:
        analytics_changed(tenant_id=tenant_id, change=betting_change())
    except Exception:  # noqa: BLE001 - a live view must never break the change that caused it
        logger.exception("analytics live receiver failed")


def _on_rollups_refreshed(sender, tenant_ids=(), **kwargs) -> None:
    """The rollups caught up with the changes: dashboards that refetched before the refresh fetch again."""
    try:
        for tenant_id in tenant_ids:
            analytics_changed(tenant_id=tenant_id, change=betting_change())
    except Exception:  # noqa: BLE001 - a live view must never break the refresh that caused it
        logger.exception("analytics live receiver failed")


def connect() -> None:
    rollups_refreshed.connect(_on_rollups_refreshed, weak=False, dispatch_uid="portal.analytics.rollups_refreshed")
    for signal, name in (
        (bet_placed, "bet_placed"),
        (bets_imported, "bets_imported"),
        (bet_settled, "bet_settled"),
        (bet_voided, "bet_voided"),
        (game_finalized, "game_finalized"),
    ):
        signal.connect(_on_betting_change, weak=False, dispatch_uid=f"portal.analytics.{name}")
