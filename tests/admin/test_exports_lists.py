"""Exports of the other main admin lists (issue 17, item 4): cappers, ledger entries, games, odds quotes, incidents,
tenants and webhook endpoints, through apps.core.admin.exports: the list's filters and search, formulas
neutralised, the model's view permission, the audit trail."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.betting.models import Capper, Game, LedgerEntry, OddsQuote
from apps.betting.services import capper_create
from apps.incidents.models import Incident
from apps.notifications.models import WebhookEndpoint
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create, tenant_suspend

pytestmark = pytest.mark.django_db

LISTS = [
    (Capper, "id"),
    (LedgerEntry, "id"),
    (Game, "provider id"),
    (OddsQuote, "game"),
    (Incident, "id"),
    (Tenant, "guild id"),
    (WebhookEndpoint, "id"),
]


def export_url(model, fmt: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export", args=[fmt])


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )


def exports_recorded() -> list[dict]:
    return list(AuditEvent.objects.filter(action="core.list_exported").order_by("id").values_list("changes", flat=True))


@pytest.fixture
def cappers(actor):
    """Two tenants with a capper each, one named like a formula; the second tenant suspended."""
    made = []
    for number, name in enumerate(["=2+5", "Plain"]):
        tenant = tenant_create(actor=actor, guild_id=str(750000000000000000 + number), name=f"Export {number}")
        member = member_create(
            actor=actor, tenant=tenant, discord_user_id=str(850000000000000000 + number), username=f"e{number}"
        )
        made.append(capper_create(tenant=tenant, actor=actor, discord_user_id=member.discord_user_id, username=name))
    tenant_suspend(tenant=made[1].tenant, actor=actor, reason="test")
    return made


@pytest.mark.parametrize(("model", "first"), LISTS, ids=[model.__name__ for model, _ in LISTS])
def test_each_list_exports_as_csv_and_xlsx_and_the_list_links_them(superuser_client, model, first):
    csv_header = csv_rows(superuser_client.get(export_url(model, "csv")))[0]
    xlsx_header = xlsx_rows(superuser_client.get(export_url(model, "xlsx")))[0]
    page = superuser_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))

    assert csv_header[0] == first and tuple(csv_header) == xlsx_header
    assert f'href="{export_url(model, "csv")}"' in page.content.decode()
    assert [changes["format"] for changes in exports_recorded()] == ["csv", "xlsx"]


def test_cappers_export_with_the_search_and_formulas_neutralised(superuser_client, cappers):
    header, *rows = csv_rows(superuser_client.get(export_url(Capper, "csv"), {"q": "=2"}))

    assert header[:3] == ["id", "display name", "Discord user id"]
    assert [(row[0], row[1], row[3]) for row in rows] == [(str(cappers[0].pk), "'=2+5", "750000000000000000")]
    assert exports_recorded() == [{"list": "betting-capper", "format": "csv", "rows": 1, "filters": "q=%3D2"}]


def test_tenants_export_with_the_status_filter_and_member_counts(superuser_client, cappers):
    header, *rows = xlsx_rows(superuser_client.get(export_url(Tenant, "xlsx"), {"status__exact": "suspended"}))

    row = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1 and row["guild id"] == "750000000000000001" and row["status"] == "suspended"
    assert row["members"] == 1 and isinstance(row["members"], int)


@pytest.mark.parametrize("model", [Incident, WebhookEndpoint])
def test_staff_without_the_view_permission_may_not_export(staff_user, staff_client, model):
    support = staff_client(staff_user(StaffRole.SUPPORT, username="support"))

    assert support.get(export_url(model, "csv")).status_code == 403
    assert exports_recorded() == []


def test_support_staff_export_the_cappers_they_may_view(staff_user, staff_client, cappers):
    support = staff_client(staff_user(StaffRole.SUPPORT, username="support"))
    assert sorted(row[1] for row in csv_rows(support.get(export_url(Capper, "csv")))[1:]) == ["'=2+5", "Plain"]
