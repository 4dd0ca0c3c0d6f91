"""Shared fixtures of the incident tests (no test module imports another)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from apps.betting.choices import Market
from apps.betting.services import bet_place, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.fraud.models import FraudCase, FraudCaseMember
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
