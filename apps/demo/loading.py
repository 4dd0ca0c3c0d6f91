"""Writing the demo world: tenants, members and cappers through their services; sports, games, bets and
legs in bulk (COPY on PostgreSQL); then auto-grading of the finished games.

Everything, grading included, is one transaction, so a demo set is there completely or not at all;
one `betting.demo_seeded` audit event (system actor) records what was created in bulk. Grading goes
through `games_grade` (set-based), GRADE_BATCH finished games per pass, graded exactly as when their
final scores arrive one by one: it writes the legs' results, settles the bets and appends their ledger
entries (and records its own audit event per game, never one per bet). On PostgreSQL the foreign keys
and secondary indexes of bets, legs and ledger entries are built once after the load and the grading
(apps/demo/bulk.py), instead of a trigger call and index insertions per row.
"""

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, models, transaction

from apps.accounts.models import Member
from apps.accounts.services import member_create
from apps.analytics.services.rollups import rollups_analyze, rollups_marking_suspended, rollups_rebuild
from apps.audit.services import audit_record
from apps.betting.choices import GameStatus, LegResult, Market
from apps.betting.models import Bet, BetLeg, Capper, Game, League, LedgerEntry, Sport, Team
from apps.betting.services import capper_create, games_grade
from apps.core.actors import Actor
from apps.demo.bets import BET_COLUMNS, LEG_COLUMNS, generate_bets
from apps.demo.bulk import bulk_load
from apps.demo.world import DEMO_GAME_PREFIX, World, build_world, demo_guild_ids
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create

BATCH_SIZE = 20_000
GRADE_BATCH = 2000  # games per grading pass (set-based: a pass costs little more than its rows)
FINAL_STATUSES = (GameStatus.FINAL, GameStatus.CANCELLED)

# progress(total=..., desc=...) -> an object with update(n) and close() (tqdm, or a silent stand-in)
Progress = Callable[..., object]


@dataclass(frozen=True)
class SeedResult:
    tenants: int
    members: int
    cappers: int
    games: int
    bets: int
    legs: int
    graded_games: int
    settled_bets: int
    rollup_rows: int = 0
    rollup_seconds: float = 0.0


def demo_present(*, tenant_count: int) -> bool:
    """Whether a demo set was already loaded (its guilds or its games exist)."""
    return (
        Tenant.objects.filter(guild_id__in=demo_guild_ids(max(tenant_count, 1))).exists()
        or Game.objects.filter(external_id__startswith=DEMO_GAME_PREFIX).exists()
    )


def demo_ungraded_game_ids() -> list[int]:
    """Finished demo games that still have gradeable pending legs (a seeding interrupted while grading)."""
    return sorted(
        BetLeg.objects.filter(
            result=LegResult.PENDING, game__external_id__startswith=DEMO_GAME_PREFIX, game__status__in=FINAL_STATUSES
        )
        .exclude(market=Market.PROP)
        .order_by()  # without the model's ordering, DISTINCT is over game ids alone
        .values_list("game_id", flat=True)
        .distinct()
    )


def seed_demo(*, tenant_count: int, bet_count: int, seed: int, actor: Actor, progress: Progress) -> SeedResult:
    """Create a demo set for `seed` (same seed, same data) and settle what auto-grading can settle."""
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    world = build_world(rng=rng, tenant_count=tenant_count, bet_count=bet_count, anchor=anchor)
    # the analytics rollups are built once at the end, not queued bet by bet by the grading passes
    with rollups_marking_suspended(), transaction.atomic(), bulk_load(Bet, BetLeg, LedgerEntry):
        members, cappers = _insert_tenants(world, actor)
        _insert_sports(world)
        legs, graded_game_ids = _insert_bets(world, rng, bet_count, progress)
        audit_record(
            actor=actor,
            action="betting.demo_seeded",
            changes={
                name: {"before": 0, "after": value}
                for name, value in (
                    ("tenants", len(world.tenants)),
                    ("members", members),
                    ("cappers", cappers),
                    ("games", len(world.games)),
                    ("bets", bet_count),
                    ("legs", legs),
                )
            },
            reason=f"manage.py seed_demo --tenants {tenant_count} --bets {bet_count} --seed {seed}",
        )
        _analyze(Tenant, Member, Capper, Game, Bet, BetLeg)
        settled = grade_games(game_ids=sorted(graded_game_ids), actor=actor, progress=progress)
    _analyze(Bet, BetLeg, LedgerEntry)
    rollup_rows, rollup_seconds = build_rollups(
        tenants=Tenant.objects.filter(pk__in=[plan.id for plan in world.tenants]), actor=actor, progress=progress
    )
    return SeedResult(
        tenants=len(world.tenants),
        members=members,
        cappers=cappers,
        games=len(world.games),
        bets=bet_count,
        legs=legs,
        graded_games=len(graded_game_ids),
        settled_bets=settled,
        rollup_rows=rollup_rows,
        rollup_seconds=rollup_seconds,
    )


