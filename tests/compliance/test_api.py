"""The compliance API: platform keys with compliance:read; frameworks, requirements with statuses, check runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance.checks.registry import checks_for
from apps.compliance.services.catalogues import Catalogue, CatalogueNode, catalogue_sync
from apps.compliance.services.runs import check_run_execute

pytestmark = pytest.mark.django_db
FRAMEWORKS = "/api/v1/compliance/frameworks/"
RUNS = "/api/v1/compliance/check-runs/"


def run(check_id):
    [check] = checks_for(check_id=check_id)
    return check_run_execute(check=check)


@pytest.fixture
def compliance_client(make_key, client_with_key):
    _, secret = make_key(["compliance:read"])
    return client_with_key(secret)


def test_frameworks_list_has_id_name_version_requirement_count_and_score(compliance_client):
    run("privacy.requests_overdue")

    response = compliance_client.get(FRAMEWORKS)

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert {"gdpr", "soc2", "pci_dss", "hipaa", "sox_itgc", "ccpa", "iso27001", "nist_csf", "betting_integrity"} <= set(
        rows
    )
    ccpa = rows["ccpa"]
    assert (ccpa["name"], ccpa["version"], ccpa["requirement_count"], ccpa["score"]) == (
        "CCPA / CPRA",
        "2023.cat1",
        6,
        100.0,
    )
    assert (ccpa["passing"], ccpa["manual"]) == (2, 4)
    assert rows["sox_itgc"]["score"] is None  # nothing assessed yet: no score, not 0 or 100


def test_requirements_of_a_framework_with_status_and_latest_check_results(compliance_client):
    stored = run("privacy.requests_overdue")

    response = compliance_client.get(f"{FRAMEWORKS}gdpr/requirements/")

    assert response.status_code == 200
    rows = {row["ref"]: row for row in response.json()}
    assert rows["Ch.III"]["is_group"] is True and rows["Ch.III"]["status"] == ""
    assert rows["Art.12(3)"]["status"] == "passing"
    assert rows["Art.12(3)"]["parent_ref"] == "Ch.III"
    [check] = rows["Art.12(3)"]["checks"]
    assert (check["check_run_id"], check["check_id"], check["evidence_sha256"]) == (
        stored.pk,
        "privacy.requests_overdue",
        stored.evidence_sha256,
    )
    assert rows["Art.33"]["status"] == "manual"


def test_unknown_framework_is_404(compliance_client):
    response = compliance_client.get(f"{FRAMEWORKS}nope/requirements/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert compliance_client.get(f"{FRAMEWORKS}nope/").status_code == 404


def test_check_runs_filtered_by_check_with_evidence(compliance_client):
    mfa = run("access.privileged_mfa")
    run("privacy.requests_overdue")

    response = compliance_client.get(RUNS, {"check": "access.privileged_mfa"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["check"], row["status"], row["evidence"]) == (mfa.pk, mfa.check_id, "pass", mfa.evidence)
    assert compliance_client.get(RUNS, {"status": "bogus"}).status_code == 400


def test_check_runs_list_costs_the_same_for_few_and_many(compliance_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert compliance_client.get(RUNS).status_code == 200
        return len(captured)

    run("privacy.requests_overdue")
    queries()  # the first request of a key also records its last use
    few = queries()
    for _ in range(10):
        run("access.privileged_mfa")
    assert queries() == few <= 3


@pytest.mark.parametrize(
    ("scopes", "tenant_key", "status"),
    [(["audit:read"], False, 403), (["compliance:read"], True, 403)],
)
def test_refusals_a_key_without_the_scope_or_a_tenant_key(
    make_key, make_legacy_key, client_with_key, tenant, scopes, tenant_key, status
):
    _, secret = make_legacy_key(scopes, tenant=tenant) if tenant_key else make_key(scopes)
    assert client_with_key(secret).get(FRAMEWORKS).status_code == status
    assert client_with_key(None).get(FRAMEWORKS).status_code == 401


def test_frameworks_list_costs_the_same_for_few_and_many_frameworks(compliance_client, actor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert compliance_client.get(FRAMEWORKS).status_code == 200
        return len(captured)

    run("privacy.requests_overdue")
    queries()
    few = queries()
    for number in range(5):
        nodes = [CatalogueNode("G", "Group", children=[CatalogueNode("G.1", "One")])]
        catalogue_sync(catalogue=Catalogue(f"extra-{number}", "Extra", "1", "catalogue", nodes), actor=actor)
    assert queries() == few <= 8
