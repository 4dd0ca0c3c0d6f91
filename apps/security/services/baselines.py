"""Behavioural baselines: what is usual for each staff user and capper, and alerts on departures.

A baseline covers SECURITY_BASELINE_DAYS ending where the recent window (SECURITY_BASELINE_RECENT_HOURS)
starts, so recent activity is never part of the baseline it is judged against. Subjects with fewer
than SECURITY_BASELINE_MIN_SAMPLES observations get no baseline: too little to call anything unusual.
The margins are settings (SECURITY_BASELINE_MARGINS); every alert states the numbers it compared.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, StdDev
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from apps.betting.models import Bet, BetLeg, Capper
from apps.security.choices import BaselineSubject, RuleKind, SecurityEventType
from apps.security.detection.matching import ip_prefix
from apps.security.models import Alert, Baseline, DetectionRule, SecurityEvent
from apps.security.services.alerts import alert_raise

BASELINE_RULE_SLUG = "behavioural-baseline"


@dataclass(frozen=True)
class Windows:
    baseline_start: datetime
    baseline_end: datetime
    recent_end: datetime

    @classmethod
    def ending(cls, now: datetime) -> "Windows":
        recent_start = now - timedelta(hours=settings.SECURITY_BASELINE_RECENT_HOURS)
        return cls(recent_start - timedelta(days=settings.SECURITY_BASELINE_DAYS), recent_start, now)


def _margin(name: str) -> float:
    return float(settings.SECURITY_BASELINE_MARGINS[name])


def _round(value: float | Decimal | None) -> float:
    return round(float(value or 0), 4)


# --- computing -------------------------------------------------------------------------------------


def _staff_profiles(windows: Windows) -> dict[str, dict]:
    staff_ids = {
        str(pk): name for pk, name in get_user_model().objects.filter(is_staff=True).values_list("pk", "username")
    }
    rows = SecurityEvent.objects.filter(
        actor_kind="user",
        actor_identifier__in=list(staff_ids),
        occurred_at__gte=windows.baseline_start,
        occurred_at__lt=windows.baseline_end,
    ).values_list("actor_identifier", "occurred_at", "ip_address", "event_type")
    hours: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    prefixes: dict[str, Counter] = defaultdict(Counter)
    access_days: dict[str, Counter] = defaultdict(Counter)
    for identifier, occurred_at, address, event_type in rows.iterator():
        hours[identifier][occurred_at.astimezone(UTC).hour] += 1
        prefix = ip_prefix(address)
        if prefix:
            prefixes[identifier][prefix] += 1
        if event_type == SecurityEventType.PERSONAL_DATA_ACCESSED:
            access_days[identifier][occurred_at.date()] += 1
    days = settings.SECURITY_BASELINE_DAYS
    profiles = {}
    for identifier, counts in hours.items():
        daily = [
            access_days[identifier].get((windows.baseline_start + timedelta(days=n)).date(), 0) for n in range(days)
        ]
        profiles[identifier] = {
            "label": staff_ids[identifier],
            "samples": sum(counts),
            "profile": {
                "hour_counts": counts,
                "ip_prefixes": dict(prefixes[identifier]),
                "daily_personal_data_access": {
                    "mean": _round(statistics.fmean(daily)),
                    "stdev": _round(statistics.pstdev(daily)),
                    "max": max(daily),
                    "days": days,
                },
            },
        }
    return profiles


def _capper_profiles(windows: Windows) -> dict[str, dict]:
    bets = Bet.objects.filter(placed_at__gte=windows.baseline_start, placed_at__lt=windows.baseline_end)
    profiles: dict[str, dict] = {}
    for row in bets.values("capper_id").annotate(
        count=Count("id"),
        stake_mean=Avg("stake_units"),
        stake_stdev=StdDev("stake_units"),
        active_days=Count(TruncDate("placed_at"), distinct=True),
    ):
        profiles[str(row["capper_id"])] = {
            "samples": row["count"],
            "profile": {
                "hour_counts": [0] * 24,
                "stake": {"mean": _round(row["stake_mean"]), "stdev": _round(row["stake_stdev"])},
                "bets_per_active_day": _round(row["count"] / max(1, row["active_days"])),
                "active_days": row["active_days"],
                "leagues": {},
            },
        }
    for row in bets.values("capper_id", hour=ExtractHour("placed_at")).annotate(count=Count("id")):
        profiles[str(row["capper_id"])]["profile"]["hour_counts"][row["hour"]] = row["count"]
    legs = BetLeg.objects.filter(
        bet__placed_at__gte=windows.baseline_start, bet__placed_at__lt=windows.baseline_end, game__isnull=False
    )
    for row in legs.values("bet__capper_id", "game__league__key").annotate(count=Count("id")):
        profiles[str(row["bet__capper_id"])]["profile"]["leagues"][row["game__league__key"]] = row["count"]
    cappers = Capper.objects.filter(pk__in=[int(pk) for pk in profiles]).select_related("tenant")
    for capper in cappers:
        profiles[str(capper.pk)]["label"] = capper.display_name
        profiles[str(capper.pk)]["guild_id"] = capper.tenant.guild_id
    return profiles


@transaction.atomic
def baselines_compute(*, now: datetime | None = None) -> int:
    """Recompute every staff user's and capper's baseline (idempotent); returns how many were stored.

    Not audited: a baseline is derived telemetry, recomputed from scratch every run."""
    windows = Windows.ending(now or timezone.now())
    computed_at = timezone.now()
    stored = 0
    for kind, profiles in (
        (BaselineSubject.STAFF_USER, _staff_profiles(windows)),
        (BaselineSubject.CAPPER, _capper_profiles(windows)),
    ):
        keep = {
            subject_id
            for subject_id, data in profiles.items()
            if data["samples"] >= settings.SECURITY_BASELINE_MIN_SAMPLES
        }
        Baseline.objects.filter(subject_kind=kind).exclude(subject_id__in=keep).delete()
        for subject_id in sorted(keep):
            data = profiles[subject_id]
            Baseline.objects.update_or_create(
                subject_kind=kind,
                subject_id=subject_id,
                defaults={
                    "subject_label": data.get("label", "")[:150],
                    "guild_id": data.get("guild_id", ""),
                    "window_start": windows.baseline_start,
                    "window_end": windows.baseline_end,
                    "sample_size": data["samples"],
                    "profile": data["profile"],
                    "computed_at": computed_at,
                },
            )
            stored += 1
    return stored


# --- checking --------------------------------------------------------------------------------------


def _rare_hours(hour_counts: list[int]) -> set[int]:
    total = sum(hour_counts) or 1
    return {hour for hour, count in enumerate(hour_counts) if count / total < _margin("rare_hour_share")}


def _staff_deviations(baseline: Baseline, events: list[SecurityEvent]) -> tuple[list[dict], list[SecurityEvent]]:
    profile, deviations, evidence = baseline.profile, [], set()
    known = set(profile["ip_prefixes"])
    unknown = [event for event in events if ip_prefix(event.ip_address) and ip_prefix(event.ip_address) not in known]
    if unknown:
        seen = Counter(ip_prefix(event.ip_address) for event in unknown)
        deviations.append(
            {
                "metric": "ip_prefix",
                "baseline": sorted(known),
                "recent": dict(seen),
                "margin": "any prefix not in the baseline",
            }
        )
        evidence.update(unknown)
    rare = _rare_hours(profile["hour_counts"])
    odd = [event for event in events if event.occurred_at.astimezone(UTC).hour in rare]
    if len(odd) >= _margin("min_unusual_hour_events"):
        deviations.append(
            {
                "metric": "hours",
                "baseline": {"rare_hours": sorted(rare), "rare_hour_share_below": _margin("rare_hour_share")},
                "recent": {"events_at_rare_hours": len(odd), "hours": sorted({e.occurred_at.hour for e in odd})},
                "margin": _margin("min_unusual_hour_events"),
            }
        )
        evidence.update(odd)
    access = [event for event in events if event.event_type == SecurityEventType.PERSONAL_DATA_ACCESSED]
    daily = profile["daily_personal_data_access"]
    per_day = len(access) * 24 / settings.SECURITY_BASELINE_RECENT_HOURS
    limit = max(daily["mean"] * _margin("volume_factor"), daily["mean"] + _margin("volume_sigma") * daily["stdev"])
    if per_day > limit and len(access) >= _margin("min_volume_events"):
        deviations.append(
            {
                "metric": "daily_personal_data_access",
                "baseline": daily,
                "recent": _round(per_day),
                "threshold": _round(limit),
                "margin": {"factor": _margin("volume_factor"), "sigma": _margin("volume_sigma")},
            }
        )
        evidence.update(access)
    return deviations, sorted(evidence, key=lambda event: (event.occurred_at, event.pk))


def _capper_deviations(baseline: Baseline, bets: list[dict]) -> list[dict]:
    profile, deviations = baseline.profile, []
    count = len(bets)
    if count == 0:
        return deviations
    stake = profile["stake"]
    recent_mean = _round(statistics.fmean(float(bet["stake_units"]) for bet in bets))
    stake_limit = _round(stake["mean"] + _margin("stake_sigma") * max(stake["stdev"], 0.1 * stake["mean"]))
    if count >= _margin("min_recent_bets") and recent_mean > stake_limit:
        deviations.append(
            {
                "metric": "stake",
                "baseline": stake,
                "recent": {"mean": recent_mean, "bets": count},
                "threshold": stake_limit,
                "margin": {"sigma": _margin("stake_sigma")},
            }
        )
    per_day = _round(count * 24 / settings.SECURITY_BASELINE_RECENT_HOURS)
    rate_limit = _round(profile["bets_per_active_day"] * _margin("bet_rate_factor"))
    if count >= _margin("min_recent_bets") and per_day > rate_limit:
        deviations.append(
            {
                "metric": "bet_rate",
                "baseline": {"bets_per_active_day": profile["bets_per_active_day"]},
                "recent": {"bets_per_day": per_day},
                "threshold": rate_limit,
                "margin": {"factor": _margin("bet_rate_factor")},
            }
        )
    rare = _rare_hours(profile["hour_counts"])
    odd = [bet for bet in bets if bet["placed_at"].astimezone(UTC).hour in rare]
    share = _round(len(odd) / count)
    if count >= _margin("min_recent_bets") and share > _margin("unusual_hour_share"):
        deviations.append(
            {
                "metric": "posting_hours",
                "baseline": {"rare_hours": sorted(rare)},
                "recent": {"share_at_rare_hours": share},
                "threshold": _margin("unusual_hour_share"),
            }
        )
    leagues = [league for bet in bets for league in bet["leagues"]]
    new = [league for league in leagues if league not in profile["leagues"]]
    if len(leagues) >= _margin("min_recent_bets") and len(new) / len(leagues) > _margin("new_league_share"):
        deviations.append(
            {
                "metric": "leagues",
                "baseline": sorted(profile["leagues"]),
                "recent": dict(Counter(new)),
                "recent_share_new": _round(len(new) / len(leagues)),
                "threshold": _margin("new_league_share"),
            }
        )
    return deviations


def baselines_check(*, now: datetime | None = None) -> list[Alert]:
    """Compare each subject's recent activity with its baseline; alert (deduplicated per subject)
    when any metric departs by more than its margin, with the numbers of every departure."""
    rule = DetectionRule.objects.filter(slug=BASELINE_RULE_SLUG, kind=RuleKind.BASELINE, is_enabled=True).first()
    if rule is None:
        return []
    windows = Windows.ending(now or timezone.now())
    alerts = []
    baselines = {(b.subject_kind, b.subject_id): b for b in Baseline.objects.all()}
    staff_events: dict[str, list[SecurityEvent]] = defaultdict(list)
    staff_ids = [subject_id for kind, subject_id in baselines if kind == BaselineSubject.STAFF_USER]
    for event in SecurityEvent.objects.filter(
        actor_kind="user",
        actor_identifier__in=staff_ids,
        occurred_at__gte=windows.baseline_end,
        occurred_at__lte=windows.recent_end,
    ).order_by("occurred_at", "id"):
        staff_events[event.actor_identifier].append(event)
    for subject_id, events in sorted(staff_events.items()):
        baseline = baselines[(BaselineSubject.STAFF_USER, subject_id)]
        deviations, evidence = _staff_deviations(baseline, events)
        if deviations:
            alerts.append(_raise(rule, baseline, deviations, evidence, seen_at=events[-1].occurred_at))
    capper_ids = [int(subject_id) for kind, subject_id in baselines if kind == BaselineSubject.CAPPER]
    recent_bets: dict[str, list[dict]] = defaultdict(list)
    bets = Bet.objects.filter(
        capper_id__in=capper_ids, placed_at__gte=windows.baseline_end, placed_at__lte=windows.recent_end
    )
    leagues: dict[int, list[str]] = defaultdict(list)
    for bet_id, league in BetLeg.objects.filter(bet__in=bets, game__isnull=False).values_list(
        "bet_id", "game__league__key"
    ):
        leagues[bet_id].append(league)
    for bet in bets.order_by("placed_at").values("id", "capper_id", "placed_at", "stake_units"):
        recent_bets[str(bet["capper_id"])].append({**bet, "leagues": leagues[bet["id"]]})
    for subject_id, rows in sorted(recent_bets.items()):
        baseline = baselines[(BaselineSubject.CAPPER, subject_id)]
        deviations = _capper_deviations(baseline, rows)
        if deviations:
            for deviation in deviations:
                deviation["bet_ids"] = [row["id"] for row in rows][:50]
            alerts.append(_raise(rule, baseline, deviations, [], seen_at=rows[-1]["placed_at"]))
    return [alert for alert in alerts if alert is not None]


def _raise(rule, baseline: Baseline, deviations: list[dict], evidence: list[SecurityEvent], *, seen_at: datetime):
    result = alert_raise(
        rule=rule,
        group_key=f"{baseline.subject_kind}:{baseline.subject_id}",
        events=evidence,
        details={
            "subject": {
                "kind": baseline.subject_kind,
                "id": baseline.subject_id,
                "label": baseline.subject_label,
                "baseline_samples": baseline.sample_size,
                "baseline_window": [baseline.window_start.isoformat(), baseline.window_end.isoformat()],
            },
            "deviations": deviations,
        },
        seen_at=seen_at,
        guild_id=baseline.guild_id,
        title=f"Unusual activity of {baseline.get_subject_kind_display().lower()} {baseline.subject_label}",
    )
    return result[0] if result else None
