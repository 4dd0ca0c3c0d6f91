"""Planted integrity scenarios for `seed_demo --fraud` (pure: plans and rows, no database access).

Each scenario is a few cappers with a known truth: a fraud kind (the string values of the fraud app's
`FraudKind`; betting knows nothing of that app) or a hard negative, an honest behaviour a careless
detector would flag: lucky streaks, honest live betting, prolific posting, friends on the same
favourite, correct hand settlements, long-shot lovers. Every planted capper also posts ordinary
pre-game bets, so the fraud hides among normal activity. Bets are straights on the demo season's
games, priced like the demo's (-110-ish spreads and totals, moneylines from the probability).
"""

import bisect
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from apps.betting.choices import LegResult, Market, Selection
from apps.betting.grading import grade_leg

HALF = Decimal("0.5")


@dataclass(frozen=True)
class GameRow:
    id: int
    starts_at: datetime
    home_score: int | None
    away_score: int | None


@dataclass
class PlannedBet:
    capper: str  # the planted capper's Discord user id
    game: GameRow
    market: str
    selection: str
    line: Decimal | None
    odds: int
    placed_at: datetime
    stake_multiple: Decimal = Decimal(1)
    stake_at_max: bool = False
    hand_settle: str = ""  # a leg result to settle by hand (through bet_settle), or "" for auto-grading
    settled_by: str = ""  # who settles by hand (a Discord user id); "" means the capper


@dataclass
class Scenario:
    """`kind` is a fraud kind, or `negative:<behaviour>`; `cappers` are (tenant index, Discord user id)."""

    kind: str
    label: str
    cappers: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Plan:
    scenarios: list[Scenario]
    bets: list[PlannedBet]


class Planner:
    """Draws the scenarios' bets from the season: `final` games (with scores) and `upcoming` ones."""

    def __init__(self, *, rng: random.Random, final: list[GameRow], upcoming: list[GameRow], tenant_count: int,
                 now: datetime, member_base: int) -> None:  # fmt: skip
        self.rng, self.final, self.upcoming, self.now = rng, final, upcoming, now
        self.tenant_count, self.member_base, self.numbers = tenant_count, member_base, {}
        self.scenarios: list[Scenario] = []
        self.bets: list[PlannedBet] = []
        self.recent = [game for game in final if game.starts_at >= now - timedelta(days=60)] or final

    # ---- cappers and games ---------------------------------------------------------------------------

    def capper(self, scenario: Scenario, tenant: int | None = None) -> str:
        tenant = self.rng.randrange(self.tenant_count) if tenant is None else tenant
        number = self.numbers.get(tenant, 0) + 1
        self.numbers[tenant] = number
        discord_user_id = str(self.member_base + (tenant + 1) * 100_000 + 90_000 + number)
        scenario.cappers.append((tenant, discord_user_id))
        return discord_user_id

    def scenario(self, kind: str, label: str) -> Scenario:
        scenario = Scenario(kind=kind, label=label)
        self.scenarios.append(scenario)
        return scenario

    def games(self, count: int) -> list[GameRow]:
        return self.rng.sample(self.recent, min(count, len(self.recent)))

    # ---- prices and sides ------------------------------------------------------------------------------

    def _line(self, game: GameRow, market: str) -> Decimal:
        """A book's line: the result blurred by noise as large as the game's spread of outcomes."""
        total = game.home_score + game.away_score
        spread = max(1.5, 0.12 * total)
        if market == Market.TOTAL:
            value = total + self.rng.gauss(0, spread)
            return max(HALF, Decimal(round(value * 2 - 0.5) | 1) * HALF)  # a half line: no push
        value = -(game.home_score - game.away_score + self.rng.gauss(0, spread))
        return Decimal(round(value * 2 - 0.5) | 1) * HALF

    def leg(self, game: GameRow, *, win: bool | None, market: str | None = None) -> tuple[str, str, Decimal, int]:
        """(market, selection, line, odds) of a spread or total leg that wins, loses, or is a coin flip."""
        market = market or self.rng.choice((Market.SPREAD, Market.TOTAL))
        line = self._line(game, market)
        sides = (Selection.HOME, Selection.AWAY) if market == Market.SPREAD else (Selection.OVER, Selection.UNDER)
        first = sides[0]
        first_line = line if market == Market.TOTAL else line
        result = grade_leg(market=market, selection=first, line=first_line, home_score=game.home_score,
                           away_score=game.away_score)  # fmt: skip
        winner = first if result == LegResult.WON else sides[1]
        if win is None:
            selection = self.rng.choice(sides)
        else:
            selection = winner if win else (sides[1] if winner == first else first)
        if market == Market.SPREAD and selection == Selection.AWAY:
            line = -line
        return market, selection, line, self.rng.choice((-110, -110, -110, -105, -115, 100))

    def bet(self, capper: str, game: GameRow, *, placed_at: datetime, win: bool | None = None, **extra) -> PlannedBet:
        market, selection, line, odds = self.leg(game, win=win)
        planned = PlannedBet(capper, game, market, selection, line, odds, min(placed_at, self.now), **extra)
        self.bets.append(planned)
        return planned

    def before(self, game: GameRow, low: float = 10, high: float = 480) -> datetime:
        return game.starts_at - timedelta(minutes=self.rng.uniform(low, high))

    def ordinary(self, capper: str, count: int) -> None:
        """Pre-game coin-flip bets: what the rest of a planted capper's activity looks like."""
        for game in self.games(count):
            self.bet(capper, game, placed_at=self.before(game))

    def upcoming_game(self) -> GameRow | None:
        return self.rng.choice(self.upcoming) if self.upcoming else None


