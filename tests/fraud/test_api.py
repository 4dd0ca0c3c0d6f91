"""The fraud-case API: platform keys with security:read to read, security:write to triage (audited)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.models import FraudCase, FraudCaseEvent
from apps.fraud.services import fraud_case_record

pytestmark = pytest.mark.django_db
LIST = "/api/v1/security/fraud-cases/"


@pytest.fixture
def cases(make_capper, actor, other_tenant):
    first, second = make_capper("first"), make_capper("second", tenant=other_tenant)
    ring, _ = fraud_case_record(
        finding=Finding(FraudKind.OPPOSITE_SIDE_RING, (first.pk, second.pk), 0.8, "Opposite sides.", {"meetings": 6}),
        actor=actor,
    )
    late, _ = fraud_case_record(
        finding=Finding(FraudKind.LATE_POSTING, (first.pk,), 0.6, "Late wins.", {"late_bets": 12}), actor=actor
    )
    return {"ring": ring, "late": late, "first": first, "second": second}


def test_list_shows_kind_score_status_members_evidence_and_explanation(cases, security_client):
    response = security_client.get(LIST, {"kind": "opposite_side_ring", "status": "new"})

    assert response.status_code == 200
    [case] = response.json()["results"]
    assert case["id"] == cases["ring"].pk
    assert (case["kind"], case["score"], case["status"]) == ("opposite_side_ring", 0.8, "new")
    assert case["members"] == [
        {"guild_id": cases["first"].tenant.guild_id, "discord_user_id": cases["first"].member.discord_user_id},
        {"guild_id": cases["second"].tenant.guild_id, "discord_user_id": cases["second"].member.discord_user_id},
    ]
    assert (case["evidence"], case["explanation"]) == ({"meetings": 6}, "Opposite sides.")


def test_list_costs_the_same_for_few_and_many_cases(cases, security_client, make_capper, actor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert security_client.get(LIST).status_code == 200
        return len(captured)

    queries()
    few = queries()
    for number in range(20):
        capper = make_capper(f"more{number}")
        fraud_case_record(finding=Finding(FraudKind.BOT_ACTIVITY, (capper.pk,), 0.5, "Regular.", {}), actor=actor)

    assert queries() == few <= 4


def test_retrieve_and_unknown_case(cases, security_client):
    assert security_client.get(f"{LIST}{cases['late'].pk}/").json()["kind"] == "late_posting"
    response = security_client.get(f"{LIST}999999/")
    assert response.status_code == 404 and response.json()["code"] == "fraud_case_not_found"


def test_patch_triages_and_is_audited(cases, security_client, staff_user):
    staff_user("security_analyst", username="ana")

    response = security_client.patch(
        f"{LIST}{cases['late'].pk}/", {"status": "confirmed", "assignee": "ana", "note": "Clear."}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assignee"]) == ("confirmed", "ana")
    event = AuditEvent.objects.get(action="fraud.case_triaged")
    assert event.actor_kind == "api_key" and event.target_id == str(cases["late"].pk)
    assert event.changes == {
        "assignee": {"before": None, "after": "ana"},
        "status": {"before": "new", "after": "confirmed"},
    }


@pytest.mark.parametrize(
    ("scopes", "tenant_key", "method", "status"),
    [
        (None, False, "get", 401),
        (None, False, "patch", 401),
        (["audit:read"], False, "get", 403),
        (["security:read"], False, "patch", 403),
        (["security:read", "security:write"], True, "get", 403),
        (["security:read", "security:write"], True, "patch", 403),
    ],
)
def test_refusals_change_nothing(
    cases, make_key, make_legacy_key, client_with_key, tenant, scopes, tenant_key, method, status
):
    if scopes is None:
        secret = None
    else:
        secret = (make_legacy_key(scopes, tenant=tenant) if tenant_key else make_key(scopes))[1]
    client = client_with_key(secret)
    before = (AuditEvent.objects.count(), FraudCaseEvent.objects.count())

    url = f"{LIST}{cases['late'].pk}/"
    response = client.get(url) if method == "get" else client.patch(url, {"status": "dismissed"}, format="json")

    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "fields"}
    assert FraudCase.objects.get(pk=cases["late"].pk).status == CaseStatus.NEW
    assert (AuditEvent.objects.count(), FraudCaseEvent.objects.count()) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "closed"},
        {"note": 5},
        {"status": "new", "extra": 1},
        {"status": "dismissed", "assignee": "nobody"},
    ],
)
def test_bad_triage_input_is_a_400(cases, security_client, body):
    response = security_client.patch(f"{LIST}{cases['late'].pk}/", body, format="json")

    assert response.status_code == 400
    assert FraudCase.objects.get(pk=cases["late"].pk).status == CaseStatus.NEW
