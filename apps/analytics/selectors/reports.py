"""Reads of the BI reports for the portal and the admin: always within one scope, a tenant or the platform.

The scope is explicit in every read (DESIGN rule 3): a definition, run or file of another tenant is not found
(404), whatever its id, so a link cannot be turned into another guild's report by changing a number.
"""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from apps.analytics.choices import ReportScope
from apps.analytics.models import ReportDefinition, ReportFile, ReportRun
from apps.analytics.reports.templates import ReportTemplate, templates_for
from apps.core.errors import NotFoundError
from apps.notifications.choices import Channel
from apps.notifications.models import Delivery
from apps.tenants.models import Tenant


def report_templates(*, tenant: Tenant | None) -> list[ReportTemplate]:
    """The report templates a definition of this scope may use (a tenant's, or the platform's)."""
    return templates_for(ReportScope.TENANT if tenant is not None else ReportScope.PLATFORM)


def report_scope_tenant(*, scope: str) -> Tenant | None:
    """The tenant a scope names by guild id, None for "platform"; an unknown guild is not found."""
    if scope == ReportScope.PLATFORM:
        return None
    tenant = Tenant.objects.filter(guild_id=scope).first()
    if tenant is None:
        raise NotFoundError(_("No tenant with guild id %(scope)s.") % {"scope": scope}, code="tenant_not_found")
    return tenant


def report_definitions(*, tenant: Tenant | None) -> QuerySet[ReportDefinition]:
    """The scope's definitions with their beat schedule and latest run (`latest_run_number`,
    `latest_run_status`, `latest_run_finished_at`; None before the first). One query."""
    latest = ReportRun.objects.filter(definition=OuterRef("pk")).order_by("-number")
    return (
        ReportDefinition.objects.filter(tenant=tenant)
        .select_related("tenant", "periodic_task__crontab")
        .annotate(
            latest_run_number=Subquery(latest.values("number")[:1]),
            latest_run_status=Subquery(latest.values("status")[:1]),
            latest_run_finished_at=Subquery(latest.values("finished_at")[:1]),
        )
        .order_by("name", "id")
    )


def report_definition_get(*, tenant: Tenant | None, definition_id: int) -> ReportDefinition:
    definition = report_definitions(tenant=tenant).filter(pk=definition_id).first()
    if definition is None:
        raise NotFoundError(
            _("No report definition %(definition_id)s here.") % {"definition_id": definition_id},
            code="report_definition_not_found",
        )
    return definition


def report_runs(*, tenant: Tenant | None) -> QuerySet[ReportRun]:
    """The scope's runs, newest first, with their files and the state of their e-mail (`email_status`: the
    notification layer's delivery status, None when nothing was e-mailed)."""
    email = Delivery.objects.filter(notification=OuterRef("notification"), channel=Channel.EMAIL).order_by("pk")
    return (
        ReportRun.objects.filter(definition__tenant=tenant)
        .select_related("definition")
        .prefetch_related("files")
        .annotate(email_status=Subquery(email.values("status")[:1]))
        .order_by("-started_at", "-id")
    )


def report_file_get(*, tenant: Tenant | None, file_id: int) -> ReportFile:
    """A stored file of the scope's reports; another scope's file is not found."""
    report_file = (
        ReportFile.objects.select_related("run__definition__tenant")
        .filter(pk=file_id, run__definition__tenant=tenant)
        .first()
    )
    if report_file is None:
        raise NotFoundError(_("No report file %(file_id)s here.") % {"file_id": file_id}, code="report_file_not_found")
    return report_file


def report_scopes(*, include_platform: bool) -> list[dict]:
    """The scopes that have definitions, with their counts: the platform first (when included), then the
    tenants by name. One query."""
    rows = (
        ReportDefinition.objects.values("tenant__guild_id", "tenant__name")
        .annotate(definitions=Count("id"))
        .order_by("tenant__name", "tenant__guild_id")
    )
    scopes = []
    for row in rows:
        guild_id = row["tenant__guild_id"]
        if guild_id is None and not include_platform:
            continue
        scopes.append(
            {
                "slug": guild_id or ReportScope.PLATFORM.value,
                "name": row["tenant__name"] or "The platform",
                "definitions": row["definitions"],
                "is_platform": guild_id is None,
            }
        )
    return sorted(scopes, key=lambda scope: not scope["is_platform"])