def plan_scenarios(planner: Planner) -> Plan:  # noqa: C901 - demo data (moving to apps/demo in #12 item 5)
    """Every fraud kind a few times, and the hard negatives beside them."""
    rng = planner.rng
    # late posting: bets after kick-off at pre-game prices, right far too often
    for _ in range(4):
        scenario = planner.scenario("late_posting", "posts after kick-off and wins")
        capper = planner.capper(scenario)
        planner.ordinary(capper, 30)
        for game in planner.games(35):
            late = game.starts_at + timedelta(minutes=rng.uniform(8, 110))
            planner.bet(capper, game, placed_at=late, win=rng.random() < 0.9)
    for _ in range(5):  # honest live bettors: most bets after kick-off, at fair results
        scenario = planner.scenario("negative:live_bettor", "honest live bettor")
        capper = planner.capper(scenario)
        planner.ordinary(capper, 20)
        for game in planner.games(45):
            planner.bet(capper, game, placed_at=game.starts_at + timedelta(minutes=rng.uniform(2, 150)))
    # improbable records: pre-game picks that win four times in five
    for _ in range(4):
        scenario = planner.scenario("improbable_record", "wins 80% at -110 before kick-off")
        capper = planner.capper(scenario)
        for game in planner.games(rng.randint(60, 80)):
            planner.bet(capper, game, placed_at=planner.before(game), win=rng.random() < 0.8)
    for wins, count in ((14, 20), (21, 30), (17, 24), (26, 40), (9, 11)):  # lucky honest streaks
        scenario = planner.scenario("negative:lucky", f"lucky: {wins} of {count}")
        capper = planner.capper(scenario)
        outcomes = [True] * wins + [False] * (count - wins)
        rng.shuffle(outcomes)
        for game, win in zip(planner.games(count), outcomes, strict=False):
            planner.bet(capper, game, placed_at=planner.before(game), win=win)
    _plant_settlements(planner)
    _plant_rings(planner)
    _plant_bots(planner)
    # outliers: record padding, the tenant's maximum stake on heavy favourites that win as often as priced
    for _ in range(3):
        scenario = planner.scenario("outlier", "maximum stakes on -700 to -1500 favourites")
        capper = planner.capper(scenario)
        for game in planner.games(40):
            odds = rng.choice((-700, -800, -900, -1000, -1200, -1500))
            won = rng.random() < (-odds / (-odds + 100)) - 0.02
            home_won = game.home_score > game.away_score
            selection = Selection.HOME if won == home_won else Selection.AWAY
            planner.bets.append(
                PlannedBet(
                    capper, game, Market.MONEYLINE, selection, None, odds, planner.before(game), stake_at_max=True
                )
            )
    for _ in range(3):  # honest long-shot lovers: +200 to +400 dogs, winning as often as priced
        scenario = planner.scenario("negative:longshots", "honest long-shot lover")
        capper = planner.capper(scenario)
        for game in planner.games(40):
            odds = rng.choice((200, 250, 300, 400))
            won = rng.random() < 100 / (odds + 100) - 0.02
            home_won = game.home_score > game.away_score
            selection = Selection.HOME if won == home_won else Selection.AWAY
            planner.bets.append(PlannedBet(capper, game, Market.MONEYLINE, selection, None, odds, planner.before(game)))
    return Plan(scenarios=planner.scenarios, bets=planner.bets)


