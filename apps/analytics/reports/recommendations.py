"""Recommendations written from a report's own figures: deterministic rules, each a sentence or nothing.

A rule reads the built sections (the KPIs with their previous values, the movers' rows, the top tables) and
writes a sentence only when a figure crosses its threshold; every number in a sentence is a number of the
report. Change the data and the sentence changes with it; no rule fires on figures it cannot see. When no
rule fires the report says so, with the figures and the thresholds it compared.
"""

from collections.abc import Callable
from typing import Any

from apps.analytics.metrics import METRICS
from apps.analytics.reports.content import (
    Kpi,
    Recommendation,
    ReportContent,
    SectionContent,
    format_change,
    format_value,
)
from apps.analytics.reports.templates import MOVERS, TOP

HANDLE_CHANGE = 0.20  # a relative change of the handle worth a sentence (±20 %)
PARLAY_SHARE_SHIFT = 0.05  # five percentage points
WIN_RATE_SHIFT = 0.10  # ten percentage points
ACTIVE_CAPPERS_CHANGE = 0.25
CONCENTRATION = 0.50  # one row holding more than half of a top table's handle

NOUNS = {
    "league": ("league", "leagues"),
    "capper": ("capper", "cappers"),
    "tenant": ("tenant", "tenants"),
    "sport": ("sport", "sports"),
    "market": ("market", "markets"),
    "bet_type": ("bet type", "bet types"),
}


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _units(metric: str, value: Any) -> str:
    return f"{format_value(metric, value)} units"


def _kpi(content: ReportContent, metric: str) -> Kpi | None:
    return content.kpis.get(metric)


def _sections(content: ReportContent, kind: str) -> list[SectionContent]:
    return [section for section in content.sections if section.section.kind == kind]


def _row_values(section: SectionContent, row: list[Any]) -> dict[str, Any]:
    return dict(zip(section.columns, row, strict=True))


def _largest_change(content: ReportContent, metric: str, direction: int) -> tuple[str, str, float] | None:
    """(dimension, label, change) of the movers' row whose `metric` changed most in `direction` (+1, -1)."""
    best = None
    for section in _sections(content, MOVERS):
        if metric not in section.section.metrics:
            continue
        for row in section.rows:
            values = _row_values(section, row)
            change = values[f"{metric}_change"] * direction
            if change > 0 and (best is None or change > best[2] * direction):
                best = (section.section.dimension, values["label"], values[f"{metric}_change"])
    return best


def parlay_share_shift(content: ReportContent) -> str | None:
    kpi = _kpi(content, "parlay_share")
    if kpi is None or kpi.change is None or abs(kpi.change) < PARLAY_SHARE_SHIFT:
        return None
    bets = _kpi(content, "bets_placed")
    count = ""
    if bets is not None and bets.current:
        count = f" (about {round(kpi.current * bets.current)} of {format_value('bets_placed', bets.current)} bets)"
    if kpi.change > 0:
        return (
            f"Parlay share rose from {_percent(kpi.previous)} to {_percent(kpi.current)}{count}: a parlay is lost "
            "when any leg loses, so expect wider swings in net units and review parlay stakes."
        )
    return (
        f"Parlay share fell from {_percent(kpi.previous)} to {_percent(kpi.current)}{count}: with more singles, "
        "net units should swing less from one day to the next."
    )


def handle_change(content: ReportContent) -> str | None:
    kpi = _kpi(content, "stake_units")
    if kpi is None or kpi.current is None:
        return None
    if not kpi.previous and kpi.current > 0:
        return (
            f"Handle was {_units('stake_units', kpi.current)} against none in the previous period: "
            "there is no earlier activity to compare it with."
        )
    relative = kpi.relative
    if relative is None or abs(relative) < HANDLE_CHANGE:
        return None
    direction = 1 if relative > 0 else -1
    sentence = (
        f"Handle {'rose' if direction > 0 else 'fell'} {_percent(abs(relative))} "
        f"(from {_units('stake_units', kpi.previous)} to {_units('stake_units', kpi.current)})"
    )
    driver = _largest_change(content, "stake_units", direction)
    if driver is not None:
        dimension, label, change = driver
        sentence += (
            f"; the largest part came from {NOUNS[dimension][0]} {label} ({format_change('stake_units', change)} units)"
        )
    return sentence + "."


def net_units_direction(content: ReportContent) -> str | None:
    kpi = _kpi(content, "units_net")
    if kpi is None or kpi.current is None:
        return None
    roi = _kpi(content, "roi")
    roi_text = f", ROI {format_value('roi', roi.current)}" if roi is not None and roi.current is not None else ""
    if kpi.current < 0:
        opening = (
            f"Net units turned negative: {format_value('units_net', kpi.current)} against "
            f"{format_value('units_net', kpi.previous)} in the previous period{roi_text}"
            if (kpi.previous or 0) >= 0
            else f"Net units stayed negative: {format_value('units_net', kpi.current)} after "
            f"{format_value('units_net', kpi.previous)} in the previous period{roi_text}"
        )
        loser = _largest_change(content, "units_net", -1)
        if loser is not None:
            dimension, label, change = loser
            opening += f"; the largest drop was {NOUNS[dimension][0]} {label} ({format_change('units_net', change)})"
        return opening + "."
    if kpi.previous is not None and kpi.previous < 0:
        return (
            f"Net units recovered from {format_value('units_net', kpi.previous)} to "
            f"{format_value('units_net', kpi.current)}{roi_text}."
        )
    return None


