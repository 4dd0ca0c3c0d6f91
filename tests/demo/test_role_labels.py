"""Role names are shown as words ("Compliance officer"), not slugs: the portal header, a workflow step's role,
the workflow step admin."""

import pytest
from django.contrib import admin
from django.template import Context, Template
from django.urls import reverse

from apps.accounts.choices import StaffRole, staff_role_label
from apps.compliance.admin.workflows import WorkflowStepAdmin
from apps.compliance.models import WorkflowStep
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def test_the_portal_header_names_the_roles_in_words(staff_user):
    user = staff_user(StaffRole.COMPLIANCE_OFFICER, username="words")

    page = verified_client(user).get(reverse("portal:dashboard")).content.decode()

    assert "<small>(Compliance officer)</small>" in page
    assert "compliance_officer" not in page


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_stored_role_slug_has_its_words(role):
    label = staff_role_label(role)
    assert label == StaffRole(role).label and "_" not in label
    assert Template("{% load staff_roles %}{{ value|role_label }}").render(Context({"value": role})) == label


def test_unknown_or_empty_values_are_shown_as_stored():
    assert staff_role_label("legacy-role") == "legacy-role"
    assert Template("{% load staff_roles %}{{ value|role_label|default:'–' }}").render(Context({"value": ""})) == "–"


def test_the_workflow_step_admin_shows_the_role_in_words():
    step = WorkflowStep(assignee_role=StaffRole.SECURITY_ANALYST)
    assert WorkflowStepAdmin(WorkflowStep, admin.site).assignee_role_name(step) == "Security analyst"