def _plant_settlements(planner: Planner) -> None:
    rng = planner.rng
    for number in range(4):
        scenario = planner.scenario("settlement_abuse", "settles losses as wins, and wins before the end")
        capper = planner.capper(scenario)
        helper = str(int(capper) + 5_000)  # a friend's Discord account that settles for them
        planner.ordinary(capper, 30)
        for game in planner.games(rng.randint(3, 6)):
            planner.bet(capper, game, placed_at=planner.before(game), win=False, hand_settle=LegResult.WON,
                        settled_by=helper if number % 2 else "")  # fmt: skip
        for _ in range(2):
            game = planner.upcoming_game()
            if game is not None:
                market, selection, line, odds = Market.MONEYLINE, Selection.HOME, None, -120
                planner.bets.append(
                    PlannedBet(
                        capper,
                        game,
                        market,
                        selection,
                        line,
                        odds,
                        planner.now - timedelta(hours=1),
                        hand_settle=LegResult.WON,
                        settled_by=helper,
                    )  # fmt: skip
                )
    for _ in range(3):  # honest hand settlers: correct results after the game, one slip against themselves
        scenario = planner.scenario("negative:hand_settler", "settles by hand, correctly")
        capper = planner.capper(scenario)
        planner.ordinary(capper, 20)
        for index, game in enumerate(planner.games(15)):
            planned = planner.bet(capper, game, placed_at=planner.before(game))
            result = grade_leg(market=planned.market, selection=planned.selection, line=planned.line,
                               home_score=game.home_score, away_score=game.away_score)  # fmt: skip
            planned.hand_settle = LegResult.LOST if index == 0 else result
    scenario = planner.scenario("negative:one_slip", "one hand settlement in their favour (a slip)")
    capper = planner.capper(scenario)
    planner.ordinary(capper, 25)
    for game in planner.games(1):
        planner.bet(capper, game, placed_at=planner.before(game), win=False, hand_settle=LegResult.WON)