def build_rollups(*, tenants, actor: Actor, progress: Progress) -> tuple[int, float]:
    """Build the analytics rollups of `tenants` (apps/analytics): (rows, seconds)."""
    tenants = list(tenants.order_by("pk"))
    bar = progress(total=len(tenants), desc="building analytics rollups", unit="tenant")
    rows, seconds = 0, 0.0
    for tenant in tenants:
        outcome = rollups_rebuild(tenant=tenant, actor=actor)
        rows += outcome.daily_rows + outcome.hourly_rows
        seconds += outcome.seconds
        bar.update(1)
    bar.close()
    started = time.monotonic()
    rollups_analyze()
    return rows, seconds + time.monotonic() - started


def demo_tenants_without_rollups(*, tenant_count: int):
    """Demo tenants whose rollups were never built (a demo set loaded before the rollups existed)."""
    return Tenant.objects.filter(guild_id__in=demo_guild_ids(max(tenant_count, 1))).exclude(
        rollup_state__built_at__isnull=False
    )


def grade_games(*, game_ids: list[int], actor: Actor, progress: Progress) -> int:
    """Auto-grade finished games, GRADE_BATCH per pass (each a `games_grade` transaction or savepoint)."""
    bar = progress(total=len(game_ids), desc="auto-grading games", unit="game")
    settled = 0
    for start in range(0, len(game_ids), GRADE_BATCH):
        batch = game_ids[start : start + GRADE_BATCH]
        settled += games_grade(game_ids=batch, actor=actor).bets_settled
        bar.update(len(batch))
    bar.close()
    return settled


def _insert_tenants(world: World, actor: Actor) -> tuple[int, int]:
    """Tenants, members and cappers through their services (validation and audit events, as in production)."""
    members = cappers = 0
    for plan in world.tenants:
        tenant = tenant_create(
            actor=actor,
            guild_id=plan.guild_id,
            name=plan.name,
            plan_code=plan.plan_code,
            timezone_name=plan.timezone,
            unit_min=plan.unit_min,
            unit_max=plan.unit_max,
            settings={"demo": True},
        )
        plan.id = tenant.pk
        for capper in plan.cappers:
            row = capper_create(
                tenant=tenant,
                actor=actor,
                discord_user_id=capper.discord_user_id,
                username=capper.username,
                display_name=capper.display_name,
                avatar_url=capper.avatar_url,
            )
            capper.id, capper.member_id = row.pk, row.member_id
        for user_id, name in plan.lurkers:
            member_create(actor=actor, tenant=tenant, discord_user_id=user_id, username=name)
        members += len(plan.cappers) + len(plan.lurkers)
        cappers += len(plan.cappers)
    return members, cappers


