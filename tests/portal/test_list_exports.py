"""The exports of every portal list (issue 17, item 4) through the one declarative mechanism
(apps/portal/list_exports.py): each opens as CSV and as XLSX with its header, holds the rows the list shows with
its filters, neutralises formulas, is refused to a role that may not read the list, and is audited."""

import csv
import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.analytics.services.dashboards import dashboard_create
from apps.analytics.services.widgets import widget_add
from apps.audit.models import AuditEvent
from apps.compliance.services.alerts import alert_resolve
from apps.ml.models import ModelVersion, PredictionLog, RegisteredModel
from tests.analytics.world import build_world
from tests.portal import data

pytestmark = pytest.mark.django_db

# url name, url arguments, the roles that may export ("officer", "analyst"), the first header
EXPORTS = [
    ("alerts_export", {}, {"officer"}, "id"),
    ("reports_export", {}, {"officer"}, "run id"),
    ("workflows_export", {}, {"officer", "analyst"}, "step id"),
    ("incident_metrics_export", {}, {"officer", "analyst"}, "severity"),
    ("analytics_dashboards_export", {}, {"officer", "analyst"}, "id"),
    ("analytics_alerts_export", {}, {"officer", "analyst"}, "id"),
    ("analytics_insights_export", {}, {"officer", "analyst"}, "id"),
    ("analytics_reports_scope_export", {"scope": "platform"}, {"officer"}, "run id"),
    ("ml_models_export", {}, {"officer", "analyst"}, "name"),
    ("ml_jobs_export", {}, {"officer", "analyst"}, "id"),
    ("ml_predictions_export", {}, {"officer", "analyst"}, "prediction id"),
    ("ml_drift_export", {}, {"officer", "analyst"}, "id"),
    ("ml_experiments_export", {}, {"officer", "analyst"}, "key"),
    ("ml_bandits_export", {}, {"officer", "analyst"}, "model"),
    ("integration_registry_export", {}, {"analyst"}, "service"),
    ("integration_usage_export", {}, {"analyst"}, "day"),
]


def url(name: str, fmt: str, **kwargs) -> str:
    return reverse(f"portal:{name}", kwargs={**kwargs, "fmt": fmt})


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def exports_recorded() -> list[dict]:
    return list(AuditEvent.objects.filter(action="core.list_exported").order_by("id").values_list("changes", flat=True))


@pytest.fixture
def clients(officer_client, analyst_client):
    return {"officer": officer_client, "analyst": analyst_client}


@pytest.mark.parametrize(("name", "kwargs", "roles", "first"), EXPORTS, ids=[row[0] for row in EXPORTS])
def test_each_list_exports_as_csv_and_xlsx_with_its_header_to_its_roles_only(clients, name, kwargs, roles, first):
    allowed = clients[sorted(roles)[0]]

    csv_header = csv_rows(allowed.get(url(name, "csv", **kwargs)))[0]
    xlsx_header = xlsx_rows(allowed.get(url(name, "xlsx", **kwargs)))[0]

    assert csv_header[0] == first and tuple(csv_header) == xlsx_header
    assert [changes["format"] for changes in exports_recorded()] == ["csv", "xlsx"]
    for role in {"officer", "analyst"} - roles:
        assert clients[role].get(url(name, "csv", **kwargs)).status_code == 403
    assert len(exports_recorded()) == 2  # a refused export is not recorded
    assert allowed.get(url(name, "pdf", **kwargs)).status_code == 404


@pytest.mark.parametrize(
    ("page", "kwargs", "export"),
    [
        ("alerts", {}, "alerts_export"),
        ("reports", {}, "reports_export"),
        ("workflows", {}, "workflows_export"),
        ("incident_metrics", {}, "incident_metrics_export"),
        ("analytics_dashboards", {}, "analytics_dashboards_export"),
        ("analytics_alerts", {}, "analytics_alerts_export"),
        ("analytics_insights", {}, "analytics_insights_export"),
        ("analytics_reports_scope", {"scope": "platform"}, "analytics_reports_scope_export"),
        ("ml_models", {}, "ml_models_export"),
        ("ml_jobs", {}, "ml_jobs_export"),
        ("ml_predictions", {}, "ml_predictions_export"),
        ("ml_drift", {}, "ml_drift_export"),
        ("ml_experiments", {}, "ml_experiments_export"),
        ("ml_bandits", {}, "ml_bandits_export"),
    ],
)
def test_each_list_links_its_exports_with_its_filters(officer_client, page, kwargs, export):
    content = officer_client.get(reverse(f"portal:{page}", kwargs=kwargs), {"all": "1", "page": "1"}).content.decode()

    assert f'href="{url(export, "csv", **kwargs)}?all=1"' in content  # the page number is not a filter
    assert f'href="{url(export, "xlsx", **kwargs)}?all=1"' in content


