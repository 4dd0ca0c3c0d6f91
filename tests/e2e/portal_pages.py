"""Every portal page, enumerated from the URL configuration (so a new page is covered without editing a list), with
its path parameters filled from rows made once: one of each kind a portal page shows (tests/e2e/test_accessibility).

A route under /portal/ is one of:
- a page: opened in the browser; its parameters come from `sample_kwargs` (a parameter without a sample fails
  the test, naming the route and the parameter: add the sample below);
- an action: it answers GET with 405 (require_POST), found by asking the server, so nothing lists actions;
- listed in NOT_PAGES or NOT_PAGE_ROUTES (downloads and fragments that answer GET but are no page), or in SIGN_IN
  (checked on the way in).
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.analytics.models import AlertRule as AnalyticsAlertRule
from apps.analytics.models import Dashboard
from apps.analytics.services.dashboards import dashboard_create
from apps.analytics.services.widgets import widget_add
from apps.compliance.models import CheckRun
from apps.core.actors import Actor
from apps.fraud.models import FraudCase
from apps.incidents.models import Incident
from apps.integration.models import HealthCheck
from apps.ml.models import Bandit, Experiment, ModelVersion, TrainingJob
from apps.privacy.models import DataSubjectRequest
from apps.security.models import Alert as SecurityAlert
from apps.tenants.models import Tenant
from tests.admin.admin_rows_ml import ml_registry_admin_rows
from tests.analytics.admin_rows import alerting_admin_rows
from tests.analytics.reports.admin_rows import analytics_report_admin_rows
from tests.compliance.admin_rows_automation import compliance_automation_rows
from tests.factories import TenantFactory
from tests.integration.admin_rows_registry import registry_admin_rows
from tests.ml.experiments.admin_rows import ml_experiments_admin_rows
from tests.notifications.admin_rows import notification_admin_rows
from tests.portal import data
from tests.portal.incidents_data import closed_with_review, full_incident

PREFIX = "portal/"

# Routes under /portal/ that answer GET but are no page of their own: files, and the fragments a page fetches (the
# page that shows a fragment is checked with it in place). By name, each with the reason, and by route: every list's
# CSV/XLSX export (`…/export.<fmt>`).
NOT_PAGES = {
    "portal:widget": "a dashboard widget's fragment, swapped into the dashboard page",
    "portal:analytics_widget": "an analytics widget's fragment, swapped into the dashboard page",
    "portal:incident_live": "the incident page's live parts, swapped into the incident page",
    "portal:report_file_download": "a report file (CSV, XLSX, PDF)",
    "portal:analytics_report_file": "a BI report file",
    "portal:incident_evidence_download": "an evidence file",
    "portal:attestation_evidence": "an attestation's evidence file",
}
NOT_PAGE_ROUTES = re.compile(r"/export\.<(str|slug):fmt>$")  # a list's export, in the format the URL names
# The sign-in steps: checked while each role signs in (the password page, the code page, enrolment).
SIGN_IN = {"portal:login", "portal:login_verify", "portal:login_enrol"}

PLACEHOLDERS = {"int": 1, "slug": "x", "str": "x", "path": "x"}  # enough to reverse an action's URL


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "portal:incident"
    route: str  # "portal/incidents/<int:incident_id>/"
    params: dict[str, str]  # parameter -> converter ("int", "slug", ...)

    def url(self, kwargs: dict) -> str:
        return reverse(self.name, kwargs=kwargs)

    def placeholder_url(self) -> str:
        return self.url({param: PLACEHOLDERS.get(kind, "x") for param, kind in self.params.items()})


def not_a_page(route: Route) -> bool:
    return route.name in NOT_PAGES or bool(NOT_PAGE_ROUTES.search(route.route))


def _converter_name(converter) -> str:
    return type(converter).__name__.removesuffix("Converter").lower()


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            params = {param: _converter_name(converter) for param, converter in converters.items()}
            yield Route(f"{namespace}:{entry.name}", prefix + str(entry.pattern), params)


def portal_routes() -> list[Route]:
    """Every named route whose path starts with /portal/ (apps.portal.urls, the inbox, anything included later)."""
    return [route for route in _walk(get_resolver().url_patterns, "", "") if route.route.startswith(PREFIX)]


# --- one row of each kind ------------------------------------------------------------------------------------
ACTOR = Actor.system("accessibility e2e")


def seed_one_of_each(owner) -> None:
    """Rows behind every page with a parameter (and something in every list), through the same builders the
    portal and admin tests use. Run it off the Playwright thread (services send live updates)."""
    tenant = TenantFactory(guild_id="123456789012345678", name="Accessible Guild")
    data.security_alerts(1)
    data.fraud_cases(1)
    data.data_subject_requests(1)
    data.compliance_alerts(1)
    data.run_baseline_checks()
    compliance_automation_rows(actor=ACTOR, rows=1)  # a report with files, a workflow with steps
    full_incident(owner=owner)
    closed_with_review(owner=owner)
    board = dashboard_create(owner=owner, actor=ACTOR, title="Accessible board", scope="tenant", tenant=tenant)
    query = {"metrics": "units_net", "group_by": "capper", "grain": "none"}
    widget_add(dashboard=board, editor=owner, actor=ACTOR, title="Net units by capper", chart_type="bar",
               query=query, options={}, box=(0, 0, 6, 4))  # fmt: skip
    alerting_admin_rows(actor=ACTOR, rows=1)
    analytics_report_admin_rows(actor=ACTOR, rows=1)
    registry_admin_rows(actor=ACTOR, rows=1)
    ml_registry_admin_rows(actor=ACTOR, rows=1)
    ml_experiments_admin_rows(actor=ACTOR, rows=1)
    notification_admin_rows(rows=1)


# --- path parameters -----------------------------------------------------------------------------------------
def _requirement() -> tuple[str, str]:
    run = CheckRun.objects.exclude(requirements=[]).order_by("pk").first()
    return tuple(run.requirements[0].split(":", 1))


def _dashboard_widget() -> dict:
    board = Dashboard.objects.filter(widgets__isnull=False).order_by("pk").first()
    return {"dashboard_id": board.pk, "widget_id": board.widgets.order_by("pk").first().pk}


def _open_incident() -> int:
    return Incident.objects.exclude(status="closed").order_by("pk").first().pk


def _closed_incident() -> int:
    return Incident.objects.filter(status="closed").order_by("pk").first().pk


def _version() -> ModelVersion:
    return ModelVersion.objects.select_related("model").order_by("pk").first()


# a parameter's sample, by name (the same name means the same kind of row on every page that has it)
BY_PARAM = {
    "framework_id": lambda: _requirement()[0],
    "ref": lambda: _requirement()[1],
    "run_id": lambda: CheckRun.objects.order_by("pk").first().pk,
    "alert_id": lambda: SecurityAlert.objects.order_by("pk").first().pk,
    "case_id": lambda: FraudCase.objects.order_by("pk").first().pk,
    "request_id": lambda: DataSubjectRequest.objects.order_by("pk").first().pk,
    "incident_id": _open_incident,
    "check_id": lambda: HealthCheck.objects.order_by("pk").first().pk,
    "rule_id": lambda: AnalyticsAlertRule.objects.order_by("pk").first().pk,
    "dashboard_id": lambda: _dashboard_widget()["dashboard_id"],
    "widget_id": lambda: _dashboard_widget()["widget_id"],
    "name": lambda: _version().model.name,
    "number": lambda: _version().number,
    "job_id": lambda: TrainingJob.objects.order_by("pk").first().pk,
    "key": lambda: Experiment.objects.order_by("pk").first().key,
    "model_name": lambda: Bandit.objects.order_by("pk").first().model_name,
    "scope": lambda: Tenant.objects.filter(analytics_report_definitions__isnull=False).first().guild_id,
}
# where a page needs a particular row rather than the first of its kind: route name -> {parameter: sample}
BY_ROUTE = {
    "portal:incident_review": {"incident_id": _closed_incident},
    "portal:incident_review_edit": {"incident_id": _closed_incident},
}


class MissingSample(LookupError):
    pass


def sample_kwargs(route: Route) -> dict:
    """The route's path parameters filled from the seeded rows; MissingSample names what is missing."""
    kwargs = {}
    for param in route.params:
        sample = BY_ROUTE.get(route.name, {}).get(param) or BY_PARAM.get(param)
        if sample is None:
            raise MissingSample(
                f"{route.name} ({route.route}): no sample for the path parameter {param!r}: add one to BY_PARAM or "
                "BY_ROUTE in tests/e2e/portal_pages.py (and a row of that kind to seed_one_of_each)"
            )
        try:
            kwargs[param] = sample()
        except (AttributeError, TypeError, IndexError) as error:
            raise MissingSample(
                f"{route.name} ({route.route}): the sample for {param!r} found no row ({error}): seed one in "
                "seed_one_of_each (tests/e2e/portal_pages.py)"
            ) from error
    return kwargs
