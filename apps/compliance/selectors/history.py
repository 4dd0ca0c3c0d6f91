"""The compliance posture over a range of days, from what is stored (issue 17, item 5): the daily score snapshots
(beat takes them from the check runs: score and failing requirements per framework) and the check runs themselves
(the checks that failed or errored, per framework and day, and the runs behind one day's figure).

Days are UTC days, both ends included. A check belongs to the frameworks its run named (`requirements`:
"framework:ref" keys at the time of the run), so a remapped check is counted where it was at the time."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from apps.compliance.choices import CheckStatus
from apps.compliance.models import CheckRun, Framework, ScoreSnapshot

FAILING_STATUSES = (CheckStatus.FAIL, CheckStatus.ERROR)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=UTC
    )


def frameworks_of(requirements) -> set[str]:
    """The frameworks a run's requirement keys name."""
    return {key.split(":", 1)[0] for key in requirements or [] if isinstance(key, str) and ":" in key}


def framework_names() -> dict[str, str]:
    return dict(Framework.objects.values_list("pk", "name"))


def score_history(*, start: date, end: date, framework_id: str | None = None) -> list[dict]:
    """Each framework's daily snapshot in the range: {"framework_id", "day", "score", "failing", "total"}, by
    framework then day (a day without a snapshot is absent, not 0)."""
    rows = ScoreSnapshot.objects.filter(day__gte=start, day__lte=end)
    if framework_id:
        rows = rows.filter(framework_id=framework_id)
    return list(rows.order_by("framework_id", "day").values("framework_id", "day", "score", "failing", "total"))


def failing_checks_by_day(*, start: date, end: date, framework_id: str | None = None) -> list[dict]:
    """How many distinct checks failed or errored on each day, per framework: {"framework_id", "day", "checks"}, by
    framework then day (days with none are absent). One query, whatever the number of runs."""
    low, high = _bounds(start, end)
    runs = CheckRun.objects.filter(status__in=FAILING_STATUSES, finished_at__gte=low, finished_at__lt=high)
    checks: dict[tuple[str, date], set[str]] = defaultdict(set)
    for check_id, finished_at, requirements in runs.values_list("check_id", "finished_at", "requirements").iterator():
        for framework in frameworks_of(requirements):
            if framework_id is None or framework == framework_id:
                checks[(framework, finished_at.astimezone(UTC).date())].add(check_id)
    return [
        {"framework_id": framework, "day": day, "checks": len(ids)} for (framework, day), ids in sorted(checks.items())
    ]


def failing_runs(*, start: date, end: date, framework_id: str | None = None) -> list[CheckRun]:
    """The failed or errored runs that finished in the range (of checks mapped to the framework, when given),
    newest first: the rows behind a bar of `failing_checks_by_day`."""
    low, high = _bounds(start, end)
    runs = (
        CheckRun.objects.filter(status__in=FAILING_STATUSES, finished_at__gte=low, finished_at__lt=high)
        .defer("evidence", "remediation")
        .order_by("-finished_at", "-id")
    )
    if not framework_id:
        return list(runs)
    return [run for run in runs.iterator() if framework_id in frameworks_of(run.requirements)]