@pytest.mark.parametrize("page", ["integration_registry", "integration_usage"])
def test_the_integration_pages_link_their_exports(analyst_client, page):
    content = analyst_client.get(reverse(f"portal:{page}")).content.decode()
    assert f'href="{url(page + "_export", "csv")}"' in content


def test_compliance_alerts_export_the_open_ones_or_all_with_formulas_neutralised(officer_client, actor):
    first, second = data.compliance_alerts(2)
    alert_resolve(alert=second, actor=actor, note="fixed")
    first.summary = '=HYPERLINK("http://x")'
    first.save(update_fields=["summary"])

    open_rows = csv_rows(officer_client.get(url("alerts_export", "csv")))
    header, *every_row = xlsx_rows(officer_client.get(url("alerts_export", "xlsx"), {"all": "1"}))

    assert [(row[0], row[5]) for row in open_rows[1:]] == [(str(first.pk), '\'=HYPERLINK("http://x")')]
    assert sorted(row[0] for row in every_row) == sorted([first.pk, second.pk])
    assert {row[0]: row[2] for row in every_row}[second.pk] == "resolved"
    assert exports_recorded() == [
        {"list": "compliance-alerts", "format": "csv", "rows": 1, "filters": ""},
        {"list": "compliance-alerts", "format": "xlsx", "rows": 2, "filters": "all=1"},
    ]


def test_the_prediction_log_exports_with_its_model_filter(analyst_client, tenant):
    rows = {}
    for name in ("win-prob", "churn"):
        model = RegisteredModel.objects.create(name=name, label=name)
        version = ModelVersion.objects.create(
            model=model, number=1, artifact=b"", artifact_sha256="0" * 64, artifact_size=0, data_fingerprint="f",
            train_rows=1, test_rows=1, code_version="t", trained_by_label="t",
        )  # fmt: skip
        rows[name] = PredictionLog.objects.create(
            model=model,
            version=version,
            alias="champion",
            prediction_id=uuid.uuid4(),
            tenant=tenant,
            features={"x": 1},
            output={},
        )

    exported = csv_rows(analyst_client.get(url("ml_predictions_export", "csv"), {"model": "churn"}))

    expected = [(str(rows["churn"].prediction_id), "churn", tenant.guild_id)]
    assert [(row[0], row[1], row[4]) for row in exported[1:]] == expected


def test_the_drill_down_exports_the_bets_behind_the_clicked_bar(officer_client, officer, actor, tenant):
    world = build_world(tenant=tenant, actor=actor, suffix="1")
    board = dashboard_create(owner=officer, actor=actor, title="Leagues by day")
    widget = widget_add(dashboard=board, editor=officer, actor=actor, title="By league", chart_type="bar",
                        query={"metrics": "bets_placed", "group_by": "league", "grain": "day"})  # fmt: skip
    point = {"bucket": world.day.date().isoformat(), "filter_league": "nba"}
    arguments = {"dashboard_id": board.pk, "widget_id": widget.pk}

    header, *rows = csv_rows(officer_client.get(url("analytics_drill_export", "csv", **arguments), point))
    wrong = officer_client.get(url("analytics_drill_export", "csv", **arguments), {"bucket": "yesterday"})

    assert header[:2] == ["message id", "placed at (UTC)"]
    assert sorted(row[0] for row in rows) == ["11001", "11003", "11004"]
    assert {row[4] for row in rows} == {"nba"}  # the league the bar was clicked on
    assert wrong.status_code == 400 and b"is not a day bucket" in wrong.content
    assert [changes["rows"] for changes in exports_recorded()] == [3]


def test_the_usage_export_refuses_an_unknown_guild_with_a_message(analyst_client):
    response = analyst_client.get(url("integration_usage_export", "csv"), {"guild_id": "999999999999999999"})

    assert response.status_code == 400 and b"999999999999999999" in response.content
    assert exports_recorded() == []


def test_a_report_scope_export_needs_the_scopes_permission(analyst_client, tenant):
    assert analyst_client.get(url("analytics_reports_scope_export", "csv", scope="platform")).status_code == 403
    assert analyst_client.get(url("analytics_reports_scope_export", "csv", scope="123")).status_code == 404
    rows = csv_rows(analyst_client.get(url("analytics_reports_scope_export", "csv", scope=tenant.guild_id)))
    assert rows[0][0] == "run id" and rows[1:] == []
