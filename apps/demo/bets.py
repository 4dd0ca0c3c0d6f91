"""Demo bets as plain rows, generated day by day over the season (pure: no database access).

Cappers post on the day's slate: mostly straights, some 2–4 leg parlays on distinct games of the same
slate; spreads and totals at the usual -110-ish juice, moneylines priced from the matchup. A capper's
`skill` is how much more often than chance they are on the side that won, so records and ROI spread
out the way a real leaderboard does. Every demo bet is honest about its time: it reached the server
when it was placed (received_at = placed_at). Rows come out in the column order of `BET_COLUMNS` and
`LEG_COLUMNS`, with ids assigned from the caller's first free ids, in time order.
"""

import bisect
import functools
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from apps.betting.choices import BetStatus, LegResult, Market, Selection
from apps.betting.grading import grade_leg
from apps.betting.odds import decimal_to_american, net_units, parlay_decimal
from apps.demo.catalogue import LEAGUES
from apps.demo.world import GamePlan, TenantPlan, World, juice

BET_COLUMNS = (
    "id", "tenant_id", "capper_id", "external_id", "stake_units", "status", "leg_count", "american_odds",
    "decimal_odds", "potential_profit", "net_units", "placed_at", "received_at", "settled_at", "settlement_source",
    "settled_by", "needs_review", "review_note", "created_at", "updated_at",
)  # fmt: skip
LEG_COLUMNS = (
    "id", "bet_id", "position", "game_id", "manual_teams", "market", "selection", "line", "odds", "description",
    "result", "graded_at", "graded_source",
)  # fmt: skip

BETTING_HORIZON = timedelta(hours=36)  # cappers post on today's and tomorrow's slates
PROP_SHARE = 0.006  # props are graded by people: they stay pending after seeding
# only on games of the last day: a prop pending longer than the compliance grace (48 h after its game) would fail
# betting.pending_after_game on a fresh demo for a reason nobody planted
PROP_RECENT = timedelta(hours=24)
PARLAY_SIZES, PARLAY_WEIGHTS = (2, 3, 4), (55, 30, 15)
STAKE_MULTIPLES = tuple(Decimal(value) for value in ("0.5", "1", "1", "1", "1", "1.5", "2", "3"))
MARKET_WEIGHTS = {"points": (25, 45, 30), "goals": (45, 20, 35)}  # moneyline, spread, total
MARKETS = (Market.MONEYLINE, Market.SPREAD, Market.TOTAL)
DISCORD_EPOCH_MS = 1_420_070_400_000
CENT = Decimal("0.01")


@dataclass
class BetBatch:
    bets: list[tuple]
    legs: list[tuple]
    graded_game_ids: set[int] = field(default_factory=set)  # final or cancelled games these legs are on


@dataclass
class _Draft:
    placed_at: datetime
    tenant: TenantPlan
    capper_id: int
    stake: Decimal
    legs: list[tuple]  # (game, market, selection, line, odds, description)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder, deterministic)."""
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(weights)), key=lambda index: (counts[index] - shares[index], index))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def generate_bets(
    *, world: World, rng: random.Random, bet_count: int, first_bet_id: int, first_leg_id: int, batch_size: int
) -> Iterator[BetBatch]:
    """Yield the bets of the season in time order, about `batch_size` bets at a time."""
    bettable = [game for game in world.games if game.starts_at <= world.anchor + BETTING_HORIZON]
    per_league = defaultdict(int)
    for game in bettable:
        per_league[game.league.key] += 1
    popularity = {league.key: league.popularity / max(per_league[league.key], 1) for league in LEAGUES}
    slates: dict[int, list[GamePlan]] = defaultdict(list)
    for game in bettable:
        slates[game.day].append(game)
    days = sorted(slates)
    counts = allocate(bet_count, [sum(popularity[game.league.key] for game in slates[day]) for day in days])
    tenant_weights = list(itertools.accumulate(tenant.weight for tenant in world.tenants))
    capper_weights = [list(itertools.accumulate(c.activity for c in tenant.cappers)) for tenant in world.tenants]
    open_bets = [0] * len(world.tenants)
    bet_ids, leg_ids, message_counter = itertools.count(first_bet_id), itertools.count(first_leg_id), itertools.count()
    batch, fallback = BetBatch([], []), []
    for day, count in zip(days, counts, strict=True):
        slate = slates[day]
        graded = [game for game in slate if game.is_graded_by_score]
        fallback = graded or fallback
        weights = list(itertools.accumulate(popularity[game.league.key] for game in slate))
        drafts = []
        for _ in range(count):
            tenant_index = bisect.bisect_left(tenant_weights, rng.random() * tenant_weights[-1])
            tenant = world.tenants[tenant_index]
            capper = rng.choices(tenant.cappers, cum_weights=capper_weights[tenant_index])[0]
            may_stay_open = tenant.open_limit is None or open_bets[tenant_index] < tenant.open_limit
            draft = _draft(rng, world, tenant, capper, slate, weights, graded or fallback, may_stay_open)
            if any(not game.is_graded_by_score or market == Market.PROP for game, market, *_ in draft.legs):
                open_bets[tenant_index] += 1
            drafts.append(draft)
        drafts.sort(key=lambda draft: draft.placed_at)  # stable: ids follow the Discord message time
        for draft in drafts:
            _emit(draft, batch, next(bet_ids), leg_ids, next(message_counter))
        if len(batch.bets) >= batch_size:
            yield batch
            batch = BetBatch([], [])
    if batch.bets:
        yield batch