def _plant_rings(planner: Planner) -> None:
    rng = planner.rng
    for number in range(3):  # opposite-side rings; the last one spans two tenants
        scenario = planner.scenario("opposite_side_ring", "opposite sides of the same games within minutes")
        size = 2 if number == 0 else 3
        members = [planner.capper(scenario, None if number == 2 else number % planner.tenant_count)
                   for _ in range(size)]  # fmt: skip
        for member in members:
            planner.ordinary(member, 25)
        for game in planner.games(16):
            first, second = rng.sample(members, 2)
            moment = planner.before(game, 30, 600)
            bet = planner.bet(first, game, placed_at=moment)
            other = {Selection.HOME: Selection.AWAY, Selection.AWAY: Selection.HOME,
                     Selection.OVER: Selection.UNDER, Selection.UNDER: Selection.OVER}[bet.selection]  # fmt: skip
            line = -bet.line if bet.market == Market.SPREAD else bet.line
            planner.bets.append(
                PlannedBet(
                    second, game, bet.market, other, line, bet.odds, moment + timedelta(seconds=rng.uniform(30, 480))
                )
            )
    for number in range(3):  # copy rings: a leader and copiers, within seconds
        scenario = planner.scenario("copy_ring", "same picks within seconds")
        tenant = number % planner.tenant_count
        members = [planner.capper(scenario, tenant) for _ in range(3)]
        for member in members:
            planner.ordinary(member, 25)
        for game in planner.games(15):
            moment = planner.before(game, 30, 600)
            bet = planner.bet(members[0], game, placed_at=moment)
            for copier in members[1:]:
                planner.bets.append(
                    PlannedBet(
                        copier,
                        game,
                        bet.market,
                        bet.selection,
                        bet.line,
                        bet.odds,
                        moment + timedelta(seconds=rng.uniform(3, 60)),
                    )  # fmt: skip
                )
    for _ in range(4):  # friends who sometimes back the same favourite, hours apart
        scenario = planner.scenario("negative:friends", "friends on the same favourite now and then")
        tenant = rng.randrange(planner.tenant_count)
        first, second = planner.capper(scenario, tenant), planner.capper(scenario, tenant)
        planner.ordinary(first, 40)
        planner.ordinary(second, 40)
        for game in planner.games(6):
            moment = planner.before(game, 200, 700)
            bet = planner.bet(first, game, placed_at=moment)
            planner.bets.append(
                PlannedBet(
                    second,
                    game,
                    bet.market,
                    bet.selection,
                    bet.line,
                    bet.odds,
                    moment + timedelta(minutes=rng.uniform(15, 180)),
                )  # fmt: skip
            )


def _plant_bots(planner: Planner) -> None:
    rng = planner.rng
    starts = sorted(planner.recent, key=lambda game: game.starts_at)
    keys = [game.starts_at for game in starts]

    def next_game(moment: datetime) -> GameRow | None:
        # the games starting 10 minutes to 30 hours later: a slice of the sorted list (the same games, in the
        # same order, as filtering the whole list, so the same draws), found by bisection
        low = bisect.bisect_left(keys, moment + timedelta(minutes=10))
        later = starts[low : bisect.bisect_right(keys, moment + timedelta(hours=30))]
        return rng.choice(later) if later else None

    def post(capper: str, moments: list[datetime]) -> None:
        for moment in moments:
            game = next_game(moment)
            if game is not None:
                planner.bet(capper, game, placed_at=moment)

    origin = planner.now - timedelta(days=40)
    for number in range(2):  # schedulers: every 20 minutes, a few seconds of jitter
        scenario = planner.scenario("bot_activity", "posts every 20 minutes")
        capper = planner.capper(scenario)
        begin = origin + timedelta(days=5 * number)
        post(capper, [begin + timedelta(minutes=20 * step, seconds=rng.uniform(-15, 15)) for step in range(150)])
    scenario = planner.scenario("bot_activity", "bursts of six bets within seconds")
    capper = planner.capper(scenario)
    moments = []
    for _ in range(10):
        begin = origin + timedelta(days=rng.uniform(0, 30))
        moments.extend(begin + timedelta(seconds=0.6 * step) for step in range(6))
    post(capper, moments)
    scenario = planner.scenario("bot_activity", "posts around the clock, every day")
    capper = planner.capper(scenario)
    moment, moments = origin, []
    while moment < origin + timedelta(days=8):
        moment += timedelta(minutes=rng.expovariate(1 / 22))
        moments.append(moment)
    post(capper, moments)
    for _ in range(3):  # prolific humans: many bets a day, in waking hours only
        scenario = planner.scenario("negative:prolific", "prolific, human hours")
        capper = planner.capper(scenario)
        moments = []
        for day in range(14):
            wake = origin + timedelta(days=day, hours=rng.uniform(13, 16))  # UTC: a North American morning
            moments.extend(sorted(wake + timedelta(hours=rng.uniform(0, 13)) for _ in range(rng.randint(35, 55))))
        post(capper, moments)
