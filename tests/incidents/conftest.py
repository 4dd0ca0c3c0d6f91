"""Shared fixtures of the incident tests (no test module imports another)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from werkzeug import Request, Response

from apps.betting.choices import Market
from apps.betting.services import bet_place, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.fraud.models import FraudCase, FraudCaseMember
from apps.incidents.models import EscalationLevel, EscalationPolicy, Incident
from apps.incidents.services.escalation import escalation_policy_create
from apps.incidents.services.incidents import incident_declare
from apps.incidents.signals import incident_opened
from apps.notifications.models import WebhookEndpoint
from tests.factories import UserFactory
from tests.incidents.opening import open_incident_row


class SignedReceiver:
    """A Standard Webhooks receiver on the test's local HTTP server: it verifies each request's signature
    with the secret of the endpoint the portal created for its URL (read once the policy exists, as an
    operator copies it from the admin); answers 401 to a bad signature."""

    def __init__(self, httpserver, path: str = "/hooks/level1") -> None:
        self.url = httpserver.url_for(path)
        self.secret: str | None = None
        self.received: list[dict] = []
        self.refused = 0
        httpserver.expect_request(path, method="POST").respond_with_handler(self.handle)

    def learn_secret(self) -> None:
        endpoint = WebhookEndpoint.objects.filter(url=self.url, subscribed=False).first()
        self.secret = endpoint.secret if endpoint is not None else None

    def handle(self, request: Request) -> Response:
        try:
            payload = Webhook(self.secret).verify(request.get_data(), dict(request.headers))
        except Exception:  # noqa: BLE001 - a bad signature is the receiver's 401
            self.refused += 1
            return Response("bad signature", status=401)
        self.received.append({"id": request.headers["webhook-id"], **payload})
        return Response("", status=204)


@pytest.fixture
def receivers() -> list[SignedReceiver]:
    return []


@pytest.fixture
def signed_receiver(httpserver, receivers):
    """signed_receiver(path) -> a SignedReceiver on a local HTTP server."""

    def _make(path: str = "/hooks/level1") -> SignedReceiver:
        receiver = SignedReceiver(httpserver, path)
        receivers.append(receiver)
        return receiver

    return _make


@pytest.fixture
def make_policy(db, actor, receivers):
    """Two shapes (parts A and B of issue #13 wrote one each):
    make_policy([{"level", "ack_timeout_seconds", "targets"}, ...], name="on-call", **kwargs) -> EscalationPolicy
    through the service (the receivers learn the secrets of the endpoints it created);
    make_policy(name, levels=[(timeout_seconds, targets), ...], is_default=False) -> EscalationPolicy by the ORM."""

    def _make(levels=None, name=None, **kwargs):
        if levels and isinstance(levels[0], dict):
            policy = escalation_policy_create(actor=actor, name=name or "on-call", levels=levels, **kwargs)
            for receiver in receivers:
                receiver.learn_secret()
            return policy
        policy = EscalationPolicy.objects.create(name=name or "On call", is_default=kwargs.get("is_default", False))
        for number, (timeout, targets) in enumerate(
            levels or [(300, [{"kind": "email", "address": "oncall@example.test"}])], start=1
        ):
            EscalationLevel.objects.create(policy=policy, level=number, ack_timeout_seconds=timeout, targets=targets)
        return policy

    return _make


@pytest.fixture
def responder(db):
    return UserFactory(username="responder")


@pytest.fixture
def responder_actor(responder) -> Actor:
    return Actor(kind="user", identifier=str(responder.pk), label=responder.username)


@pytest.fixture
def make_incident(db, actor):
    """make_incident(**overrides) -> an Incident declared through the service."""

    def _make(*, by: Actor | None = None, **overrides):
        values = {"title": "Suspicious logins", "kind": "account_takeover", "severity": "high", **overrides}
        return incident_declare(actor=by or actor, **values)

    return _make


@pytest.fixture
def open_incident(django_capture_on_commit_callbacks):
    """open_incident(policy=…, severity=…) -> Incident, with the after-commit work (the deliveries of the
    level notified in the opening transaction, the playbook) run as a commit would (Celery is eager in tests)."""

    def _open(**kwargs) -> Incident:
        with django_capture_on_commit_callbacks(execute=True):
            incident = open_incident_row(**kwargs)
        incident.refresh_from_db()
        return incident

    return _open


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Evidence files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def declare(db):
    """declare(**fields) -> an incident made as incident_declare makes it (row + incident_opened signal in
    one transaction), without depending on the declaring service."""

    def _declare(**fields):
        now = timezone.now()
        values = {
            "title": "Brute force on the portal login",
            "kind": "credential_stuffing",
            "severity": "high",
            "declared_by_label": "test",
            "detected_at": now - timedelta(minutes=10),
            "aware_at": now - timedelta(minutes=5),
            **fields,
        }
        with transaction.atomic():
            incident = Incident.objects.create(**values)
            incident_opened.send(sender=Incident, incident=incident, actor=Actor.system("test"))
        return incident

    return _declare


@pytest.fixture
def user_actor():
    """user_actor(user) -> the Actor of a staff user's request."""

    def _actor(user) -> Actor:
        return Actor(kind="user", identifier=str(user.pk), label=user.get_username(), ip_address="192.0.2.7")

    return _actor


@pytest.fixture
def place_bet(db, actor):
    """place_bet(tenant, capper, external_id, placed_at, stake="1.00") -> a bet recorded through betting's
    service on a game that started after it was placed."""
    games = {}

    def _place(tenant, capper, external_id, placed_at, stake="1.00"):
        if "game" not in games:
            games["game"], _ = game_upsert(
                actor=actor, external_id="incident-game", sport="basketball", league="NBA", home_team="Celtics",
                away_team="Knicks", starts_at=timezone.now() + timedelta(days=2),
            )  # fmt: skip
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=external_id,
            capper=capper,
            stake_units=Decimal(stake),
            legs=[LegInput(market=Market.MONEYLINE, selection="home", odds=-110, game=games["game"].external_id)],
            placed_at=placed_at,
        )
        return bet

    return _place


@pytest.fixture
def fraud_case(db):
    """fraud_case(cappers) -> an open fraud case about those cappers (the fraud detectors' row shape)."""

    def _case(cappers):
        now = timezone.now()
        case = FraudCase.objects.create(
            kind="opposite_side_ring",
            member_key=",".join(sorted(str(capper.pk) for capper in cappers)),
            score=0.9,
            explanation="opposite sides of the same games",
            first_detected_at=now,
            last_detected_at=now,
        )
        for capper in cappers:
            FraudCaseMember.objects.create(case=case, capper=capper)
        return case

    return _case