def largest_movers(content: ReportContent) -> list[str]:
    sentences = []
    for section in _sections(content, MOVERS):
        if not section.movers:
            continue
        mover, metric = section.movers[0], section.section.rank_by
        plural = NOUNS[section.section.dimension][1]
        sentences.append(
            f"Among {plural}, {mover.label} moved most in {METRICS[metric].label.lower()}: from "
            f"{format_value(metric, mover.previous)} to {format_value(metric, mover.current)} "
            f"({format_change(metric, mover.change)})."
        )
    return sentences


def win_rate_shift(content: ReportContent) -> str | None:
    kpi = _kpi(content, "win_rate")
    if kpi is None or kpi.change is None or abs(kpi.change) < WIN_RATE_SHIFT:
        return None
    if kpi.change < 0:
        return (
            f"Win rate fell from {_percent(kpi.previous)} to {_percent(kpi.current)}: look at the capper movers "
            "for whose picks stopped landing."
        )
    return f"Win rate rose from {_percent(kpi.previous)} to {_percent(kpi.current)}."


def pending_bets(content: ReportContent) -> str | None:
    kpi = _kpi(content, "pending_bets")
    if kpi is None or not kpi.current:
        return None
    count = int(kpi.current)
    verb = "is" if count == 1 else "are"
    return (
        f"{count} bet{'s' if count != 1 else ''} placed in the period {verb} still pending: net units and ROI "
        "leave them out until they are settled, so check their games' results."
    )


def concentration(content: ReportContent) -> list[str]:
    sentences = []
    for section in _sections(content, TOP):
        if "stake_units" not in section.section.metrics or len(section.rows) < 2:
            continue
        values = [_row_values(section, row) for row in section.rows]
        stakes = [(item["stake_units"] or 0, item["label"]) for item in values]
        total = sum(stake for stake, _ in stakes)
        stake, label = max(stakes, key=lambda item: item[0])
        if total > 0 and stake / total > CONCENTRATION:
            noun = NOUNS[section.section.dimension][0]
            sentences.append(
                f"{noun.capitalize()} {label} accounts for {_percent(stake / total)} of the handle "
                f"({format_value('stake_units', stake)} of {_units('stake_units', total)}): the period's "
                f"figures depend on one {noun}."
            )
    return sentences


def active_cappers_change(content: ReportContent) -> str | None:
    kpi = _kpi(content, "active_cappers")
    relative = kpi.relative if kpi is not None else None
    if relative is None or abs(relative) < ACTIVE_CAPPERS_CHANGE:
        return None
    verb = "rose" if relative > 0 else "fell"
    return (
        f"Active cappers {verb} from {format_value('active_cappers', kpi.previous)} to "
        f"{format_value('active_cappers', kpi.current)} ({relative:+.0%})."
    )


def risk_load(content: ReportContent) -> list[str]:
    sentences = []
    for metric, advice in (
        ("fraud_cases_opened", "review the open cases before relying on the affected tenants' figures"),
        ("security_alerts_opened", "check that the alerts were triaged"),
    ):
        kpi = _kpi(content, metric)
        if kpi is not None and kpi.current is not None and kpi.current > (kpi.previous or 0):
            sentences.append(
                f"{METRICS[metric].label} rose from {format_value(metric, kpi.previous or 0)} to "
                f"{format_value(metric, kpi.current)}: {advice}."
            )
    return sentences


Rule = Callable[[ReportContent], str | list[str] | None]
RULES: list[tuple[str, Rule]] = [
    ("handle_change", handle_change),
    ("net_units_direction", net_units_direction),
    ("parlay_share_shift", parlay_share_shift),
    ("win_rate_shift", win_rate_shift),
    ("active_cappers_change", active_cappers_change),
    ("largest_movers", largest_movers),
    ("concentration", concentration),
    ("pending_bets", pending_bets),
    ("risk_load", risk_load),
]


def _nothing_crossed(content: ReportContent) -> str:
    bets = _kpi(content, "bets_placed")
    if bets is not None and not bets.current and not bets.previous:
        return "No bets were placed in this period or the one before: there is nothing to compare."
    compared = []
    handle = _kpi(content, "stake_units")
    if handle is not None and handle.relative is not None:
        compared.append(f"handle {handle.relative:+.0%} (threshold ±{_percent(HANDLE_CHANGE)})")
    for metric, threshold in (("parlay_share", PARLAY_SHARE_SHIFT), ("win_rate", WIN_RATE_SHIFT)):
        kpi = _kpi(content, metric)
        if kpi is not None and kpi.change is not None:
            compared.append(
                f"{METRICS[metric].label.lower()} {_percent(kpi.previous)} to {_percent(kpi.current)} "
                f"(threshold ±{threshold * 100:.0f} points)"
            )
    return "No figure crossed a rule's threshold" + (f": {'; '.join(compared)}." if compared else ".")


def recommendations_write(content: ReportContent) -> list[Recommendation]:
    """The sentences of every rule that fires, in the rules' order; one saying so when none does."""
    written = []
    for name, rule in RULES:
        result = rule(content)
        for text in [result] if isinstance(result, str) else result or []:
            written.append(Recommendation(rule=name, text=text))
    return written or [Recommendation(rule="nothing_crossed", text=_nothing_crossed(content))]
