"""Shared fixtures of the incident tests (no test module imports another)."""

import pytest
from standardwebhooks import Webhook
from werkzeug import Request, Response

from apps.incidents.models import Incident
from apps.incidents.services.escalation import escalation_policy_create
from apps.notifications.models import WebhookEndpoint
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
def make_policy(actor, receivers):
    """make_policy(levels, name="on-call", **kwargs) -> EscalationPolicy (through the service); the
    receivers learn the secrets of the endpoints it created."""

    def _make(levels, name="on-call", **kwargs):
        policy = escalation_policy_create(actor=actor, name=name, levels=levels, **kwargs)
        for receiver in receivers:
            receiver.learn_secret()
        return policy

    return _make


@pytest.fixture
def open_incident(django_capture_on_commit_callbacks):
    """open_incident(policy=…, severity=…) -> Incident, with the after-commit work (escalation start,
    deliveries) run as a commit would (Celery is eager in tests)."""

    def _open(**kwargs) -> Incident:
        with django_capture_on_commit_callbacks(execute=True):
            incident = open_incident_row(**kwargs)
        incident.refresh_from_db()
        return incident

    return _open
