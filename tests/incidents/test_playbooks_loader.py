"""Playbooks as YAML in the repo: loaded after migrate, versioned by content, validated with clear errors."""

import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.incidents.choices import IncidentKind, StepAction
from apps.incidents.models import Playbook, PlaybookStep
from apps.incidents.services.playbooks import PlaybookInvalid, playbooks_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(tmp_path):
    """A copy of the repo's playbooks to edit."""
    target = tmp_path / "playbooks"
    shutil.copytree(settings.INCIDENTS_PLAYBOOK_DIRECTORY, target)
    return target


def test_a_fresh_install_has_one_active_playbook_of_every_kind_from_the_repo():
    active = Playbook.objects.filter(is_active=True)

    assert sorted(active.values_list("kind", flat=True)) == sorted(IncidentKind.values)
    assert all(playbook.source_path == f"playbooks/{playbook.kind}.yaml" for playbook in active)
    api = active.get(kind=IncidentKind.API_KEY_COMPROMISE)
    assert list(api.steps.values_list("action", flat=True)) == [
        StepAction.REVOKE_API_KEY,
        StepAction.BLOCK_ADDRESS,
        StepAction.COLLECT_EVIDENCE,
        StepAction.MANUAL,
    ]
    assert api.steps.get(action=StepAction.MANUAL).owner_role == "ops"


def test_loading_unchanged_files_does_nothing(directory):
    before = dict(Playbook.objects.filter(is_active=True).values_list("kind", "version"))

    results = playbooks_load(directory=directory)

    assert [result.created for result in results] == [False] * len(IncidentKind.values)
    assert dict(Playbook.objects.filter(is_active=True).values_list("kind", "version")) == before
    assert not AuditEvent.objects.filter(action="incidents.playbook_loaded").exists()


def test_a_changed_file_becomes_the_next_active_version_and_the_old_one_stays(directory):
    path = directory / "fraud_ring.yaml"
    path.write_text(path.read_text().replace("due_minutes: 480", "due_minutes: 60"))
    old = Playbook.objects.get(kind="fraud_ring", is_active=True)

    results = playbooks_load(directory=directory, actor=Actor.system("test"))

    changed = [result for result in results if result.created]
    assert [(result.kind, result.version) for result in changed] == [("fraud_ring", old.version + 1)]
    new = Playbook.objects.get(kind="fraud_ring", is_active=True)
    assert new.version == old.version + 1
    assert new.steps.get(action="manual").due_minutes == 60
    old.refresh_from_db()
    assert not old.is_active
    assert old.steps.get(action="manual").due_minutes == 480  # a running incident keeps its steps
    assert AuditEvent.objects.filter(action="incidents.playbook_loaded").count() == 1


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "action: freeze_capper",
            "action: launch_missiles",
            "fraud_ring.yaml, step 1 (freeze-cappers): unknown action",
        ),
        (
            "    title: Freeze the cappers",
            "    titel: Freeze the cappers",
            "step 1 (freeze-cappers): unknown field(s) titel",
        ),
        ("    owner_role: security_analyst\n", "", "step 3 (review-bets): a manual step needs owner_role"),
        ("kind: fraud_ring", "kind: fraud_rings", "fraud_ring.yaml: kind 'fraud_rings' is not one of"),
        ("slug: review-bets", "slug: freeze-cappers", "step slug(s) freeze-cappers used twice"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_step_and_nothing_is_loaded(directory, replace, by, message):
    (directory / "bot_abuse.yaml").write_text((directory / "bot_abuse.yaml").read_text() + "\n# changed\n")
    path = directory / "fraud_ring.yaml"
    path.write_text(path.read_text().replace(replace, by))
    count = Playbook.objects.count()

    with pytest.raises(PlaybookInvalid) as refused:
        playbooks_load(directory=directory)

    assert message in refused.value.message
    assert Playbook.objects.count() == count  # the valid change of bot_abuse.yaml is not loaded either
    assert PlaybookStep.objects.filter(playbook__kind="bot_abuse", playbook__is_active=True).exists()


def test_the_command_loads_and_reports_and_refuses_a_bad_file(directory):
    (directory / "other.yaml").write_text((directory / "other.yaml").read_text() + "\n# edited\n")
    out = StringIO()

    call_command("incidents_load_playbooks", directory=str(directory), stdout=out)

    assert "other loaded as version 2" in out.getvalue()
    assert "9 playbooks, 1 new version(s)." in out.getvalue()
    (directory / "other.yaml").write_text("kind: other\nname: x\nsteps: []\n")
    with pytest.raises(CommandError, match="Nothing loaded. .*other.yaml: steps must be a non-empty list"):
        call_command("incidents_load_playbooks", directory=str(directory), stdout=out)
