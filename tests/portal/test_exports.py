"""CSV and XLSX exports of the portal's lists (issue 17, item 4): the list's rows with its filters, through
the portal's access rules (verified second factor, the list's roles), each export audited."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.fraud.choices import CaseStatus
from apps.fraud.services import fraud_case_triage
from apps.incidents.choices import IncidentSeverity
from apps.security.choices import AlertStatus
from apps.security.services import alert_triage
from tests.portal import data, incidents_data


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )


def exports_recorded() -> list[dict]:
    return list(AuditEvent.objects.filter(action="core.list_exported").values_list("changes", flat=True))


def test_fraud_cases_export_with_the_status_filter(analyst_client, db):
    cases = data.fraud_cases(3)
    fraud_case_triage(case=cases[0], actor=Actor.system("t"), status=CaseStatus.DISMISSED)

    rows = csv_rows(analyst_client.get(reverse("portal:fraud_cases_export", args=["csv"]), {"status": "new"}))

    assert rows[0][:4] == ["id", "kind", "score", "status"]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(case.pk for case in cases[1:])
    assert exports_recorded() == [{"list": "fraud-cases", "format": "csv", "rows": 2, "filters": "status=new"}]


def test_security_alerts_export_as_xlsx_with_the_status_filter(officer_client, db):
    alerts = data.security_alerts(3)
    alert_triage(alert=alerts[2], actor=Actor.system("t"), status=AlertStatus.RESOLVED)

    header, *rows = xlsx_rows(
        officer_client.get(reverse("portal:security_alerts_export", args=["xlsx"]), {"status": "resolved"})
    )

    assert header[:4] == ("id", "title", "severity", "status")
    assert [(row[0], row[3]) for row in rows] == [(alerts[2].pk, "resolved")]
    assert isinstance(rows[0][5], int)  # the detection count stays a number


def test_data_subject_requests_export_for_officers_only(officer_client, analyst_client, db):
    requests = data.data_subject_requests(2)
    url = reverse("portal:dsrs_export", args=["csv"])

    assert sorted(int(row[0]) for row in csv_rows(officer_client.get(url))[1:]) == sorted(r.pk for r in requests)
    assert analyst_client.get(url).status_code == 403
    assert len(exports_recorded()) == 1  # the refused export is not recorded


def test_incidents_export_with_the_list_filters(officer_client, db):
    high = incidents_data.incident(1, title="=1+2 high", severity=IncidentSeverity.HIGH)
    incidents_data.incident(2, title="low", severity=IncidentSeverity.LOW)

    rows = csv_rows(officer_client.get(reverse("portal:incidents_export", args=["csv"]), {"severity": "high"}))

    assert [(row[0], row[1]) for row in rows[1:]] == [(str(high.pk), "'=1+2 high")]


@pytest.mark.parametrize("name", ["fraud_cases_export", "security_alerts_export", "dsrs_export", "incidents_export"])
def test_exports_need_a_verified_second_factor(officer, name):
    client = Client()
    client.force_login(officer)  # password only

    response = client.get(reverse(f"portal:{name}", args=["csv"]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert exports_recorded() == []


def test_an_unknown_format_is_404(officer_client, db):
    assert officer_client.get(reverse("portal:fraud_cases_export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize(
    ("page", "export"),
    [
        ("portal:fraud_cases", "portal:fraud_cases_export"),
        ("portal:security_alerts", "portal:security_alerts_export"),
        ("portal:dsrs", "portal:dsrs_export"),
        ("portal:incidents", "portal:incidents_export"),
    ],
)
def test_each_list_links_its_exports_with_its_filters(officer_client, db, page, export):
    content = officer_client.get(reverse(page), {"status": "new"}).content.decode()
    assert f'href="{reverse(export, args=["csv"])}?status=new"' in content
    assert f'href="{reverse(export, args=["xlsx"])}?status=new"' in content
