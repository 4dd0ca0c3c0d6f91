"""The registry's portal pages: the map and a check's history render for a security analyst with a verified
second factor; without the second factor it is the login page, without the role a 403."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.integration.registry.runners import Probe
from apps.integration.registry.services import CheckSpec, check_result_record, registry_register
from tests.factories import UserFactory
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def _staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    return user


@pytest.fixture
def registered():
    instance = registry_register(
        service="worker.grading",
        kind="worker",
        instance_id="celery@w1",
        queues=["grading"],
        host="w1",
        pid=4242,
        version="1.0.0",
        git_commit="abc123def456",
        checks=[CheckSpec(name="ping", kind="celery_ping", target={"node": "celery@w1"})],
    )
    check = instance.checks.get()
    start = timezone.now() - timedelta(minutes=10)
    for minute, status in enumerate(["passing", "passing", "critical", "warning"]):
        probe = Probe(status=status, output=f"run {minute}", duration_ms=10 + minute)
        check_result_record(check=check, probe=probe, now=start + timedelta(minutes=minute))
    return check


def test_the_map_shows_services_instances_checks_and_metadata(registered, django_assert_max_num_queries):
    client = verified_client(_staff(StaffRole.SECURITY_ANALYST))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:integration_registry"))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["worker.grading", "celery@w1", "queues grading", "pid 4242", "commit abc123def456", "badge--medium"]:
        assert text in page
    assert reverse("portal:integration_registry_check", kwargs={"check_id": registered.pk}) in page


def test_the_history_of_a_check_has_its_timeline_and_state_changes(registered):
    client = verified_client(_staff(StaffRole.SECURITY_ANALYST))
    response = client.get(reverse("portal:integration_registry_check", kwargs={"check_id": registered.pk}))
    assert response.status_code == 200
    figure = response.context["figure"]
    assert figure["data"][0]["y"] == [0, 0, 2, 1]  # passing, passing, critical, warning
    assert [(c.from_status, c.to_status) for c in response.context["history"].transitions] == [
        ("critical", "warning"),
        ("passing", "critical"),
        ("", "passing"),
    ]
    assert client.get(reverse("portal:integration_registry_check", kwargs={"check_id": 999_999})).status_code == 404


def test_the_page_refuses_a_session_without_second_factor_and_a_role_without_access(registered):
    url = reverse("portal:integration_registry")
    password_only = Client()
    password_only.force_login(_staff(StaffRole.SECURITY_ANALYST))
    response = password_only.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))

    officer = verified_client(_staff(StaffRole.COMPLIANCE_OFFICER))
    assert officer.get(url).status_code == 403
    assert Client().get(url).status_code == 302
