"""Rollups: a failing refresh leaves them stale and queries read the raw ledger (correctly, saying so);
changes queued too long, a changed time zone and hours older than the kept days also read the raw rows;
a settlement by hand queues its bet in one statement; the rebuild and verify commands (bulk imports and
auto-grading add their delta at once: test_rollup_deltas.py)."""

import io
import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.analytics.models import DailyRollup, HourlyRollup, RollupDirtyBet, RollupState
from apps.analytics.query import MetricQuery, run_query
from apps.analytics.services.rollups import rollups_maintain, rollups_mark_stale, rollups_refresh
from apps.analytics.tasks import analytics_rollups_refresh_task
from apps.audit.models import AuditEvent
from apps.betting.services import bet_place, bet_settle
from apps.betting.services.bets import LegInput
from apps.core.beat import declared_schedules
from apps.core.cache.manager import cache_versions
from apps.core.models import OutboxMessage
from apps.tenants.models import Tenant
from dbsbm.celery import app as celery_app
from tests.analytics.rollup_world import build_rollup_world

pytestmark = pytest.mark.django_db

REFRESH_TASK = analytics_rollups_refresh_task.name


@pytest.fixture
def world(actor):
    return build_rollup_world(actor=actor, games=2)


def _place(world, tenant, external_id: str, stake: str, hours_ago: float = 2, game=None):
    leg = (
        LegInput("moneyline", "home", 120, game.external_id)
        if game is not None
        else LegInput("prop", "first to score", 120, None, None, "Manual prop")
    )
    bet, _ = bet_place(
        tenant=tenant,
        actor=world.actor,
        external_id=external_id,
        capper=world.cappers[tenant.pk][0],
        stake_units=Decimal(stake),
        legs=[leg],
        placed_at=timezone.now() - timedelta(hours=hours_ago),
    )
    return bet


def _settle(world, bet, result: str = "won"):
    """A settlement by hand: a change that queues its bet for the refresh (a placement adds it at once)."""
    return bet_settle(bet=bet, actor=world.actor, result=result, reason="test")


def _won_query(tenant):
    day = timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()
    params = {"metrics": "bets_placed,win_rate", "grain": "none", "from": (day - timedelta(days=2)).isoformat()}
    return MetricQuery.parse({**params, "to": day.isoformat()}, tenant=tenant)


def _stake_query(tenant):
    day = timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()
    params = {"metrics": "bets_placed,stake_units", "grain": "none", "from": (day - timedelta(days=2)).isoformat()}
    return MetricQuery.parse({**params, "to": day.isoformat()}, tenant=tenant)


