"""The demo world, generated from one seeded `random.Random`: tenants with cappers, teams, a season of games.

Pure: nothing here touches the database. Every date is an offset from `anchor` (midnight UTC of the
day of the run), so one seed always produces the same season, shifted to today.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from apps.betting.choices import GameStatus
from apps.demo.catalogue import FIRST_NAMES, HANDLES, LEAGUES, TENANTS, LeagueSpec
from apps.tenants.plans import plan_for

SEASON_PAST_DAYS = 165
SEASON_FUTURE_DAYS = 14
DEMO_GUILD_BASE = 100_000_000_000_000_000  # guild ids 100000000000000001, …02, …
DEMO_MEMBER_BASE = 200_000_000_000_000_000
DEMO_GAME_PREFIX = "demo-"
CANCELLED_SHARE = 0.008
NFL_SCORES = (0, 3, 6, 7, 9, 10, 13, 14, 16, 17, 19, 20, 21, 23, 24, 26, 27, 28, 30, 31, 34, 35, 37, 38, 41, 42, 45)
HALF = Decimal("0.5")
GAME_LENGTH = timedelta(hours=4)


@dataclass
class TeamPlan:
    league: LeagueSpec
    name: str
    strength: float
    id: int | None = None


@dataclass
class GamePlan:
    """A fixture with its prices; `home_margin` and `total` are what the books expect."""

    league: LeagueSpec
    home: TeamPlan
    away: TeamPlan
    starts_at: datetime
    day: int
    external_id: str
    status: str
    home_score: int | None
    away_score: int | None
    spread_home: Decimal
    spread_home_odds: int
    spread_away_odds: int
    total_line: Decimal
    moneyline_home: int
    moneyline_away: int
    expected: tuple[float, float, float] = (0.0, 0.0, 1.0)  # home margin, total, margin sd
    id: int | None = None

    @property
    def is_final(self) -> bool:
        return self.status == GameStatus.FINAL

    @property
    def is_graded_by_score(self) -> bool:
        """Final or cancelled: auto-grading settles its legs."""
        return self.status in (GameStatus.FINAL, GameStatus.CANCELLED)


@dataclass
class CapperPlan:
    discord_user_id: str
    username: str
    display_name: str
    avatar_url: str
    activity: float  # relative share of the tenant's bets
    skill: float  # how much more often than chance the capper is on the right side
    parlay_rate: float
    stake_multiple: Decimal  # of the tenant's typical unit
    favorite_league: str
    id: int | None = None
    member_id: int | None = None


@dataclass
class TenantPlan:
    guild_id: str
    name: str
    plan_code: str
    timezone: str
    unit_min: Decimal
    unit_max: Decimal
    weight: float
    cappers: list[CapperPlan] = field(default_factory=list)
    lurkers: list[tuple[str, str]] = field(default_factory=list)  # members who do not post bets
    open_limit: int | None = None  # bets left open after seeding stay under the plan's quota
    id: int | None = None


@dataclass
class World:
    anchor: datetime
    tenants: list[TenantPlan]
    teams: list[TeamPlan]
    games: list[GamePlan]


def demo_guild_ids(count: int) -> list[str]:
    return [str(DEMO_GUILD_BASE + number) for number in range(1, count + 1)]


def build_world(*, rng: random.Random, tenant_count: int, bet_count: int, anchor: datetime) -> World:
    tenants = [
        _tenant(rng, index, guild_id, bet_count, tenant_count)
        for index, guild_id in enumerate(demo_guild_ids(tenant_count))
    ]
    teams: list[TeamPlan] = []
    games: list[GamePlan] = []
    for league in LEAGUES:
        league_teams = [TeamPlan(league, name, rng.gauss(0.0, 1.0)) for name in league.teams]
        teams.extend(league_teams)
        games.extend(_season(rng, league, league_teams, anchor))
    games.sort(key=lambda game: (game.starts_at, game.external_id))
    return World(anchor=anchor, tenants=tenants, teams=teams, games=games)


# ---- tenants and cappers ---------------------------------------------------------------------------


def _tenant(rng: random.Random, index: int, guild_id: str, bet_count: int, tenant_count: int) -> TenantPlan:
    if index < len(TENANTS):
        name, plan_code, timezone_name, unit_min, unit_max = TENANTS[index]
    else:
        template = TENANTS[2 + index % (len(TENANTS) - 2)]
        name, plan_code, timezone_name, unit_min, unit_max = f"Demo Guild {index + 1}", *template[1:]
    quota = plan_for(plan_code).active_pending_bets
    tenant = TenantPlan(
        guild_id=guild_id,
        name=name,
        plan_code=plan_code,
        timezone=timezone_name,
        unit_min=unit_min,
        unit_max=unit_max,
        weight=rng.uniform(0.6, 1.4) / (1 + 0.15 * index),
        open_limit=None if quota is None else int(quota * 0.8),
    )
    expected_bets = bet_count / max(tenant_count, 1)
    capper_count = max(3, min(40, round(math.sqrt(expected_bets) / 4)))
    used = set()
    for number in range(capper_count):
        first, handle = rng.choice(FIRST_NAMES), rng.choice(HANDLES)
        display_name = f"{first} {handle}"
        while display_name in used:
            display_name = f"{first} {handle} {rng.randint(2, 99)}"
        used.add(display_name)
        tenant.cappers.append(
            CapperPlan(
                discord_user_id=str(DEMO_MEMBER_BASE + (index + 1) * 100_000 + number + 1),
                username=display_name.lower().replace(" ", "_"),
                display_name=display_name,
                avatar_url=f"https://cdn.discordapp.com/embed/avatars/{number % 6}.png",
                activity=rng.lognormvariate(0.0, 0.7),
                skill=max(-0.06, min(0.08, rng.gauss(0.005, 0.03))),
                parlay_rate=rng.uniform(0.03, 0.35),
                stake_multiple=rng.choice((Decimal("0.5"), Decimal(1), Decimal(1), Decimal(1), Decimal(2))),
                favorite_league=rng.choice(LEAGUES).key,
            )
        )
    for number in range(capper_count * 3):
        discord_user_id = str(DEMO_MEMBER_BASE + (index + 1) * 100_000 + 50_000 + number + 1)
        tenant.lurkers.append((discord_user_id, f"{rng.choice(FIRST_NAMES).lower()}{rng.randint(1, 9999)}"))
    return tenant


# ---- games and prices --------------------------------------------------------------------------------


def _season(rng: random.Random, league: LeagueSpec, teams: list[TeamPlan], anchor: datetime) -> list[GamePlan]:
    games = []
    for day in range(-SEASON_PAST_DAYS, SEASON_FUTURE_DAYS + 1):
        date = anchor + timedelta(days=day)
        expected = league.games_per_day * _weekday_factor(league, date.weekday())
        count = min(len(teams) // 2, int(expected) + (rng.random() < expected - int(expected)))
        playing = rng.sample(teams, count * 2)
        for number in range(count):
            home, away = playing[2 * number], playing[2 * number + 1]
            hour = rng.choice(league.kickoff_hours_utc)
            starts_at = date + timedelta(hours=hour + (24 if hour < 12 and league.key != "epl" else 0))
            external_id = f"{DEMO_GAME_PREFIX}{league.key}-{day + SEASON_PAST_DAYS:03d}-{number:02d}"
            game = _game(rng, league, home, away, starts_at, day, external_id)
            _play(rng, game, anchor)
            games.append(game)
    return games


def _weekday_factor(league: LeagueSpec, weekday: int) -> float:
    if league.key == "nfl":  # Thursday, Sunday, Monday
        return {3: 0.45, 6: 5.6, 0: 0.45}.get(weekday, 0.0)
    if league.key == "epl":  # mostly Saturday and Sunday
        return {5: 4.0, 6: 2.0, 0: 0.5, 1: 0.25, 2: 0.25}.get(weekday, 0.0)
    return 1.0


def _phi(value: float) -> float:
    return 0.5 * (1.0 + math.erf(value / math.sqrt(2.0)))


def _to_american(probability: float) -> int:
    """A price with the book's margin: each side's implied probability raised by ~2.3 points."""
    implied = min(0.97, max(0.03, probability + 0.023))
    if implied >= 0.5:
        return -max(100, 5 * round(100 * implied / (1 - implied) / 5))
    return max(100, 5 * round(100 * (1 - implied) / implied / 5))


def _half(value: float) -> Decimal:
    return Decimal(round(value * 2)) * HALF


def _poisson(rng: random.Random, mean: float) -> int:
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _game(rng, league, home, away, starts_at, day, external_id) -> GamePlan:
    if league.kind == "points":
        margin = (home.strength - away.strength) * league.margin_sd * 0.45 + league.home_edge
        total = league.total * rng.uniform(0.94, 1.06)
        margin_sd = league.margin_sd
    else:
        ratio = math.exp((home.strength - away.strength) * 0.2 + league.home_edge)
        total = league.total * rng.uniform(0.85, 1.15)
        home_mean, away_mean = total * ratio / (1 + ratio), total / (1 + ratio)
        margin, margin_sd = home_mean - away_mean, math.sqrt(total)
    home_win = _phi(margin / margin_sd)
    if league.fixed_spread is not None:
        favorite_home = margin >= 0
        spread_home = -league.fixed_spread if favorite_home else league.fixed_spread
        plus, minus = rng.choice((120, 130, 135, 140, 150, 160)), -rng.choice((140, 145, 150, 160, 170, 180))
        spread_home_odds, spread_away_odds = (plus, minus) if favorite_home else (minus, plus)
    else:
        spread_home = _half(-(margin + rng.gauss(0.0, 0.6)))
        spread_home_odds, spread_away_odds = juice(rng), juice(rng)
    game = GamePlan(
        league=league,
        home=home,
        away=away,
        starts_at=starts_at,
        day=day,
        external_id=external_id,
        status=GameStatus.SCHEDULED,
        home_score=None,
        away_score=None,
        spread_home=spread_home,
        spread_home_odds=spread_home_odds,
        spread_away_odds=spread_away_odds,
        total_line=max(HALF, _half(total + rng.gauss(0.0, 0.4))),
        moneyline_home=_to_american(home_win),
        moneyline_away=_to_american(1.0 - home_win),
    )
    game.expected = (margin, total, margin_sd)
    return game


def _play(rng: random.Random, game: GamePlan, anchor: datetime) -> None:
    """As of `anchor`: over (final, rarely cancelled), in progress (live) or still to come."""
    cancelled, score = rng.random() < CANCELLED_SHARE, _score(rng, game.league, *game.expected)
    if game.starts_at + GAME_LENGTH <= anchor:
        game.status = GameStatus.CANCELLED if cancelled else GameStatus.FINAL
        if not cancelled:
            game.home_score, game.away_score = score
    elif game.starts_at <= anchor:
        game.status = GameStatus.LIVE


def juice(rng: random.Random) -> int:
    """The price of one side of a spread or total: mostly -110."""
    return rng.choice((-110, -110, -110, -110, -110, -110, -105, -115, -120, 100))


def _score(rng, league: LeagueSpec, margin: float, total: float, margin_sd: float) -> tuple[int, int]:
    if league.kind == "points":
        actual_total = rng.gauss(total, margin_sd * 1.1)
        actual_margin = rng.gauss(margin, margin_sd)
        home = max(0, round((actual_total + actual_margin) / 2))
        away = max(0, round((actual_total - actual_margin) / 2))
        if league.key == "nfl":
            home, away = _nfl(home), _nfl(away)
        else:
            home, away = max(home, 78), max(away, 78)
    else:
        ratio = math.exp(margin / max(total, 0.1))
        home = _poisson(rng, total * ratio / (1 + ratio))
        away = _poisson(rng, total / (1 + ratio))
    if home == away and not league.draws_allowed:  # overtime, extra innings or a shootout decides it
        bonus = {"nba": rng.randint(3, 9), "nfl": 3}.get(league.key, 1)
        if rng.random() < 0.5 + (0.1 if margin > 0 else -0.1):
            home += bonus
        else:
            away += bonus
    return home, away


def _nfl(points: int) -> int:
    return min(NFL_SCORES, key=lambda score: abs(score - points))
