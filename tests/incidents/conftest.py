"""Shared fixtures of the incident tests (import nothing from test modules: fixtures live here).

Escalation policies are created with the ORM: the escalation services are another part's (INCIDENTS.md)."""

import pytest

from apps.core.actors import Actor
from apps.incidents.models import EscalationLevel, EscalationPolicy
from apps.incidents.services.incidents import incident_declare
from tests.factories import UserFactory


@pytest.fixture
def responder(db):
    return UserFactory(username="responder")


@pytest.fixture
def responder_actor(responder) -> Actor:
    return Actor(kind="user", identifier=str(responder.pk), label=responder.username)


@pytest.fixture
def make_policy(db):
    """make_policy(name, levels=[(timeout_seconds, targets), ...], is_default=False) -> EscalationPolicy."""

    def _make(name: str = "On call", levels=None, is_default: bool = False) -> EscalationPolicy:
        policy = EscalationPolicy.objects.create(name=name, is_default=is_default)
        for number, (timeout, targets) in enumerate(
            levels or [(300, [{"kind": "email", "address": "oncall@example.test"}])], start=1
        ):
            EscalationLevel.objects.create(policy=policy, level=number, ack_timeout_seconds=timeout, targets=targets)
        return policy

    return _make


@pytest.fixture
def make_incident(db, actor):
    """make_incident(**overrides) -> an Incident declared through the service."""

    def _make(*, by: Actor | None = None, **overrides):
        values = {"title": "Suspicious logins", "kind": "account_takeover", "severity": "high", **overrides}
        return incident_declare(actor=by or actor, **values)

    return _make
