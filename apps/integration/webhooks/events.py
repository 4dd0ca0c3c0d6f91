"""The tenants' webhook events (issue #15): who gets each one and what it says.

Each builder reads the object after the change committed (it runs in a worker: the fan-out task) and
returns, per tenant to tell, the event's key (its identity: telling it twice creates nothing) and its data:
ids and labels the tenant owns, never personal data (no member names, e-mails, free text of other tenants).

Who gets what:
* bet.placed, bet.settled, fraud_case.opened, dsr.completed: the tenant the object belongs to;
* game.final: every tenant with at least one bet leg on the game (games are platform data: a tenant with no
  bet on it has no stake in its result, and sending every final to every tenant would be noise);
* incident.opened, incident.escalated: the incident's main tenant (`guild_id`) and its affected tenants
  (an incident about the platform as a whole names none and goes to nobody);
* compliance.check_failed: every tenant that subscribes to it (checks are platform-wide controls).
"""

from collections.abc import Iterator

from apps.betting.models import Bet, BetLeg, Game
from apps.compliance.choices import CheckStatus
from apps.compliance.models import CheckRun
from apps.fraud.models import FraudCase
from apps.incidents.models import Incident
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookEndpoint
from apps.privacy.models import DataSubjectRequest
from apps.tenants.models import Tenant

Event = tuple[Tenant, str, dict]  # (tenant, key, data)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _decimal(value) -> str | None:
    return str(value) if value is not None else None


def bet_placed_events(*, bet_ids: list[int]) -> Iterator[Event]:
    bets = Bet.objects.filter(pk__in=bet_ids).select_related("tenant", "capper__member").prefetch_related("legs__game")
    for bet in bets:
        legs = [
            {
                "position": leg.position,
                "game_id": leg.game.external_id if leg.game_id else None,
                "market": leg.market,
                "selection": leg.selection,
                "line": _decimal(leg.line),
                "odds": leg.odds,
            }
            for leg in bet.legs.all()
        ]
        data = {
            "bet_id": bet.pk,
            "external_id": bet.external_id,
            "guild_id": bet.tenant.guild_id,
            "capper_discord_id": bet.capper.member.discord_user_id,
            "stake_units": _decimal(bet.stake_units),
            "american_odds": bet.american_odds,
            "status": bet.status,
            "placed_at": _iso(bet.placed_at),
            "legs": legs,
        }
        yield bet.tenant, f"bet.placed:{bet.pk}", data


def bet_settled_events(*, bet_ids: list[int]) -> Iterator[Event]:
    for bet in Bet.objects.filter(pk__in=bet_ids).select_related("tenant"):
        if bet.settled_at is None:
            continue  # reopened since (a correction): its next settlement tells
        data = {
            "bet_id": bet.pk,
            "external_id": bet.external_id,
            "guild_id": bet.tenant.guild_id,
            "status": bet.status,
            "net_units": _decimal(bet.net_units),
            "settlement_source": bet.settlement_source,
            "settled_at": _iso(bet.settled_at),
        }
        # a correction settles again later: a new event, not the first one again
        yield bet.tenant, f"bet.settled:{bet.pk}:{bet.status}:{bet.settled_at.timestamp():.6f}", data


def game_final_events(*, game_id: int) -> Iterator[Event]:
    game = Game.objects.select_related("league", "home_team", "away_team").filter(pk=game_id).first()
    if game is None or game.home_score is None or game.away_score is None:
        return
    tenant_ids = BetLeg.objects.filter(game_id=game_id).values_list("bet__tenant_id", flat=True).distinct()
    data = {
        "game_id": game.external_id,
        "league": game.league.name,
        "home_team": game.home_team.name,
        "away_team": game.away_team.name,
        "home_score": game.home_score,
        "away_score": game.away_score,
        "status": game.status,
        "finalized_at": _iso(game.finalized_at),
    }
    for tenant in Tenant.objects.filter(pk__in=list(tenant_ids)).order_by("pk"):
        key = f"game.final:{game.pk}:{game.home_score}-{game.away_score}:t{tenant.pk}"
        yield tenant, key, {**data, "guild_id": tenant.guild_id}


def fraud_case_opened_events(*, case_id: int, guild_id: str) -> Iterator[Event]:
    case = FraudCase.objects.filter(pk=case_id).first()
    tenant = Tenant.objects.filter(guild_id=guild_id).first() if guild_id else None
    if case is None or tenant is None:
        return
    capper_ids = sorted(case.cappers.filter(tenant=tenant).values_list("member__discord_user_id", flat=True))
    data = {
        "case_id": case.pk,
        "guild_id": guild_id,
        "kind": case.kind,
        "score": case.score,
        "status": case.status,
        "capper_discord_ids": capper_ids,
        "first_detected_at": _iso(case.first_detected_at),
    }
    yield tenant, f"fraud_case.opened:{case.pk}", data


def _incident_tenants(incident: Incident) -> list[Tenant]:
    tenants = {tenant.pk: tenant for tenant in incident.affected_tenants.all()}
    if incident.guild_id:
        main = Tenant.objects.filter(guild_id=incident.guild_id).first()
        if main is not None:
            tenants.setdefault(main.pk, main)
    return [tenants[pk] for pk in sorted(tenants)]


def incident_events(*, incident_id: int, event_type: str, level: int | None = None) -> Iterator[Event]:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return
    data = {
        "incident_id": incident.pk,
        "kind": incident.kind,
        "severity": incident.severity,
        "status": incident.status,
        "escalation_level": level if level is not None else incident.escalation_level,
        "opened_at": _iso(incident.created_at),
    }
    suffix = "" if event_type == WebhookEventType.INCIDENT_OPENED else f":{level}"
    for tenant in _incident_tenants(incident):
        yield tenant, f"{event_type}:{incident.pk}{suffix}:t{tenant.pk}", {**data, "guild_id": tenant.guild_id}


def check_failed_events(*, check_run_id: int, previous_status: str | None) -> Iterator[Event]:
    run = CheckRun.objects.filter(pk=check_run_id).first()
    if run is None or run.status != CheckStatus.FAIL:
        return
    data = {
        "check_run_id": run.pk,
        "check_id": run.check_id,
        "severity": run.severity,
        "status": run.status,
        "previous_status": previous_status,
        "requirements": run.requirements,
        "finished_at": _iso(run.finished_at),
    }
    tenant_ids = WebhookEndpoint.objects.filter(is_active=True, subscribed=True).exclude(tenant=None)
    for tenant in Tenant.objects.filter(pk__in=tenant_ids.values("tenant_id")).order_by("pk"):
        yield tenant, f"compliance.check_failed:{run.pk}:t{tenant.pk}", {**data, "guild_id": tenant.guild_id}


def dsr_completed_events(*, request_id: int) -> Iterator[Event]:
    request = DataSubjectRequest.objects.select_related("tenant").filter(pk=request_id).first()
    if request is None:
        return
    data = {
        "request_id": request.pk,
        "guild_id": request.tenant.guild_id,
        "kind": request.kind,
        "status": request.status,
        "received_at": _iso(request.received_at),
        "due_at": _iso(request.due_at),
    }
    yield request.tenant, f"dsr.completed:{request.pk}", data
