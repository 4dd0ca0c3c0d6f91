"""History and time in the compliance pages (issue 17, item 5): the time range a page shows (the picker's
`?range=7d|30d|90d` or `?from=…&to=…`, kept in the URL), a framework's score and failing checks over that range,
and the failing check runs behind a point of those charts (`/portal/check-runs/failing/?framework=…&day=…`), exportable.

The figures come from the stored rows only: the daily score snapshots and the check runs
(apps/compliance/selectors/history.py)."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.analytics.selectors.dashboards import DateRange, date_range_parse
from apps.compliance import charts
from apps.compliance.selectors.history import failing_checks_by_day, failing_runs, framework_names, score_history
from apps.core.errors import ApplicationError
from apps.core.exports import Column
from apps.portal.access import OFFICER, portal_view
from apps.portal.list_exports import ListExport, export_view
from apps.portal.shell import paginate, render_portal

DEFAULT_RANGE = "30d"
RANGE_CHOICES = ("7d", "30d", "90d")


def page_range(request: HttpRequest, default: str = DEFAULT_RANGE) -> tuple[DateRange, str]:
    """The range the query asks for and "" , or the default range and the message saying what was wrong."""
    try:
        return date_range_parse(params=request.GET, default=default), ""
    except ApplicationError as refused:
        return date_range_parse(params={}, default=default), refused.message


def range_context(date_range: DateRange, problem: str) -> dict:
    """What templates/portal/_range_picker.html shows."""
    return {"date_range": date_range, "range_choices": RANGE_CHOICES, "range_error": problem}


def framework_history(*, framework_id: str, date_range: DateRange) -> dict:
    """A framework's daily score and failing checks over the range, as figures whose points drill down."""
    scores = score_history(start=date_range.start, end=date_range.end, framework_id=framework_id)
    failing = failing_checks_by_day(start=date_range.start, end=date_range.end, framework_id=framework_id)
    names = framework_names()
    return {
        "score_figure": charts.score_history_figure(scores, names) if scores else None,
        "failing_figure": charts.failing_history_figure(failing, names) if failing else None,
    }


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApplicationError(_("day=%(day)r is not a date: use YYYY-MM-DD.") % {"day": raw[:40]}) from None


def check_run_filters(request: HttpRequest) -> dict:
    """?day= (one UTC day) or the range picker's ?range= / ?from=&to= (7 days unless told), and ?framework= (an
    existing framework's id); an ApplicationError with a message for anything else."""
    framework_id = request.GET.get("framework", "")
    names = framework_names()
    if framework_id and framework_id not in names:
        raise ApplicationError(_("No framework %(id)r: pick one from the frameworks page.") % {"id": framework_id[:60]})
    if request.GET.get("day"):
        start = end = _day(request.GET["day"])
    else:
        date_range = date_range_parse(params=request.GET, default="7d")
        start, end = date_range.start, date_range.end
    return {"start": start, "end": end, "framework_id": framework_id or None, "framework_name": names.get(framework_id)}


def check_run_rows(request: HttpRequest):
    filters = check_run_filters(request)
    return failing_runs(start=filters["start"], end=filters["end"], framework_id=filters["framework_id"])


@never_cache
@require_safe
@portal_view(OFFICER)
def failing_check_runs(request: HttpRequest) -> HttpResponse:
    """The failing check runs of a day or range (and of a framework): the rows behind a point of the history."""
    try:
        filters = check_run_filters(request)
    except ApplicationError as refused:
        return render_portal(
            request, "portal/compliance/failing_check_runs.html", {"problem": refused.message}, status=400
        )
    runs = failing_runs(start=filters["start"], end=filters["end"], framework_id=filters["framework_id"])
    return render_portal(
        request, "portal/compliance/failing_check_runs.html", {**filters, "page": paginate(request, runs)}
    )


CHECK_RUNS = ListExport(
    "failing-check-runs",
    [
        Column(gettext_lazy("run id"), "id"),
        Column(gettext_lazy("check"), "check_id"),
        Column(gettext_lazy("status"), "status"),
        Column(gettext_lazy("severity"), "severity"),
        Column(gettext_lazy("summary"), "summary"),
        Column(gettext_lazy("requirements"), "requirements"),
        Column(gettext_lazy("finished at (UTC)"), "finished_at"),
        Column(gettext_lazy("trigger"), "trigger"),
    ],
    check_run_rows,
    roles=(OFFICER,),
)
failing_check_runs_export = export_view(CHECK_RUNS)
