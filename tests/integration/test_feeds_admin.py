"""Feed sources in the admin (saved through the service, mirrors checked by the SSRF guard, audited; runs
read-only), and beat's sweep, which enqueues a run of each source that is due."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.beat import declared_schedules
from apps.core.outbound import breakers
from apps.integration.feeds.tasks import feeds_dispatch_task
from apps.integration.models import FeedRunStatus, FeedSource, FeedSyncRun
from tests.integration.feed_server import LocalFeed, game_item
from tests.integration.outbound_helpers import local_server
from tests.second_factor import verified_client

ADD = reverse("admin:integration_feedsource_add")
FORM = {
    "name": "scores",
    "mirror_weights": "{}",
    "strategy": "round_robin",
    "is_enabled": "on",
    "interval_seconds": "60",
}


@pytest.fixture
def admin_client(staff_user):
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


@pytest.fixture
def feed():
    server = local_server()
    yield LocalFeed(server)
    server.stop()


def test_a_source_added_in_the_admin_is_saved_by_the_service_and_audited(admin_client):
    urls = "http://127.0.0.1:8081/v1/games\nhttp://localhost:8082/v1/games"

    response = admin_client.post(ADD, {**FORM, "base_urls": urls})

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    source = FeedSource.objects.get()
    assert source.base_urls == urls.split("\n")
    assert AuditEvent.objects.filter(action="integration.feed_source_created", target_id=str(source.pk)).count() == 1


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ("http://10.0.0.5/v1/games", "private, loopback or link-local"),
        ("http://169.254.169.254/latest/", "private, loopback or link-local"),
        ("ftp://feed.example.org/games", "Only http and https URLs"),
        ("", "This field is required"),
    ],
)
def test_a_mirror_the_guard_refuses_is_a_form_error_and_nothing_is_written(admin_client, urls, message):
    response = admin_client.post(ADD, {**FORM, "base_urls": urls})

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["base_urls"])
    assert (FeedSource.objects.count(), AuditEvent.objects.filter(action__startswith="integration.").count()) == (0, 0)


def test_runs_are_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:integration_feedsyncrun_add")).status_code == 403


def test_the_sweep_is_declared_for_beat():
    names = {schedule["task"] for schedule in declared_schedules()}
    assert "apps.integration.feeds.tasks.feeds_dispatch_task" in names


def test_the_sweep_runs_the_due_sources_only(db, feed, django_capture_on_commit_callbacks):
    feed.publish([game_item("nba-1")])
    now = timezone.now()
    due = FeedSource.objects.create(name="due", base_urls=[feed.url], interval_seconds=60)
    never = FeedSource.objects.create(name="never-run", base_urls=[feed.url])
    FeedSource.objects.create(name="recent", base_urls=[feed.url], last_run_at=now - timedelta(seconds=30))
    FeedSource.objects.create(name="off", base_urls=[feed.url], is_enabled=False)
    FeedSource.objects.filter(pk=due.pk).update(last_run_at=now - timedelta(seconds=61))

    with django_capture_on_commit_callbacks(execute=True):
        assert feeds_dispatch_task.apply().get() == 2

    runs = {run.source_id: run.status for run in FeedSyncRun.objects.all()}
    assert runs == {due.pk: FeedRunStatus.OK, never.pk: FeedRunStatus.OK}


def test_the_change_page_shows_the_sources_circuit_as_every_worker_sees_it(admin_client, settings):
    settings.OUTBOUND_BREAKER_FAILURE_THRESHOLD = 1
    source = FeedSource.objects.create(name="scores", base_urls=["http://127.0.0.1:8081/v1/games"])
    breakers.record(breakers.acquire(source.upstream), is_success=False)

    response = admin_client.get(reverse("admin:integration_feedsource_change", args=[source.pk]))

    assert "open (opened 1 times)" in response.content.decode()


def test_the_pull_now_action_runs_the_selected_sources(admin_client, feed, django_capture_on_commit_callbacks):
    feed.publish([game_item("nba-1")])
    source = FeedSource.objects.create(name="scores", base_urls=[feed.url])
    changelist = reverse("admin:integration_feedsource_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(changelist, {"action": "sync_now", "_selected_action": [source.pk]})

    assert response.status_code == 302
    assert list(FeedSyncRun.objects.values_list("source__name", "status", "games_created")) == [
        ("scores", FeedRunStatus.OK, 1)
    ]
