"""Shared fixtures of the incident tests (no test module imports another)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.models import Incident
from apps.incidents.signals import incident_opened


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