def _insert_sports(world: World) -> None:
    leagues = {}
    for team in world.teams:
        spec = team.league
        if spec.key not in leagues:
            sport, _ = Sport.objects.get_or_create(key=spec.sport_key, defaults={"name": spec.sport_name})
            leagues[spec.key], _ = League.objects.get_or_create(
                key=spec.key, defaults={"name": spec.name, "sport": sport}
            )
    existing = {(team.league_id, team.name): team.pk for team in Team.objects.filter(league__in=leagues.values())}
    missing = [
        Team(league=leagues[team.league.key], name=team.name, abbreviation=_abbreviation(team.name))
        for team in world.teams
        if (leagues[team.league.key].pk, team.name) not in existing
    ]
    existing.update({(team.league_id, team.name): team.pk for team in Team.objects.bulk_create(missing)})
    for team in world.teams:
        team.id = existing[(leagues[team.league.key].pk, team.name)]
    rows = Game.objects.bulk_create(
        (
            Game(
                external_id=game.external_id,
                league=leagues[game.league.key],
                home_team_id=game.home.id,
                away_team_id=game.away.id,
                starts_at=game.starts_at,
                status=game.status,
                home_score=game.home_score,
                away_score=game.away_score,
                finalized_at=game.starts_at + timedelta(hours=3) if game.status in FINAL_STATUSES else None,
            )
            for game in world.games
        ),
        batch_size=1000,
    )
    for game, row in zip(world.games, rows, strict=True):
        game.id = row.pk


def _analyze(*tables: type[models.Model]) -> None:
    """Fresh planner statistics after a bulk load (autovacuum may be off, or not have run yet)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t._meta.db_table) for t in tables))


def _abbreviation(name: str) -> str:
    words = name.replace("&", " ").split()
    return ("".join(word[0] for word in words) if len(words) > 1 else name[:3]).upper()[:10]


def _insert_bets(world: World, rng: random.Random, bet_count: int, progress: Progress) -> tuple[int, set[int]]:
    """Bets and legs with ids taken from the tables' current maximum, under a table lock on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Bet._meta.db_table}, {BetLeg._meta.db_table} IN EXCLUSIVE MODE")
    first_bet_id = (Bet.objects.aggregate(last=models.Max("id"))["last"] or 0) + 1
    first_leg_id = (BetLeg.objects.aggregate(last=models.Max("id"))["last"] or 0) + 1
    bar = progress(total=bet_count, desc="placing bets", unit="bet")
    legs, graded_game_ids = 0, set()
    for batch in generate_bets(
        world=world,
        rng=rng,
        bet_count=bet_count,
        first_bet_id=first_bet_id,
        first_leg_id=first_leg_id,
        batch_size=BATCH_SIZE,
    ):
        write_rows(Bet, BET_COLUMNS, batch.bets)
        write_rows(BetLeg, LEG_COLUMNS, batch.legs)
        legs += len(batch.legs)
        graded_game_ids |= batch.graded_game_ids
        bar.update(len(batch.bets))
    bar.close()
    with connection.cursor() as cursor:  # explicit ids: move the id sequences past them
        for statement in connection.ops.sequence_reset_sql(no_style(), [Bet, BetLeg]):
            cursor.execute(statement)
    return legs, graded_game_ids


# fields whose Python values (int, bool, None) the database driver takes as they are: no preparation per value
# (exact types: a subclass is prepared by the field; text fields are, so that a number becomes its text)
PLAIN_FIELDS = frozenset(
    {
        models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
        models.PositiveIntegerField, models.PositiveSmallIntegerField, models.BooleanField, models.ForeignKey,
    }
)  # fmt: skip


def _value_as_is(value):
    return value


def _field_prep(field: models.Field):
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], columns: Iterable[str], rows: list[tuple]) -> None:
    """Insert rows given in `columns` order with one prepared INSERT run for every row (executemany), each value
    prepared by its field as a save would (plain integers and booleans as they are): no model instances and no
    SQL compiled per batch (bulk_create did both: seconds of CPU for the planted scenarios' 5,000 bets)."""
    quote = connection.ops.quote_name
    by_column = {field.column: field for field in model._meta.concrete_fields}
    fields = [by_column[column] for column in columns]
    names, markers = ", ".join(quote(field.column) for field in fields), ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({markers})"  # noqa: S608 - bound
    prepare = [_value_as_is if type(field) in PLAIN_FIELDS else _field_prep(field) for field in fields]
    prepared = [tuple(prep(value) for prep, value in zip(prepare, row, strict=True)) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(statement, prepared)


def write_rows(model: type[models.Model], columns: Iterable[str], rows: list[tuple]) -> None:
    """Insert rows given in `columns` order: COPY on PostgreSQL, `insert_rows` elsewhere (SQLite)."""
    if connection.vendor != "postgresql":
        insert_rows(model, columns, rows)
        return
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
