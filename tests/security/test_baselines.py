"""Behavioural baselines: computed from a month of history, and an alert with the numbers when the
last day departs from it by more than the configured margins; ordinary days raise nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from apps.betting.choices import Market, Selection
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.security.choices import BaselineSubject, SecurityEventType
from apps.security.models import Alert, Baseline
from apps.security.services import personal_data_accessed
from apps.security.services.baselines import baselines_check, baselines_compute
from apps.tenants.services import tenant_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-11-30T12:00:00+00:00")
RECENT_START = NOW - timedelta(hours=24)


def _staff_history(user, *, days: int = 30) -> None:
    """Two personal-data views a day at 13:00 from the office network."""
    actor = Actor(kind="user", identifier=str(user.pk), label=user.username, ip_address="10.20.30.40")
    for day in range(1, days + 1):
        at = (RECENT_START - timedelta(days=day)).replace(hour=13, minute=0)
        for minute in (0, 5):
            event = personal_data_accessed(actor=actor, subject_type="accounts.member", subject_id="1")
            type(event).objects.filter(pk=event.pk).update(occurred_at=at + timedelta(minutes=minute))


def _access(user, *, at: datetime, address: str, count: int) -> None:
    actor = Actor(kind="user", identifier=str(user.pk), label=user.username, ip_address=address)
    for number in range(count):
        event = personal_data_accessed(actor=actor, subject_type="accounts.member", subject_id=str(number))
        type(event).objects.filter(pk=event.pk).update(occurred_at=at + timedelta(minutes=number))


def test_a_staff_baseline_holds_usual_hours_networks_and_volume():
    user = UserFactory(username="ana")
    _staff_history(user)

    assert baselines_compute(now=NOW) == 1

    baseline = Baseline.objects.get(subject_kind=BaselineSubject.STAFF_USER, subject_id=str(user.pk))
    assert (baseline.subject_label, baseline.sample_size) == ("ana", 60)
    assert baseline.profile["hour_counts"][13] == 60 and sum(baseline.profile["hour_counts"]) == 60
    assert baseline.profile["ip_prefixes"] == {"10.20.30.0/24": 60}
    assert baseline.profile["daily_personal_data_access"] == {"mean": 2.0, "stdev": 0.0, "max": 2, "days": 30}
    assert (baseline.window_start, baseline.window_end) == (RECENT_START - timedelta(days=30), RECENT_START)


def test_too_little_history_gives_no_baseline():
    user = UserFactory(username="new")
    _staff_history(user, days=5)  # 10 events < SECURITY_BASELINE_MIN_SAMPLES

    assert baselines_compute(now=NOW) == 0
    assert not Baseline.objects.exists()


def test_an_ordinary_day_raises_nothing():
    user = UserFactory(username="ana")
    _staff_history(user)
    baselines_compute(now=NOW)
    _access(user, at=NOW.replace(hour=13) - timedelta(days=1), address="10.20.30.41", count=2)

    assert baselines_check(now=NOW) == []


def test_a_staff_user_departing_from_the_baseline_is_alerted_with_the_numbers():
    user = UserFactory(username="ana")
    _staff_history(user)
    baselines_compute(now=NOW)
    _access(user, at=NOW.replace(hour=3), address="198.51.100.5", count=20)

    (alert,) = baselines_check(now=NOW)

    assert alert.rule.slug == "behavioural-baseline"
    assert alert.group_key == f"staff_user:{user.pk}"
    assert alert.events.count() == 20
    deviations = {deviation["metric"]: deviation for deviation in alert.details["deviations"]}
    assert set(deviations) == {"ip_prefix", "hours", "daily_personal_data_access"}
    assert deviations["ip_prefix"]["baseline"] == ["10.20.30.0/24"]
    assert deviations["ip_prefix"]["recent"] == {"198.51.100.0/24": 20}
    assert deviations["hours"]["recent"] == {"events_at_rare_hours": 20, "hours": [3]}
    volume = deviations["daily_personal_data_access"]
    assert (volume["baseline"]["mean"], volume["recent"], volume["threshold"]) == (2.0, 20.0, 6.0)
    assert alert.details["subject"]["baseline_samples"] == 60

    # the next run finds the same departure: the open alert already holds it
    assert baselines_check(now=NOW) == []
    assert Alert.objects.count() == 1


def test_the_margins_are_settings(settings):
    settings.SECURITY_BASELINE_MARGINS = {**settings.SECURITY_BASELINE_MARGINS, "volume_factor": 20.0}
    user = UserFactory(username="ana")
    _staff_history(user)
    baselines_compute(now=NOW)
    _access(user, at=NOW.replace(hour=13) - timedelta(days=1), address="10.20.30.41", count=20)

    assert baselines_check(now=NOW) == []  # 20 a day is under 20 × the mean of 2


def _capper_world(actor):
    tenant = tenant_create(actor=actor, guild_id="999999999999999991", name="Baseline Guild", plan_code="enterprise")
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="700000000000000001", username="steady")
    games = {}
    for sport, league in (("basketball", "NBA"), ("soccer", "EPL")):
        game, _ = game_upsert(
            actor=actor,
            external_id=f"game-{league}",
            sport=sport,
            league=league,
            home_team=f"{league} home",
            away_team=f"{league} away",
            starts_at=NOW + timedelta(days=1),
        )
        games[league] = game
    return tenant, capper, games


def _bet(actor, tenant, capper, game, *, number: int, at: datetime, stake: str) -> None:
    bet_place(
        tenant=tenant,
        actor=actor,
        external_id=f"message-{number}",
        capper=capper,
        stake_units=Decimal(stake),
        legs=[LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=game.external_id)],
        placed_at=at,
    )


def test_a_capper_departing_from_the_baseline_is_alerted_with_the_numbers(actor):
    tenant, capper, games = _capper_world(actor)
    for day in range(1, 31):
        at = (RECENT_START - timedelta(days=day)).replace(hour=18)
        _bet(actor, tenant, capper, games["NBA"], number=day, at=at, stake="1.00" if day % 2 else "1.50")
    baselines_compute(now=NOW)
    baseline = Baseline.objects.get(subject_kind=BaselineSubject.CAPPER)
    assert baseline.profile["stake"] == {"mean": 1.25, "stdev": 0.25}
    assert baseline.profile["bets_per_active_day"] == 1.0
    assert baseline.profile["leagues"] == {games["NBA"].league.key: 30}
    assert baseline.profile["hour_counts"][18] == 30
    for number in range(8):
        _bet(
            actor, tenant, capper, games["EPL"], number=100 + number, at=NOW.replace(hour=4, minute=number), stake="10"
        )

    (alert,) = baselines_check(now=NOW)

    assert (alert.group_key, alert.guild_id) == (f"capper:{capper.pk}", tenant.guild_id)
    deviations = {deviation["metric"]: deviation for deviation in alert.details["deviations"]}
    assert set(deviations) == {"stake", "bet_rate", "posting_hours", "leagues"}
    assert deviations["stake"]["recent"] == {"mean": 10.0, "bets": 8}
    assert deviations["stake"]["threshold"] == 2.0  # 1.25 + 3 × 0.25
    assert (deviations["bet_rate"]["recent"], deviations["bet_rate"]["threshold"]) == ({"bets_per_day": 8.0}, 3.0)
    assert deviations["posting_hours"]["recent"] == {"share_at_rare_hours": 1.0}
    assert deviations["leagues"]["recent"] == {games["EPL"].league.key: 8}
    assert len(deviations["stake"]["bet_ids"]) == 8


def test_a_capper_on_an_ordinary_day_raises_nothing(actor):
    tenant, capper, games = _capper_world(actor)
    for day in range(1, 31):
        at = (RECENT_START - timedelta(days=day)).replace(hour=18)
        _bet(actor, tenant, capper, games["NBA"], number=day, at=at, stake="1.00" if day % 2 else "1.50")
    baselines_compute(now=NOW)
    _bet(actor, tenant, capper, games["NBA"], number=200, at=NOW.replace(hour=18) - timedelta(days=1), stake="1.50")

    assert baselines_check(now=NOW) == []


def test_recent_personal_data_events_are_not_part_of_their_own_baseline():
    user = UserFactory(username="ana")
    _staff_history(user)
    _access(user, at=NOW.replace(hour=3), address="198.51.100.5", count=20)

    baselines_compute(now=NOW)

    baseline = Baseline.objects.get()
    assert baseline.sample_size == 60
    assert SecurityEventType.PERSONAL_DATA_ACCESSED == "personal_data_accessed"
