"""Issue 17: remediation tasks in the portal. An officer creates a task (from a failing check run or a
requirement), assigns it to an analyst, the analyst finds it under "Mine" and completes it with a note; the
filters (open, mine, done, all) and the empty lists say what creates the first task. Every change is audited;
bad input answers 4xx and writes nothing; analysts may not create or assign, nor complete others' tasks."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.compliance.models import RemediationTask
from apps.compliance.services.remediation_tasks import remediation_task_create
from apps.core.actors import Actor

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("remediation tests")


def _state() -> tuple:
    tasks = list(RemediationTask.objects.order_by("pk").values_list("status", "assignee_id", "completion_note"))
    return tasks, AuditEvent.objects.filter(action__startswith="compliance.remediation").count()


@pytest.fixture
def task(catalogue):
    return remediation_task_create(actor=ACTOR, title="Enable MFA for root", requirement_key="portaltest:PT-1.1")


def test_an_officer_creates_assigns_and_an_analyst_completes_a_task(officer_client, analyst, analyst_client, catalogue):
    run = catalogue["failing"]
    form = officer_client.get(reverse("portal:remediation_new"), {"check_run": run.pk}).content.decode()
    assert "Fix: portal.mfa: fail" in form and "portaltest:PT-1.1" in form  # filled in from the run

    due = (date.today() + timedelta(days=7)).isoformat()
    created = officer_client.post(
        reverse("portal:remediation_new"),
        {"title": "Enable MFA for root", "requirement_key": "portaltest:PT-1.1", "check_run": run.pk, "due_on": due},
    )
    assert created.status_code == 302
    task = RemediationTask.objects.get()
    assert (task.status, task.assignee, task.check_run, task.created_by) == ("open", None, run, "officer")
    assert (
        "No open task is assigned to you."
        in analyst_client.get(reverse("portal:remediation"), {"show": "mine"}).content.decode()
    )

    assigned = officer_client.post(reverse("portal:remediation_assign", args=[task.pk]), {"assignee": analyst.pk})
    assert assigned.status_code == 302
    mine = analyst_client.get(reverse("portal:remediation"), {"show": "mine"}).content.decode()
    assert f'data-task="{task.pk}"' in mine and "Mine (1)" in mine
    assert reverse("portal:remediation_assign", args=[task.pk]) not in mine  # analysts do not assign

    done = analyst_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": "Enrolled a key."})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_by, task.completion_note) == ("done", analyst, "Enrolled a key.")
    assert task.completed_at is not None
    listed = officer_client.get(reverse("portal:remediation"), {"show": "done"}).content.decode()
    assert f'data-task="{task.pk}"' in listed and "by analyst" in listed
    actions = list(
        AuditEvent.objects.filter(target_id=str(task.pk), action__startswith="compliance.remediation")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("compliance.remediation_created", "officer"),
        ("compliance.remediation_assigned", "officer"),
        ("compliance.remediation_completed", "analyst"),
    ]
    for page in (
        reverse("portal:requirement", kwargs={"framework_id": "portaltest", "ref": "PT-1.1"}),
        reverse("portal:check_run", kwargs={"run_id": run.pk}),
    ):
        assert f'data-task="{task.pk}"' in officer_client.get(page).content.decode()


def test_an_officer_completes_a_task_on_someones_behalf(officer, officer_client, task):
    response = officer_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": "Done by ops."})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_by) == ("done", officer)


def test_the_filters_list_the_right_tasks(officer, officer_client, analyst, catalogue):
    mine = remediation_task_create(actor=ACTOR, title="Mine", assignee=officer)
    theirs = remediation_task_create(actor=ACTOR, title="Theirs", assignee=analyst)
    closed = remediation_task_create(actor=ACTOR, title="Closed", assignee=officer)
    officer_client.post(reverse("portal:remediation_complete", args=[closed.pk]), {"note": "ok"})

    def listed(show):
        page = officer_client.get(reverse("portal:remediation"), {"show": show}).content.decode()
        return {task.title for task in (mine, theirs, closed) if f'data-task="{task.pk}"' in page}

    assert listed("open") == {"Mine", "Theirs"}
    assert listed("mine") == {"Mine"}
    assert listed("done") == {"Closed"}
    assert listed("all") == {"Mine", "Theirs", "Closed"}
    assert listed("nonsense") == {"Mine", "Theirs"}  # an unknown filter shows the open tasks


def test_empty_lists_say_what_creates_the_first_task(officer_client, analyst_client, db):
    new_task = reverse("portal:remediation_new")
    for show in ("open", "mine", "done", "all"):
        page = officer_client.get(reverse("portal:remediation"), {"show": show}).content.decode()
        assert f'<a href="{new_task}">New task</a>' in page, show
        assert reverse("portal:check_runs") in page
    analyst_page = analyst_client.get(reverse("portal:remediation")).content.decode()
    assert "Compliance officers create and assign tasks" in analyst_page and new_task not in analyst_page


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"title": ""}, 400, "This field is required."),
        ({"title": "x", "requirement_key": "portaltest:NOPE"}, 400, "No requirement"),
        ({"title": "x", "due_on": "2001-01-01"}, 400, "The due date is in the past."),
        ({"title": "x", "due_on": "soon"}, 400, "Enter a valid date."),
        ({"title": "x", "check_run": "999999"}, 400, "That check run does not exist."),
        ({"title": "x", "assignee": "999999"}, 400, "Choose a compliance officer or a security analyst"),
    ],
)
def test_bad_new_tasks_show_the_form_again_and_write_nothing(officer_client, catalogue, payload, status, message):
    before = _state()

    response = officer_client.post(reverse("portal:remediation_new"), payload)

    assert response.status_code == status and message in response.content.decode()
    assert _state() == before


def test_bad_assignments_and_completions_write_nothing(officer_client, staff_user, task):
    ops = staff_user("ops", username="ops-person")
    before = _state()

    not_assignable = officer_client.post(reverse("portal:remediation_assign", args=[task.pk]), {"assignee": ops.pk})
    no_note = officer_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": " "})
    unknown = officer_client.post(reverse("portal:remediation_assign", args=[999999]), {"assignee": ""})

    assert not_assignable.status_code == 400 and "Choose a compliance officer" in not_assignable.content.decode()
    assert no_note.status_code == 400 and "This field is required." in no_note.content.decode()
    assert unknown.status_code == 404
    assert _state() == before


def test_a_done_task_cannot_be_completed_or_assigned_again(officer_client, analyst, task):
    officer_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": "first"})
    before = _state()

    again = officer_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": "second"})
    reassigned = officer_client.post(reverse("portal:remediation_assign", args=[task.pk]), {"assignee": analyst.pk})

    assert again.status_code == 409 and "already done" in again.content.decode()
    assert reassigned.status_code == 409
    assert _state() == before


def test_analysts_may_not_create_assign_or_complete_others_tasks(analyst, analyst_client, officer, task):
    remediation_task_create(actor=ACTOR, title="Officer's own", assignee=officer)
    before = _state()

    assert analyst_client.get(reverse("portal:remediation_new")).status_code == 403
    assert analyst_client.post(reverse("portal:remediation_new"), {"title": "x"}).status_code == 403
    assert (
        analyst_client.post(reverse("portal:remediation_assign", args=[task.pk]), {"assignee": analyst.pk}).status_code
        == 403
    )
    refused = analyst_client.post(reverse("portal:remediation_complete", args=[task.pk]), {"note": "not mine"})
    assert refused.status_code == 403 and "Only the task&#x27;s assignee" in refused.content.decode()
    assert _state() == before


def test_sessions_without_a_second_factor_and_anonymous_visitors_change_nothing(portal_user, task):
    officer = portal_user("compliance_officer", username="officer-no-2fa")
    password_only = Client()
    password_only.force_login(officer)
    before = _state()
    for client in (password_only, Client()):
        for path, payload in [
            (reverse("portal:remediation_new"), {"title": "x"}),
            (reverse("portal:remediation_assign", args=[task.pk]), {"assignee": officer.pk}),
            (reverse("portal:remediation_complete", args=[task.pk]), {"note": "x"}),
        ]:
            response = client.post(path, payload)
            assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), path
    assert _state() == before


def test_a_task_created_from_a_check_run_keeps_its_link_when_more_runs_come(officer_client, catalogue):
    run = catalogue["failing"]
    officer_client.post(reverse("portal:remediation_new"), {"title": "From the run", "check_run": run.pk})

    page = officer_client.get(reverse("portal:remediation")).content.decode()
    assert reverse("portal:check_run", kwargs={"run_id": run.pk}) in page
