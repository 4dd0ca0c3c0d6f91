"""History and time (issue 17, item 5): framework scores and failing checks over time from the stored snapshots
and check runs, the dashboard's time-range picker kept in the URL, and the drill-down from a point of those charts
to the failing check runs behind it (a filtered list, exportable)."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compliance.models import CheckRun, ScoreSnapshot
from apps.compliance.selectors.history import failing_checks_by_day, failing_runs, score_history
from tests.portal import data

pytestmark = pytest.mark.django_db


def _run(check_id: str, status: str, requirements: list[str], days_ago: int) -> CheckRun:
    when = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return data.stored_check_run(check_id, status, requirements, finished_at=when)


def _day(days_ago: int) -> date:
    return timezone.now().astimezone(UTC).date() - timedelta(days=days_ago)


@pytest.fixture
def history(catalogue):
    """Failing runs over the last days (two checks failing two days ago, one yesterday, one in another framework
    and one 40 days ago), passing runs, and daily score snapshots of the test framework."""
    framework = catalogue["framework"]
    runs = {
        "mfa_old": _run("portal.mfa", "fail", ["portaltest:PT-1.1"], 40),
        "mfa_2": _run("portal.mfa", "fail", ["portaltest:PT-1.1"], 2),
        "mfa_2_again": _run("portal.mfa", "error", ["portaltest:PT-1.1"], 2),
        "keys_2": _run("portal.keys", "fail", ["portaltest:PT-1.2"], 2),
        "keys_1": _run("portal.keys", "fail", ["portaltest:PT-1.2", "other:X"], 1),
        "other_1": _run("other.only", "fail", ["other:Y"], 1),
        "pass_1": _run("portal.keys", "pass", ["portaltest:PT-1.2"], 1),
    }
    CheckRun.objects.filter(pk__in=[catalogue["failing"].pk, catalogue["passing"].pk]).delete()
    for days_ago, score in [(3, 100.0), (2, 50.0), (1, 75.0)]:
        ScoreSnapshot.objects.create(framework=framework, day=_day(days_ago), score=score, failing=1, total=3)
    return runs


def _figure(html: str, script_id: str) -> dict:
    match = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no figure {script_id}"
    return json.loads(match.group(1))


def test_failing_checks_are_counted_per_framework_and_day_from_the_stored_runs(history):
    rows = failing_checks_by_day(start=_day(6), end=_day(0))

    assert rows == [
        {"framework_id": "other", "day": _day(1), "checks": 2},  # portal.keys was mapped there too, then
        {"framework_id": "portaltest", "day": _day(2), "checks": 2},  # mfa failed and errored: one check
        {"framework_id": "portaltest", "day": _day(1), "checks": 1},
    ]
    assert [run.pk for run in failing_runs(start=_day(2), end=_day(2), framework_id="portaltest")] == sorted(
        [history["mfa_2"].pk, history["mfa_2_again"].pk, history["keys_2"].pk], reverse=True
    )
    assert [row["score"] for row in score_history(start=_day(2), end=_day(0), framework_id="portaltest")] == [50, 75]


def test_the_dashboard_shows_the_history_of_the_picked_range_with_points_that_drill_down(officer_client, history):
    response = officer_client.get(reverse("portal:dashboard"), {"range": "7d"})

    html = response.content.decode()
    assert response.status_code == 200
    failing = _figure(html, "fig-history-failing")
    (portal_trace,) = [trace for trace in failing["data"] if trace["name"] == "Portal Test Framework"]
    assert portal_trace["x"] == [_day(2).isoformat(), _day(1).isoformat()] and portal_trace["y"] == [2, 1]
    assert portal_trace["customdata"][0] == {"framework": "portaltest", "day": _day(2).isoformat()}
    assert [trace["y"] for trace in _figure(html, "fig-history-scores")["data"]] == [[100.0, 50.0, 75.0]]
    assert f'data-drill-url="{reverse("portal:failing_check_runs")}"' in html
    assert 'data-widget-url="/portal/widgets/__name__/?range=7d"' in html  # live refreshes keep the range
    assert '<option value="7d" selected>' in html


def test_a_custom_range_is_kept_in_the_url_and_narrows_the_history(officer_client, history):
    params = {"range": "custom", "from": _day(1).isoformat(), "to": _day(0).isoformat()}

    html = officer_client.get(reverse("portal:dashboard"), params).content.decode()
    fragment = officer_client.get(reverse("portal:widget", kwargs={"name": "history"}), params).content.decode()

    assert f"from={_day(1).isoformat()}&amp;to={_day(0).isoformat()}" in html
    for page in (html, fragment):
        traces = _figure(page, "fig-history-failing")["data"]
        assert {day for trace in traces for day in trace["x"]} == {_day(1).isoformat()}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"range": "13d"}, "Unknown range"),
        ({"from": "yesterday"}, "is not a date"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "is after to"),
    ],
)
def test_a_bad_range_is_a_400_that_says_what_is_allowed(officer_client, history, params, message):
    page = officer_client.get(reverse("portal:dashboard"), params)
    widget = officer_client.get(reverse("portal:widget", kwargs={"name": "history"}), params)

    assert page.status_code == 400 and message in page.content.decode()
    assert 'data-widget="history"' in page.content.decode()  # the page still stands, on the default range
    assert widget.status_code == 400 and message in widget.content.decode()


def test_the_framework_page_shows_its_score_and_failing_checks_over_the_range(officer_client, history):
    response = officer_client.get(reverse("portal:framework", kwargs={"framework_id": "portaltest"}), {"range": "7d"})

    html = response.content.decode()
    assert response.status_code == 200
    (trace,) = _figure(html, "fig-failing")["data"]
    assert trace["x"] == [_day(2).isoformat(), _day(1).isoformat()] and trace["y"] == [2, 1]
    assert _figure(html, "fig-trend")["data"][0]["y"] == [100.0, 50.0, 75.0]
    assert "data-range-picker" in html
    assert (
        officer_client.get(
            reverse("portal:framework", kwargs={"framework_id": "portaltest"}), {"range": "x"}
        ).status_code
        == 400
    )


def test_the_rows_behind_a_bar_are_that_days_failing_runs_of_that_framework(officer_client, history):
    params = {"framework": "portaltest", "day": _day(2).isoformat()}

    response = officer_client.get(reverse("portal:failing_check_runs"), params)
    exported = list(csv.reader(io.StringIO(b"".join(
        officer_client.get(reverse("portal:failing_check_runs_export", kwargs={"fmt": "csv"}), params).streaming_content
    ).decode("utf-8-sig"))))  # fmt: skip

    shown = [int(pk) for pk in re.findall(r'<tr data-run="(\d+)">', response.content.decode())]
    expected = sorted([history["mfa_2"].pk, history["mfa_2_again"].pk, history["keys_2"].pk], reverse=True)
    assert response.status_code == 200 and shown == expected
    assert exported[0][:3] == ["run id", "check", "status"]
    assert [int(row[0]) for row in exported[1:]] == expected
    assert "Portal Test Framework" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"day": "2026-02-30"}, "is not a date"),
        ({"framework": "nope"}, "No framework"),
        ({"range": "2w"}, "Unknown range"),
    ],
)
def test_the_rows_page_refuses_bad_filters_with_a_message(officer_client, history, params, message):
    response = officer_client.get(reverse("portal:failing_check_runs"), params)
    export = officer_client.get(reverse("portal:failing_check_runs_export", kwargs={"fmt": "csv"}), params)

    assert response.status_code == 400 and message in response.content.decode()
    assert export.status_code == 400 and message in export.content.decode()


def test_the_rows_page_is_for_compliance_officers(analyst_client, history):
    assert analyst_client.get(reverse("portal:failing_check_runs")).status_code == 403
    html = analyst_client.get(reverse("portal:dashboard")).content.decode()
    assert "data-drill-url" not in html  # an analyst's charts do not lead to a page they may not open


def test_without_a_day_the_rows_page_lists_the_last_seven_days(officer_client, history):
    html = officer_client.get(reverse("portal:failing_check_runs")).content.decode()
    shown = {int(pk) for pk in re.findall(r'<tr data-run="(\d+)">', html)}
    assert history["mfa_old"].pk not in shown and history["other_1"].pk in shown
    assert datetime.now(UTC).date().isoformat() in html
