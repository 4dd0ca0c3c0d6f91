"""Exports of the main admin lists (issue 17, item 4): the rows the list shows, with its filters and search,
in CSV (streamed) and XLSX; only for staff who may view the model; each export audited. And the audit trail
searched by part of an action, an actor's name or a target's label."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.betting.choices import Market, Selection
from apps.betting.models import Bet
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.models import FraudCase
from apps.fraud.services import fraud_case_record, fraud_case_triage
from apps.privacy.models import DataSubjectRequest
from apps.tenants.services import tenant_create, tenant_suspend
from tests.admin.helpers import admin_url


def export_url(model, fmt: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export", args=[fmt])


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def exports_recorded() -> list[dict]:
    return list(AuditEvent.objects.filter(action="core.list_exported").order_by("id").values_list("changes", flat=True))


@pytest.fixture
def cases(actor, db):
    """Two fraud cases (one dismissed), the first with a capper named like a formula."""
    made = []
    for number, name in enumerate(['=HYPERLINK("http://x")', "plain"]):
        tenant = tenant_create(actor=actor, guild_id=str(710000000000000000 + number), name=f"G{number}")
        member = member_create(
            actor=actor, tenant=tenant, discord_user_id=str(810000000000000000 + number), username=f"m{number}"
        )
        capper = capper_create(tenant=tenant, actor=actor, discord_user_id=member.discord_user_id, username=name)
        finding = Finding(FraudKind.LATE_POSTING, (capper.pk,), 0.8, f"=cmd case {number}", {"late": 3})
        made.append(fraud_case_record(finding=finding, actor=actor)[0])
    fraud_case_triage(case=made[1], actor=actor, status=CaseStatus.DISMISSED)
    return made


@pytest.fixture
def bet(actor, db):
    tenant = tenant_create(actor=actor, guild_id="720000000000000000", name="Bets")
    member = member_create(actor=actor, tenant=tenant, discord_user_id="820000000000000000", username="capper")
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=member.discord_user_id, username="-Minus")
    game_upsert(
        actor=actor,
        external_id="game-x",
        sport="sport-x",
        league="league-x",
        home_team="Home",
        away_team="Away",
        starts_at=timezone.now() + timezone.timedelta(hours=1),
    )
    leg = LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game="game-x")
    placed, _ = bet_place(
        tenant=tenant, actor=actor, external_id="m-1", capper=capper, stake_units=Decimal("1.00"), legs=[leg]
    )
    return placed


def test_fraud_cases_export_as_csv_with_the_list_filter_and_is_audited(superuser_client, cases):
    response = superuser_client.get(export_url(FraudCase, "csv"), {"status": CaseStatus.NEW})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="fraud-fraudcase-20')
    rows = csv_rows(response)
    assert rows[0][:4] == ["id", "kind", "score", "status"]
    assert [(row[0], row[3], row[6]) for row in rows[1:]] == [(str(cases[0].pk), "new", "'=cmd case 0")]
    assert exports_recorded() == [{"list": "fraud-fraudcase", "format": "csv", "rows": 1, "filters": "status=new"}]


def test_the_whole_list_exports_when_no_filter_is_chosen(superuser_client, cases):
    rows = csv_rows(superuser_client.get(export_url(FraudCase, "csv")))
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(case.pk for case in cases)


def test_bets_export_as_xlsx_keeps_negative_odds_numeric_and_neutralises_text(superuser_client, bet):
    response = superuser_client.get(export_url(Bet, "xlsx"), {"q": "Minus"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["american odds"] == -110 and isinstance(row["american odds"], int)
    assert row["capper"] == "'-Minus"
    assert row["guild id"] == "720000000000000000"
    assert row["stake units"] == 1


def test_a_search_that_matches_nothing_exports_only_the_header(superuser_client, bet):
    assert csv_rows(superuser_client.get(export_url(Bet, "csv"), {"q": "nobody"}))[1:] == []


def test_the_export_action_exports_the_selected_rows(superuser_client, cases):
    response = superuser_client.post(
        admin_url(FraudCase, "changelist"), {"action": "export_csv", "_selected_action": [cases[1].pk]}
    )
    assert [row[0] for row in csv_rows(response)[1:]] == [str(cases[1].pk)]


def test_the_list_shows_export_buttons_carrying_its_filters(superuser_client, cases):
    content = superuser_client.get(admin_url(FraudCase, "changelist"), {"status": "new"}).content.decode()
    assert f'href="{export_url(FraudCase, "csv")}?status=new"' in content
    assert f'href="{export_url(FraudCase, "xlsx")}?status=new"' in content


@pytest.mark.parametrize("model", [FraudCase, DataSubjectRequest])
def test_staff_without_the_view_permission_are_refused_and_nothing_is_recorded(staff_user, staff_client, cases, model):
    support = staff_client(staff_user(StaffRole.SUPPORT, username="support"))  # reads bets, not cases or requests

    assert support.get(export_url(model, "csv")).status_code == 403
    assert support.get(admin_url(model, "changelist")).status_code == 403
    assert exports_recorded() == []


def test_support_staff_export_what_they_may_view(staff_user, staff_client, bet):
    support = staff_client(staff_user(StaffRole.SUPPORT, username="support"))
    assert [row[0] for row in csv_rows(support.get(export_url(Bet, "csv")))[1:]] == ["m-1"]


def test_bad_filters_or_formats_are_refused(superuser_client, cases):
    assert superuser_client.get(export_url(FraudCase, "csv"), {"no_such_field": "1"}).status_code == 400
    assert superuser_client.get(export_url(FraudCase, "pdf")).status_code == 404
    assert exports_recorded() == []


def test_the_audit_trail_exports_with_its_search(superuser_client, cases):
    listed = superuser_client.get(admin_url(AuditEvent, "changelist"), {"q": "triage"}).context["cl"].result_list
    response = superuser_client.get(export_url(AuditEvent, "csv"), {"q": "triage"})
    header, *rows = csv_rows(response)
    assert header[:3] == ["id", "occurred at (UTC)", "action"]
    assert [int(row[0]) for row in rows] == [event.pk for event in listed]
    assert len(rows) == 1 and "triage" in rows[0][2]  # the dismissal of the second case


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("suspend", {"tenants.tenant_suspended"}),  # part of an action
        ("ANALYST", {"tenants.tenant_suspended"}),  # part of an actor's name, any case
        ("bolt", {"tenants.tenant_created", "tenants.tenant_suspended"}),  # part of a target's label
    ],
)
def test_the_audit_trail_is_searched_by_part_of_an_action_actor_or_target(actor, superuser_client, query, expected):
    tenant = tenant_create(actor=actor, guild_id="730000000000000000", name="Lightning Bolt Guild")
    tenant_suspend(tenant=tenant, actor=Actor.system("night analyst"), reason="chargeback")
    tenant_create(actor=actor, guild_id="740000000000000000", name="Other")

    response = superuser_client.get(admin_url(AuditEvent, "changelist"), {"q": query})

    assert response.status_code == 200
    assert {event.action for event in response.context["cl"].result_list} == expected
