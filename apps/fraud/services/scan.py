"""Running the detectors: the full scan (command and beat) and the cheap checks after one bet."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Q, QuerySet

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
    if event == "placed":
        return fraud_imported_bets_check(bet_ids=[bet_id], actor=actor)
    if event != "settled":
        raise ValueError(f"unknown bet event {event!r}")
    bet = Bet.objects.filter(pk=bet_id).only("id", "capper_id", "settlement_source").first()
    if bet is None or bet.settlement_source not in (SettlementSource.API, SettlementSource.STAFF):
        return []
    findings = settlement_abuse.detect(Bet.objects.filter(capper_id=bet.capper_id))
    for finding in findings:
        fraud_case_record(finding=finding, actor=actor)
    return findings


def fraud_imported_bets_check(*, bet_ids: list[int], actor: Actor) -> list[Finding]:
    """Late posting after placements (one bet, or a bulk import's): run once per capper who posted any of
    these bets after its game started (placed, or received by the server, after kick-off), over that
    capper's bets. As strict as a scan of every capper (the family size is every active capper): one
    capper's lucky live streak is no more evidence here."""
    late_cappers = sorted(
        Bet.objects.filter(pk__in=bet_ids)
        .filter(Q(legs__game__starts_at__lt=F("placed_at")) | Q(legs__game__starts_at__lt=F("received_at")))
        .values_list("capper_id", flat=True)
        .distinct()
    )
    if not late_cappers:
        return []
    family_size = Capper.objects.filter(is_active=True).count()
    findings = []
    for capper_id in late_cappers:
        findings += late_posting.detect(Bet.objects.filter(capper_id=capper_id), family_size=family_size)
    for finding in findings:
        fraud_case_record(finding=finding, actor=actor)
    return findings
