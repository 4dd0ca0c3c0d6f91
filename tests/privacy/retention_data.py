"""Data of every retention kind, made old enough for its default policy (tests/privacy/conftest.py's `two_guilds`)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import Member
from apps.betting.choices import BetStatus, LegResult, Market, Selection
from apps.betting.models import Bet, Capper
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.models import MemorySnapshot, SlowQuery
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.models import FraudCase
from apps.fraud.services import fraud_case_record, fraud_case_triage
from apps.security.models import SecurityEvent
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from tests.factories import TenantFactory

LONG_AGO = timedelta(days=3000)  # older than every default period


@dataclass
class GuildData:
    """One offboarded tenant with old data of every kind that has a tenant."""

    tenant: Tenant
    members: list[Member]
    cappers: list[Capper]
    settled_bets: list[Bet]
    pending_bet: Bet
    security_events: list[SecurityEvent]
    fraud_case: FraudCase


def old_security_event(*, guild_id: str, number: int, age: timedelta = LONG_AGO) -> SecurityEvent:
    return SecurityEvent.objects.create(
        occurred_at=timezone.now() - age,
        event_type="login_failed",
        actor_kind="anonymous",
        actor_label=f"someone{number}",
        guild_id=guild_id,
        ip_address=f"10.9.0.{number}",
        user_agent="pytest",
    )


def _bet(*, tenant, actor, capper, game, external_id: str, settle: bool) -> Bet:
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=external_id,
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=game.external_id)],
    )
    if settle:
        bet = bet_settle(bet=bet, actor=actor, leg_results={leg.pk: LegResult.WON for leg in bet.legs.all()})
        Bet.objects.filter(pk=bet.pk).update(settled_by="a moderator", review_note="spoke to them")
    return bet


def offboarded_guild(*, actor, guild_id: str, prefix: int) -> GuildData:
    """Two cappers with a settled bet each, one pending bet, old security events and a closed fraud case;
    the tenant was offboarded long ago."""
    tenant = TenantFactory(guild_id=guild_id, name=f"Guild {guild_id}")
    game, _ = game_upsert(
        actor=actor,
        external_id=f"game-{guild_id}",
        sport="sport",
        league="league",
        home_team="Home",
        away_team="Away",
        starts_at=timezone.now() + timedelta(hours=1),
    )
    cappers = [
        capper_create(
            tenant=tenant, actor=actor, discord_user_id=str(prefix + number), username=f"user{prefix + number}"
        )
        for number in range(2)
    ]
    settled = [
        _bet(tenant=tenant, actor=actor, capper=capper, game=game, external_id=f"m{guild_id}{index}", settle=True)
        for index, capper in enumerate(cappers)
    ]
    pending = _bet(tenant=tenant, actor=actor, capper=cappers[0], game=game, external_id=f"p{guild_id}", settle=False)
    events = [old_security_event(guild_id=guild_id, number=number) for number in range(3)]
    case, _ = fraud_case_record(
        finding=Finding(FraudKind.COPY_RING, [capper.pk for capper in cappers], 0.8, "copied", {"games": 4}),
        actor=actor,
    )
    fraud_case_triage(case=case, actor=actor, status=CaseStatus.CONFIRMED, note="seen")
    FraudCase.objects.filter(pk=case.pk).update(updated_at=timezone.now() - LONG_AGO)
    Tenant.objects.filter(pk=tenant.pk).update(status=TenantStatus.OFFBOARDED, offboarded_at=timezone.now() - LONG_AGO)
    assert pending.status == BetStatus.PENDING
    return GuildData(tenant, [capper.member for capper in cappers], cappers, settled, pending, events, case)


def old_monitoring_rows(count: int = 2) -> None:
    long_ago = timezone.now() - LONG_AGO
    for number in range(count):
        SlowQuery.objects.create(
            fingerprint=f"{number:064x}",
            normalized_sql="SELECT 1",
            example_sql="SELECT 1",
            first_seen_at=long_ago,
            last_seen_at=long_ago,
        )
        snapshot = MemorySnapshot.objects.create(process=f"web:{number}", process_kind="web", rss_bytes=1 << 20)
        MemorySnapshot.objects.filter(pk=snapshot.pk).update(created_at=long_ago)


def two_offboarded_guilds(*, actor) -> tuple[GuildData, GuildData]:
    """Two offboarded guilds with old data of every kind, plus old monitoring rows."""
    first = offboarded_guild(actor=actor, guild_id="710000000000000001", prefix=810000000000000000)
    second = offboarded_guild(actor=actor, guild_id="710000000000000002", prefix=820000000000000000)
    old_monitoring_rows()
    return first, second
