"""What the compliance pages (framework, requirement, check run) add for an officer's actions (issue 17): may
they run checks, attest, create remediation tasks; the forms and the rows those actions need."""

from django.http import HttpRequest

from apps.compliance.models import RemediationTask
from apps.compliance.selectors.checks import check_catalogue
from apps.core.portal import portal_user_may
from apps.portal.views.compliance_forms import AttestationForm, evidence_max_bytes

OPEN_TASKS_LIMIT = 20


def _may(request: HttpRequest) -> dict:
    user = request.user
    return {
        "may_run_checks": portal_user_may(user, "compliance.checks_run"),
        "may_attest": portal_user_may(user, "compliance.attest"),
        "may_download_attestation": portal_user_may(user, "compliance.attestation_download"),
        "may_manage_remediation": portal_user_may(user, "compliance.remediation_manage"),
    }


def framework_actions(request: HttpRequest, framework) -> dict:
    return {**_may(request), "framework_checks": check_catalogue(framework_id=framework.pk)}


def requirement_actions(request: HttpRequest, requirement, attest_form: AttestationForm | None = None) -> dict:
    key = requirement.key
    tasks = RemediationTask.objects.filter(requirement_key=key).select_related("assignee").order_by("status", "-id")
    return {
        **_may(request),
        "requirement_checks": check_catalogue(requirement_key=key),
        "attest_form": attest_form or AttestationForm(),
        "evidence_max_bytes": evidence_max_bytes(),
        "remediation_tasks": list(tasks[:OPEN_TASKS_LIMIT]),
    }


def check_run_actions(request: HttpRequest, run) -> dict:
    return {**_may(request), "remediation_tasks": list(run.remediation_tasks.select_related("assignee"))}
