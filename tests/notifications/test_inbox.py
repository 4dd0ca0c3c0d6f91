"""The portal inbox at /portal/inbox/: own items only, marked read by their owner, an unread badge in the
portal's top bar, and the portal's second factor required."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.notifications.choices import EventKind
from apps.notifications.models import InboxItem
from apps.notifications.services import Recipients, notification_send
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(staff_user):
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="analyst", email="")
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer", email="")
    for number in range(3):
        notification_send(
            kind=EventKind.MEMORY_THRESHOLD,
            key=f"memory:{number}:high",
            context={"snapshot_id": number, "process": "web", "level": "high", "previous_level": "low", "rss_mib": 1},
            recipients=Recipients(user_ids=[analyst.pk, officer.pk]),
        )
    return analyst, officer


def test_the_inbox_lists_own_items_and_the_badge_counts_unread(people):
    analyst, _ = people
    response = verified_client(analyst).get(reverse("notifications:inbox"))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="unread"') == 3
    assert '<span class="badge" aria-label="3 unread">3</span>' in body
    assert "[DBSBM ops] Memory HIGH: web at 1 MiB" in body
    assert 'href="/portal/inbox/"' in body  # the page is in the portal navigation


def test_marking_read_changes_only_the_owners_item(people):
    analyst, officer = people
    own = InboxItem.objects.filter(user=analyst).first()
    other = InboxItem.objects.filter(user=officer).first()
    client = verified_client(analyst)

    assert client.post(reverse("notifications:inbox_item_read", args=[own.pk])).status_code == 302
    assert client.post(reverse("notifications:inbox_item_read", args=[other.pk])).status_code == 302

    own.refresh_from_db()
    other.refresh_from_db()
    assert own.read_at is not None and other.read_at is None
    assert InboxItem.objects.filter(user=officer, read_at=None).count() == 3
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert '<span class="badge" aria-label="2 unread">2</span>' in page

    client.post(reverse("notifications:inbox_all_read"))
    assert InboxItem.objects.filter(user=analyst, read_at=None).count() == 0
    assert InboxItem.objects.filter(user=officer, read_at=None).count() == 3


def test_a_session_without_the_second_factor_goes_to_sign_in_and_changes_nothing(people):
    analyst, _ = people
    client = Client()
    client.force_login(analyst)  # password only
    item = InboxItem.objects.filter(user=analyst).first()

    for response in (
        client.get(reverse("notifications:inbox")),
        client.post(reverse("notifications:inbox_item_read", args=[item.pk])),
        client.post(reverse("notifications:inbox_all_read")),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert InboxItem.objects.filter(user=analyst, read_at=None).count() == 3


@pytest.mark.parametrize("role", [StaffRole.OPS, StaffRole.SUPPORT])
def test_staff_without_a_portal_role_are_refused(staff_user, role):
    user = staff_user(role, username="other")
    response = verified_client(user).get(reverse("notifications:inbox"))
    assert response.status_code == 403


def test_other_portal_pages_show_the_badge_from_the_cache_without_a_query(
    staff_user, django_capture_on_commit_callbacks
):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer", email="")
    client = verified_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            kind=EventKind.MEMORY_THRESHOLD,
            key="memory:1:high",
            context={"snapshot_id": 1, "process": "web", "level": "high", "previous_level": "low", "rss_mib": 1},
            recipients=Recipients(user_ids=[officer.pk]),
        )

    page = client.get(reverse("portal:alerts")).content.decode()
    assert '<span class="badge" aria-label="1 unread">1</span>' in page

    item = InboxItem.objects.get(user=officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:inbox_item_read", args=[item.pk]))
    assert 'class="badge"' not in client.get(reverse("portal:alerts")).content.decode()
