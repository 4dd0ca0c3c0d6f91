"""Releases recorded as they start (`manage.py release_start`, run by the migration Job): version, commit,
migrations applied and pending, who, when; audited; closed as migrated or failed. And deployment configurations
saved through the admin: validated (a configuration that cannot render valid manifests is refused with a message
naming the field, nothing written) and audited."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.integration.deployment.services import release_reconcile
from apps.integration.models.deployment import DeploymentEnvironment, Release, ReleaseStatus
from tests.admin.helpers import form_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db
# the release brings the integration app's newest migrations that may run again: its idempotent data migrations
# (the seeded environments, the ml queue) and merges, from the leaf back to the newest schema change (which stays
# applied: a migration may not be unapplied while one that depends on it is applied)
RERUNNABLE = {("integration", "0003_scaling_seed_environments"), ("integration", "0005_mlreg_queue")}


def _release_migrations() -> list[tuple[str, str]]:
    """The re-runnable migrations none of whose descendants (`backwards_plan`) is a schema change, in plan order."""
    graph = MigrationLoader(connection).graph
    (leaf,) = [node for node in graph.leaf_nodes() if node[0] == "integration"]

    def rerunnable(node) -> bool:
        return node in RERUNNABLE or (node[0] == "integration" and graph.nodes[node].operations == [])

    return [
        node
        for node in graph.forwards_plan(leaf)
        if rerunnable(node) and all(rerunnable(descendant) for descendant in graph.backwards_plan(node))
    ]


def _names(migrations: list[tuple[str, str]]) -> list[str]:
    return [f"{app}.{name}" for app, name in migrations]


JSON_FIELDS = ["hosts", "config", "secret_names", "worker_groups"]


def _start(*arguments: str) -> Release:
    call_command("release_start", *arguments, stdout=io.StringIO())
    return Release.objects.latest("pk")


def test_a_release_with_nothing_pending_is_recorded_as_migrated_with_who_and_which_commit(settings):
    settings.GIT_COMMIT = "0123456789abcdef0123456789abcdef01234567"
    release = _start("--version", "2026.12.1", "--env", "production", "--actor", "ci pipeline #42")

    assert (release.version, release.environment.name, release.git_commit) == (
        "2026.12.1",
        "production",
        settings.GIT_COMMIT,
    )
    assert (release.started_by, release.status, release.pending_migrations) == ("ci pipeline #42", "migrated", [])
    assert release.applied_migration_count == MigrationRecorder(connection).migration_qs.count()
    event = AuditEvent.objects.get(action="integration.release_started")
    assert (event.actor_label, event.changes["version"]) == ("ci pipeline #42", "2026.12.1")


def test_pending_migrations_are_recorded_then_the_release_closes_when_they_are_applied_or_fails_after_the_timeout():
    recorder = MigrationRecorder(connection)
    brought = _release_migrations()
    for migration in brought:  # as if this release brought them (the seed's rows stay: it is idempotent)
        recorder.record_unapplied(*migration)

    release = _start("--version", "2026.12.2", "--git-commit", "abc123")
    assert (release.status, release.pending_migrations) == (
        ReleaseStatus.STARTED,
        _names(brought),
    )
    assert release_reconcile() == 0  # still running: migrations pending, within the timeout
    assert release_reconcile(now=release.started_at + timedelta(hours=1)) == 1
    release.refresh_from_db()
    assert (release.status, release.detail) == ("failed", "still pending: " + ", ".join(_names(brought)))

    late = _start("--version", "2026.12.3")
    for migration in brought:
        recorder.record_applied(*migration)
    assert release_reconcile() == 1
    late.refresh_from_db()
    assert late.status == ReleaseStatus.MIGRATED and late.finished_at is not None


def test_release_start_with_migrate_runs_the_pending_migrations_and_records_the_outcome():
    brought = _release_migrations()
    for migration in brought:
        MigrationRecorder(connection).record_unapplied(*migration)

    release = _start("--version", "2026.12.4", "--migrate")

    assert (release.status, release.pending_migrations) == ("migrated", _names(brought))
    assert len(brought) >= 2  # a data migration and the merge after it, at least
    assert MigrationRecorder(connection).migration_qs.filter(app=brought[0][0], name=brought[0][1]).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="integration.release_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "integration.release_started",
        "integration.release_migrated",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--version", " "), "--version must be 1 to 64 characters"),
        (("--version", "1.0", "--env", "moon"), "No deployment environment 'moon'"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_recorded(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("release_start", *arguments)
    assert not Release.objects.exists()


def _form(page, **changes) -> dict:
    """The admin form's current values (JSON fields as the JSON text the page shows), with `changes`."""
    environment = page.context["adminform"].form.instance
    json_fields = {name: json.dumps(getattr(environment, name)) for name in JSON_FIELDS}
    return {**form_data(page), **json_fields, **changes}


@pytest.fixture
def admin_client(staff_user):
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


def test_the_admin_saves_a_configuration_through_the_service_with_an_audit_record(admin_client):
    staging = DeploymentEnvironment.objects.get(name="staging")
    url = reverse("admin:integration_deploymentenvironment_change", args=[staging.pk])
    page = admin_client.get(url)

    response = admin_client.post(url, _form(page, web_replicas="4", hosts='["beta.portal.example.com"]'))

    assert response.status_code == 302
    staging.refresh_from_db()
    assert (staging.web_replicas, staging.hosts) == (4, ["beta.portal.example.com"])
    event = AuditEvent.objects.get(action="integration.deployment_environment_updated")
    assert event.changes["web_replicas"] == {"before": 2, "after": 4}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hosts", '["Not A Host"]', "is not a host name"),
        ("config", '{"DJANGO_SECRET_KEY": "hunter2"}', "looks secret: put it in a Secret"),
        ("worker_groups", '[{"name": "all", "queues": ["urgent", "celery"]}]', "No worker group takes"),
        ("worker_groups", '[{"name": "x", "queues": ["nowhere"]}]', "unknown queues"),
        ("web_cpu_limit", "lots", "A CPU quantity"),
    ],
)
def test_a_configuration_that_cannot_render_valid_manifests_is_refused_with_a_message(
    admin_client, field, value, message
):
    production = DeploymentEnvironment.objects.get(name="production")
    url = reverse("admin:integration_deploymentenvironment_change", args=[production.pk])
    before = DeploymentEnvironment.objects.values().get(pk=production.pk)

    response = admin_client.post(url, _form(admin_client.get(url), **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert DeploymentEnvironment.objects.values().get(pk=production.pk) == before
    assert not AuditEvent.objects.filter(action__startswith="integration.deployment_environment").exists()


def test_releases_are_listed_read_only_in_the_admin(admin_client):
    _start("--version", "2026.12.9", "--env", "staging")
    changelist = admin_client.get(reverse("admin:integration_release_changelist"))

    assert "2026.12.9" in changelist.content.decode()
    assert admin_client.get(reverse("admin:integration_release_add")).status_code == 403