def _draft(rng, world, tenant, capper, slate, weights, graded, may_stay_open) -> _Draft:
    size = 1
    if rng.random() < capper.parlay_rate:
        size = rng.choices(PARLAY_SIZES, weights=PARLAY_WEIGHTS)[0]
    if not may_stay_open:  # the plan's open-bet quota is nearly used: only games that are already over
        slate = graded
        games = rng.sample(slate, min(size, len(slate)))
    else:
        favorites = [game for game in slate if game.league.key == capper.favorite_league]
        first = (
            rng.choice(favorites) if favorites and rng.random() < 0.35 else rng.choices(slate, cum_weights=weights)[0]
        )
        others = [game for game in rng.sample(slate, min(size + 1, len(slate))) if game is not first]
        games = [first, *others][:size]
    legs = []
    recent = games[0].starts_at >= world.anchor - PROP_RECENT
    if len(games) == 1 and may_stay_open and games[0].is_final and rng.random() < PROP_SHARE and recent:
        legs.append(_prop(rng, games[0]))
    else:
        legs.extend(_leg(rng, game, capper.skill) for game in games)
    earliest = min(game.starts_at for game in games)
    lead = timedelta(minutes=min(36 * 60, max(5, rng.expovariate(1 / 300))))
    placed_at = min(earliest - lead, world.anchor - timedelta(minutes=rng.randint(1, 240)))
    unit = min(max(Decimal(1), tenant.unit_min), tenant.unit_max) * capper.stake_multiple
    multiple = rng.choice(STAKE_MULTIPLES) * (Decimal("0.5") if len(legs) > 1 else 1)
    stake = min(max((unit * multiple).quantize(CENT), tenant.unit_min), tenant.unit_max)
    placed_at = placed_at.replace(microsecond=rng.randrange(0, 1_000_000, 1000))
    return _Draft(placed_at=placed_at, tenant=tenant, capper_id=capper.id, stake=stake, legs=legs)


def _leg(rng: random.Random, game: GamePlan, skill: float) -> tuple:
    market = rng.choices(MARKETS, weights=MARKET_WEIGHTS[game.league.kind])[0]
    home, away = game.home.name, game.away.name
    if market == Market.MONEYLINE:
        sides = (
            (Selection.HOME, None, game.moneyline_home, f"{home} ML"),
            (Selection.AWAY, None, game.moneyline_away, f"{away} ML"),
        )
    elif market == Market.SPREAD:
        away_line = -game.spread_home
        sides = (
            (Selection.HOME, game.spread_home, game.spread_home_odds, f"{home} {_signed(game.spread_home)}"),
            (Selection.AWAY, away_line, game.spread_away_odds, f"{away} {_signed(away_line)}"),
        )
    else:
        matchup = f"({away} @ {home})"
        sides = (
            (Selection.OVER, game.total_line, juice(rng), f"Over {game.total_line} {matchup}"),
            (Selection.UNDER, game.total_line, juice(rng), f"Under {game.total_line} {matchup}"),
        )
    right = rng.randrange(2)
    if game.is_final:
        first = grade_leg(
            market=market, selection=sides[0][0], line=sides[0][1], home_score=game.home_score,
            away_score=game.away_score,
        )  # fmt: skip
        right = {LegResult.WON: 0, LegResult.LOST: 1}.get(first, right)
    chosen = sides[right] if rng.random() < 0.5 + skill else sides[1 - right]
    selection, line, odds, description = chosen
    return game, market, selection, line, odds, description


def _prop(rng: random.Random, game: GamePlan) -> tuple:
    team = rng.choice((game.home.name, game.away.name))
    text = f"{team} to score first"
    return game, Market.PROP, text, None, rng.choice((-125, -115, 100, 105, 110, 120)), text


def _signed(line: Decimal) -> str:
    return "PK" if line == 0 else f"{line:+}"


def _snowflake(placed_at: datetime, counter: int) -> str:
    """A Discord message id for that time (the increment bits keep ids unique per run)."""
    milliseconds = int(placed_at.timestamp() * 1000) - DISCORD_EPOCH_MS
    return str((milliseconds << 22) | (counter & 0x3FFFFF))


@functools.lru_cache(maxsize=65536)
def _prices(stake: Decimal, odds: tuple[int, ...]) -> tuple[int, Decimal, Decimal]:
    """American and decimal odds and potential profit of a bet (pure; stakes and prices repeat a lot)."""
    decimal_odds = parlay_decimal(odds)
    american = odds[0] if len(odds) == 1 else decimal_to_american(decimal_odds)
    profit = net_units(stake, [(price, LegResult.WON) for price in odds])
    return american, decimal_odds.quantize(Decimal("0.000001"), ROUND_HALF_EVEN), profit


def _emit(draft: _Draft, batch: BetBatch, bet_id: int, leg_ids: Iterator[int], counter: int) -> None:
    odds = tuple(leg[4] for leg in draft.legs)
    american, decimal_odds, profit = _prices(draft.stake, odds)
    batch.bets.append(
        (
            bet_id, draft.tenant.id, draft.capper_id, _snowflake(draft.placed_at, counter), draft.stake,
            BetStatus.PENDING.value, len(odds), american, decimal_odds, profit, None, draft.placed_at,
            draft.placed_at, None, "", "", False, "", draft.placed_at, draft.placed_at,
        )
    )  # fmt: skip
    for position, (game, market, selection, line, price, description) in enumerate(draft.legs, start=1):
        batch.legs.append(
            (
                next(leg_ids), bet_id, position, game.id, "", str(market), str(selection), line, price,
                description, LegResult.PENDING.value, None, "",
            )
        )  # fmt: skip
        if game.is_graded_by_score:
            batch.graded_game_ids.add(game.id)
