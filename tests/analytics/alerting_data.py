"""Helpers of the alerting tests (plain module: tests import it, no fixtures here): bets placed through the
betting services, a rule made through the analytics service, and a Standard Webhooks receiver on the
test's local HTTP server."""

import itertools
from datetime import datetime
from decimal import Decimal

from standardwebhooks import Webhook
from werkzeug import Request, Response

from apps.analytics.services.alerting import alert_rule_create
from apps.betting.models import Capper
from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.notifications.models import WebhookEndpoint

_numbers = itertools.count(1)


def make_capper(*, tenant, actor, username: str) -> Capper:
    return capper_create(tenant=tenant, actor=actor, discord_user_id=f"71{next(_numbers):016d}", username=username)


def place_stakes(*, tenant, actor, capper: Capper, stakes: list[str], at: datetime | None = None) -> None:
    """One single bet per stake (a manual prop leg: no game needed), placed `at` (default: now)."""
    for stake in stakes:
        bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"alert-bet-{next(_numbers)}",
            capper=capper,
            stake_units=Decimal(stake),
            legs=[LegInput("prop", "Over 1.5 goals", 110, None, None, "Over 1.5 goals")],
            placed_at=at,
        )


RULE = {
    "name": "Handle spike",
    "query": {"metrics": "stake_units", "grain": "day"},
    "window": 1,
    "reducer": "sum",
    "condition": "gt",
    "threshold": 5.0,
    "pending_seconds": 60,
    "interval_seconds": 30,
    "severity": "critical",
}


def make_rule(*, actor, tenant, targets: list[dict], **changes):
    return alert_rule_create(actor=actor, tenant=tenant, targets=targets, **{**RULE, **changes})


class WebhookReceiver:
    """Verifies each POST with the secret of the named-only endpoint created for its URL (read when the rule
    exists, as the receiver's operator copies it from the admin); 401 for a bad signature."""

    def __init__(self, httpserver, path: str = "/hooks/alerts") -> None:
        self.url = httpserver.url_for(path)
        self.secret = ""
        self.received: list[dict] = []
        self.refused = 0
        httpserver.expect_request(path, method="POST").respond_with_handler(self.handle)

    def learn_secret(self) -> None:
        """Read the endpoint's secret in the test's own thread (the server's thread has another connection)."""
        self.secret = WebhookEndpoint.objects.get(url=self.url, subscribed=False).secret

    def handle(self, request: Request) -> Response:
        try:
            payload = Webhook(self.secret).verify(request.get_data(), dict(request.headers))
        except Exception:  # noqa: BLE001 - any failure to verify is the receiver's 401
            self.refused += 1
            return Response("bad signature", status=401)
        self.received.append(payload)
        return Response("", status=204)
