"""Plain-text renderings of the ledger for Discord messages (pure functions: rows in, text out)."""

from decimal import Decimal

from apps.betting.models import Bet


def units(value: Decimal) -> str:
    """Signed units with two decimals: +3.25u, -1.00u."""
    return f"{value:+.2f}u"


def roi(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"


def record_text(*, display_name: str, period_words: str, record: dict) -> str:
    return (
        f"**{display_name}** — {period_words}\n"
        f"Record: {record['won']}-{record['lost']}-{record['push']}"
        + (f" ({record['void']} void)" if record["void"] else "")
        + f"\nNet: {units(record['net_units'])} on {record['staked_units']:.2f}u staked · ROI {roi(record['roi'])}"
    )


def leaderboard_text(*, tenant_name: str, period_words: str, rows: list[dict]) -> str:
    if not rows:
        return f"**{tenant_name} leaderboard** — {period_words}\nNo settled bets in this period yet."
    lines = [f"**{tenant_name} leaderboard** — {period_words}"]
    for row in rows:
        lines.append(
            f"{row['rank']}. {row['display_name']} — {units(row['net_units'])} "
            f"({row['won']}-{row['lost']}-{row['push']}, ROI {roi(row['roi'])})"
        )
    return "\n".join(lines)


def leg_text(leg) -> str:
    """One leg in words: the game (or the teams written by the capper), the pick, the line and the odds."""
    where = f"{leg.game.away_team.name} @ {leg.game.home_team.name}" if leg.game_id else (leg.manual_teams or "")
    line = f" {leg.line.normalize():+f}" if leg.line is not None else ""
    return f"{where}: {leg.market} {leg.selection}{line} ({leg.odds:+d})".strip()


def bet_text(bet: Bet) -> str:
    legs = list(bet.legs.all())
    head = f"Bet #{bet.pk}: {bet.stake_units:.2f}u at {bet.american_odds:+d}"
    if len(legs) == 1:
        return f"{head} — {leg_text(legs[0])}"
    return head + "".join(f"\n  • {leg_text(leg)}" for leg in legs)


def pending_text(*, bets: list[Bet], total: int) -> str:
    if not total:
        return "You have no pending bets."
    lines = [f"Your pending bets ({total}):"] + [f"• {bet_text(bet)}" for bet in bets]
    if total > len(bets):
        lines.append(f"…and {total - len(bets)} older.")
    return "\n".join(lines)