@pytest.fixture
def refusing_rollup_writes():
    """A database fault on the rollup tables: any insert into the daily rollups is refused."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_rollup_write() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'rollup storage unavailable (test fault)'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_rollup_write BEFORE INSERT ON analytics_dailyrollup "
            "FOR EACH ROW EXECUTE FUNCTION refuse_rollup_write()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_rollup_write ON analytics_dailyrollup")
        cursor.execute("DROP FUNCTION refuse_rollup_write()")


def test_a_failing_refresh_leaves_the_tenant_stale_and_queries_read_the_raw_ledger(world, refusing_rollup_writes):
    home, other = world.tenants[0], world.tenants[1]
    _place(world, home, "fault-1", "2.50")
    _place(world, other, "fault-2", "1.00")
    OutboxMessage.objects.filter(task_name=REFRESH_TASK).delete()

    analytics_rollups_refresh_task.apply()  # the task as the outbox runs it: it must not raise

    states = {state.tenant_id: state for state in RollupState.objects.filter(tenant__in=[home, other])}
    assert states[home.pk].is_stale and states[other.pk].is_stale
    assert "rollup storage unavailable (test fault)" in states[home.pk].stale_reason
    assert RollupDirtyBet.objects.filter(tenant__in=[home, other]).count() == 2  # kept for the retry
    retry = OutboxMessage.objects.get(task_name=REFRESH_TASK, completed_at=None)
    assert retry.args == [1] and retry.available_at > timezone.now()
    assert AuditEvent.objects.filter(action="analytics.rollups_stale", guild_id=home.guild_id).count() == 1

    result = run_query(_stake_query(home))
    assert (result.source, result.stale) == ("raw", True)
    assert result.rows == [[1, 2.5]]  # the raw ledger still answers, correctly

    out = io.StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("analytics_verify", tenant=[home.guild_id], stdout=out)
    report = out.getvalue()
    assert "stale since" in report and "rollup storage unavailable" in report
    assert "bets rollup 0 raw 1" in report

    # the fault cleared, the next refresh catches up and clears the stale mark
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE analytics_dailyrollup DISABLE TRIGGER refuse_rollup_write")
    outcome = rollups_refresh()
    assert (outcome.bets, outcome.failed) == (2, {})
    assert not RollupState.objects.filter(tenant__in=[home, other], is_stale=True).exists()
    result = run_query(_stake_query(home))
    assert (result.source, result.stale, result.rows) == ("rollup", False, [[1, 2.5]])
    call_command("analytics_verify", tenant=[home.guild_id, other.guild_id], stdout=io.StringIO())


def test_changes_queued_longer_than_allowed_make_the_rollups_stale(world, settings):
    home = world.tenants[0]
    bet = _place(world, home, "late-1", "3.00")
    rollups_refresh()
    _settle(world, bet)
    fresh = run_query(_won_query(home))
    assert (fresh.source, fresh.stale, fresh.rows) == ("rollup", False, [[1, None]])  # not refreshed yet

    RollupDirtyBet.objects.update(marked_at=timezone.now() - timedelta(seconds=settings.ANALYTICS_STALE_AFTER_SECONDS))
    lagging = run_query(_won_query(home))
    assert (lagging.source, lagging.stale, lagging.rows) == ("raw", True, [[1, 1.0]])
    other = run_query(_won_query(world.tenants[1]))
    assert (other.source, other.stale) == ("rollup", False)  # another tenant's queue is not this one's

    rollups_refresh()
    assert run_query(_won_query(home)).rows == [[1, 1.0]]


def test_a_tenant_whose_time_zone_changed_reads_raw_until_beat_rebuilds_it(world):
    home = world.tenants[0]
    _place(world, home, "zone-1", "1.50", hours_ago=20)
    rollups_refresh()
    Tenant.objects.filter(pk=home.pk).update(timezone="Pacific/Kiritimati")
    home.refresh_from_db()

    result = run_query(_stake_query(home))
    assert (result.source, result.stale) == ("raw", True)

    outcome = rollups_maintain()
    assert outcome.rebuilt == [home.pk]
    result = run_query(_stake_query(home))
    assert (result.source, result.stale, result.rows) == ("rollup", False, [[1, 1.5]])
    assert RollupState.objects.get(tenant=home).timezone_name == "Pacific/Kiritimati"


def test_hours_older_than_the_kept_days_are_read_raw_and_not_called_stale(world, settings):
    home = world.tenants[0]
    _place(world, home, "old-1", "1.00", hours_ago=24 * 20)
    _place(world, home, "new-1", "2.00", hours_ago=3)
    rollups_refresh()
    assert HourlyRollup.objects.filter(tenant=home).count() == 1  # only the recent bet keeps its hour
    assert DailyRollup.objects.filter(tenant=home).count() == 2

    today = timezone.now().date()
    old = {"metrics": "bets_placed", "grain": "hour", "from": (today - timedelta(days=21)).isoformat()}
    old["to"] = (today - timedelta(days=8)).isoformat()
    result = run_query(MetricQuery.parse(old, tenant=home))
    assert (result.source, result.stale) == ("raw", False)
    assert sum(row[1] for row in result.rows) == 1
    recent = {"metrics": "bets_placed", "grain": "hour", "from": (today - timedelta(days=1)).isoformat()}
    result = run_query(MetricQuery.parse({**recent, "to": today.isoformat()}, tenant=home))
    assert (result.source, sum(row[1] for row in result.rows)) == ("rollup", 1)


def test_rebuild_reports_each_tenant_and_verify_finds_a_tampered_row(world):
    home = world.tenants[0]
    _place(world, home, "cmd-1", "2.00")
    _place(world, home, "cmd-2", "1.00", hours_ago=30)
    out = io.StringIO()
    call_command("analytics_rebuild", tenant=[home.guild_id], stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"[1/1] {home.name} ({home.guild_id}, UTC)")
    assert any(line.strip().startswith(f"{home.guild_id} ") and "daily rows" in line for line in lines)
    assert "Rebuilt the rollups of 1 tenants" in lines[-1]
    assert not RollupDirtyBet.objects.filter(tenant=home).exists()
    call_command("analytics_verify", stdout=io.StringIO())

    DailyRollup.objects.filter(tenant=home).update(net=Decimal("99"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 differences|differences"):
        call_command("analytics_verify", tenant=[home.guild_id], stdout=out)
    assert "net rollup 99" in out.getvalue()

    with pytest.raises(CommandError, match="No tenant with guild id 123"):
        call_command("analytics_rebuild", tenant=["123"], stdout=io.StringIO())


def test_seed_demo_builds_the_rollups_once_at_the_end_and_verify_finds_no_difference():
    out = io.StringIO()
    call_command("seed_demo", tenants=2, bets=300, seed=4, no_progress=True, stdout=out, stderr=io.StringIO())

    assert "analytics rollups: " in out.getvalue()
    demo = Tenant.objects.filter(settings__demo=True)
    assert RollupState.objects.filter(tenant__in=demo, built_at__isnull=False, is_stale=False).count() == 2
    assert not RollupDirtyBet.objects.exists()  # the grading passes queued nothing: the rebuild covers them
    assert DailyRollup.objects.filter(tenant__in=demo).aggregate(bets=Sum("bets"))["bets"] == 300
    verified = io.StringIO()
    call_command("analytics_verify", stdout=verified)
    assert verified.getvalue().splitlines()[-1].startswith("No difference: 2 tenants")


def test_the_refresh_is_a_declared_beat_job_of_a_registered_task():
    assert {
        "name": "analytics: refresh the rollups",
        "task": "apps.analytics.tasks.analytics_rollups_maintain_task",
        "every_seconds": 5,
    } in declared_schedules()
    assert "apps.analytics.tasks.analytics_rollups_maintain_task" in celery_app.tasks


def test_a_settlement_queues_its_bet_in_one_statement_and_only_the_first_change_asks_for_a_refresh(world):
    home = world.tenants[0]
    bets = [_place(world, home, f"burst-{number}", "1.00") for number in range(3)]
    after = _place(world, home, "after-1", "1.00")
    rollups_refresh()  # the world's own bets taken: the queue is empty
    OutboxMessage.objects.filter(task_name=REFRESH_TASK).delete()

    with CaptureQueriesContext(connection) as captured:
        _settle(world, bets[0])

    touching = [query["sql"] for query in captured.captured_queries if "analytics_rollupdirtybet" in query["sql"]]
    assert len(touching) == 1 and touching[0].startswith('WITH queued AS (INSERT INTO "analytics_rollupdirtybet"')
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 1  # the queue was empty: it asks
    for bet in bets[1:]:
        _settle(world, bet, "lost")
    assert RollupDirtyBet.objects.filter(tenant=home).count() == 3
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 1  # the others found bets queued

    assert rollups_refresh().bets == 3  # it ran: the queue is empty again, the next change asks again
    _settle(world, after)
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 2


def test_a_refresh_goes_on_until_the_queue_is_empty(world):
    home = world.tenants[0]
    bets = [_place(world, home, f"batch-{number}", "1.00") for number in range(5)]
    rollups_refresh()
    for bet in bets:
        _settle(world, bet)

    outcome = rollups_refresh(limit=2)  # three batches, the last one smaller than the limit

    assert (outcome.bets, outcome.failed) == (5, {})
    assert not RollupDirtyBet.objects.exists()
    assert run_query(_won_query(home)).rows == [[5, 1.0]]


@pytest.mark.parametrize(
    ("shape", "table"),
    [
        ({"metrics": "stake_units,units_net,win_rate"}, "analytics_tenantdayrollup"),
        ({"metrics": "stake_units,active_cappers,win_rate"}, "analytics_capperdayrollup"),
        ({"metrics": "units_net", "group_by": "capper"}, "analytics_capperdayrollup"),
        ({"metrics": "units_net", "group_by": "league"}, "analytics_marketdayrollup"),
        ({"metrics": "stake_units", "group_by": "market", "filter_bet_type": "single"}, "analytics_marketdayrollup"),
        ({"metrics": "active_cappers", "group_by": "league"}, "analytics_dailyrollup"),
        ({"metrics": "units_net", "group_by": "capper,market"}, "analytics_dailyrollup"),
    ],
)
def test_a_query_reads_the_smallest_day_rows_that_hold_its_answer_and_they_agree(world, shape, table):
    home, game = world.tenants[0], world.games[0]
    for number, stake in enumerate(["1.00", "2.50", "4.00"]):
        _place(world, home, f"summary-{number}", stake, game=game if number else None)
    rollups_refresh()
    today = timezone.now().date()
    span = {"from": (today - timedelta(days=3)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}

    for tenant in (home, None):  # the tenant's query and the platform's
        query = MetricQuery.parse({**span, "grain": "none", **shape}, tenant=tenant)
        with CaptureQueriesContext(connection) as captured:
            from_rollups = run_query(query)
        read = {name for name in TABLES if any(f'"{name}"' in entry["sql"] for entry in captured.captured_queries)}
        assert read == {table}, read
        with transaction.atomic():
            rollups_mark_stale(tenant_ids=[tenant.pk for tenant in world.tenants], reason="test: the raw rows")
            from_raw = run_query(query)
            transaction.set_rollback(True)
        assert (from_rollups.source, from_raw.source) == ("rollup", "raw")
        assert from_rollups.rows == from_raw.rows and from_rollups.rows


TABLES = (
    "analytics_dailyrollup",
    "analytics_tenantdayrollup",
    "analytics_capperdayrollup",
    "analytics_marketdayrollup",
)


def test_a_refresh_gives_the_refreshed_tenants_answers_new_etags_and_not_the_others(
    world, django_capture_on_commit_callbacks
):
    home, other = world.tenants[0], world.tenants[1]
    bet = _place(world, home, "etag-1", "1.00")
    rollups_refresh()
    _settle(world, bet)
    home_before = cache_versions(["analytics"], tenant_id=home.pk)
    other_before = cache_versions(["analytics"], tenant_id=other.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert rollups_refresh().bets == 1

    assert cache_versions(["analytics"], tenant_id=home.pk) != home_before
    assert cache_versions(["analytics"], tenant_id=other.pk) == other_before
