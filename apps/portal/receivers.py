"""Which domain signals change which dashboard widgets. Receivers are thin: they name the widgets to
refresh (realtime.py tells the open dashboards) and never raise. The signals are sent inside the change's
transaction, so the dashboards are told after it commits (a rolled-back change tells nobody)."""

import logging

from django.db import transaction

from apps.compliance.signals import check_run_recorded, compliance_alert_changed
from apps.portal.realtime import dashboard_changed
from apps.privacy.signals import data_subject_request_changed

logger = logging.getLogger(__name__)

# signal -> (reason, widgets that may have changed)
SIGNAL_WIDGETS = [
    (check_run_recorded, "check_run", ["scores", "failing", "protection"]),
    (compliance_alert_changed, "compliance_alert", ["alerts"]),
    (data_subject_request_changed, "data_subject_request", ["dsr", "protection"]),
]


def _receiver(reason: str, widgets: list[str]):
    def tell() -> None:
        try:
            dashboard_changed(widgets=widgets, reason=reason)
        except Exception:  # noqa: BLE001 - a live view must never break the change that caused it
            logger.exception("portal receiver for %s failed", reason)

    def receive(sender, **kwargs) -> None:
        transaction.on_commit(tell)

    return receive


def connect() -> None:
    """Connect the receivers (idempotent: one dispatch uid per signal)."""
    for signal, reason, widgets in SIGNAL_WIDGETS:
        signal.connect(_receiver(reason, widgets), weak=False, dispatch_uid=f"portal.dashboard.{reason}")
