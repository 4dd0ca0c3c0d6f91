"""Running the detectors: the full scan (command and beat) and the cheap checks after one bet."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, QuerySet

from apps.betting.choices import SettlementSource
from apps.betting.models import Bet, Capper
from apps.core.actors import Actor
from apps.fraud.choices import FraudKind
from apps.fraud.detectors import DETECTORS, USES_SCAN_DATA, Finding, ScanData, late_posting, settlement_abuse
from apps.fraud.services.cases import fraud_case_record
from apps.tenants.models import Tenant


@dataclass
class DetectorRun:
    kind: str
    findings: int
    opened: int
    updated: int
    seconds: float


@dataclass
class ScanReport:
    bets: int
    runs: list[DetectorRun] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)


def scan_bets(*, tenant: Tenant | None = None, since: datetime | None = None) -> QuerySet[Bet]:
    bets = Bet.objects.all()
    if tenant is not None:
        bets = bets.filter(tenant=tenant)
    if since is not None:
        bets = bets.filter(placed_at__gte=since)
    return bets


def fraud_scan(
    *, actor: Actor, tenant: Tenant | None = None, since: datetime | None = None, record: bool = True
) -> ScanReport:
    """Run every detector over the bets (of a tenant, placed since a time) and record their findings as cases.

    `record=False` only detects (the benchmark compares findings with what was planted). The rows several
    detectors share are loaded once (`ScanData`), timed with the first detector that reads them.
    """
    bets = scan_bets(tenant=tenant, since=since)
    report = ScanReport(bets=bets.count())
    data = ScanData(bets)
    explained: set[int] = set()
    for kind, detect in DETECTORS.items():
        started = time.perf_counter()
        if kind == FraudKind.OUTLIER:
            findings = detect(bets, exclude_capper_ids=frozenset(explained))
        elif kind in USES_SCAN_DATA:
            findings = detect(bets, data=data)
        else:
            findings = detect(bets)
        opened = updated = 0
        if record:
            for finding in findings:
                _, created = fraud_case_record(finding=finding, actor=actor)
                opened, updated = opened + created, updated + (not created)
        explained.update(capper_id for finding in findings for capper_id in finding.capper_ids)
        report.findings.extend(findings)
        report.runs.append(DetectorRun(kind, len(findings), opened, updated, time.perf_counter() - started))
    return report


def fraud_bet_check(*, bet_id: int, event: str, actor: Actor) -> list[Finding]:
    """The cheap checks after one bet: late posting when it was placed after its game started, settlement
    contradiction when it was settled by hand; each runs over that capper's bets only."""
    bet = Bet.objects.filter(pk=bet_id).only("id", "capper_id", "placed_at", "settlement_source").first()
    if bet is None:
        return []
    own_bets = Bet.objects.filter(capper_id=bet.capper_id)
    if event == "placed":
        if not bet.legs.filter(game__starts_at__lt=bet.placed_at).exists():
            return []
        # as strict as a scan of every capper: one capper's lucky live streak is no more evidence here
        findings = late_posting.detect(own_bets, family_size=Capper.objects.filter(is_active=True).count())
    elif event == "settled":
        if bet.settlement_source not in (SettlementSource.API, SettlementSource.STAFF):
            return []
        findings = settlement_abuse.detect(own_bets)
    else:
        raise ValueError(f"unknown bet event {event!r}")
    for finding in findings:
        fraud_case_record(finding=finding, actor=actor)
    return findings


def fraud_imported_bets_check(*, bet_ids: list[int], actor: Actor) -> list[Finding]:
    """The placement check of a bulk import's bets: late posting, run once per capper who posted any of
    them after its game started (not once per bet)."""
    late_cappers = (
        Bet.objects.filter(pk__in=bet_ids, legs__game__starts_at__lt=F("placed_at"))
        .values_list("capper_id", flat=True)
        .distinct()
    )
    findings = []
    family_size = Capper.objects.filter(is_active=True).count()
    for capper_id in sorted(late_cappers):
        findings += late_posting.detect(Bet.objects.filter(capper_id=capper_id), family_size=family_size)
    for finding in findings:
        fraud_case_record(finding=finding, actor=actor)
    return findings
