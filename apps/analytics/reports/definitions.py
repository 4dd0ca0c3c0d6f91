"""Checking what a BI report definition is made of (name, template for the scope, period, formats, recipients,
cron), with messages a person can act on; shared by the service, the portal's form and the admin's form, so a
form shows the service's own message under the field it names. No writes."""

from django.utils.translation import gettext as _

from apps.analytics.choices import ReportFormat, ReportPeriod, ReportScope
from apps.analytics.reports.templates import templates_for
from apps.core.beat import cron_validate
from apps.core.errors import ApplicationError
from apps.core.mail import email_addresses_validate
from apps.tenants.models import Tenant

REFUSAL_CODE = "invalid_report_definition"


def _refuse(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, code=REFUSAL_CODE, fields={field: [message]})


def name_validate(name) -> str:
    """The name without surrounding blanks, 1 to 120 characters."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 120:
        raise _refuse(_("Give the report a name of 1 to 120 characters."), "name")
    return name


def _template_clean(template, tenant: Tenant | None) -> str:
    scope = ReportScope.TENANT if tenant is not None else ReportScope.PLATFORM
    allowed = [item.key for item in templates_for(scope)]
    if template not in allowed:
        where = "a tenant's report" if tenant is not None else "a platform report"
        raise _refuse(
            _("Unknown template %(template)s for %(where)s; choose one of %(allowed)s.")
            % {"template": repr(template), "where": where, "allowed": ", ".join(allowed)},
            "template",
        )
    return template


def _period_clean(period) -> str:
    if period not in ReportPeriod.values:
        raise _refuse(
            _("Unknown period %(period)s; choose one of %(values)s.")
            % {"period": repr(period), "values": ", ".join(ReportPeriod.values)},
            "period",
        )
    return period


def formats_validate(formats) -> list[str]:
    """The formats to store, at least one of pdf, csv, xlsx (a list, or text separated by commas), in that order."""
    if isinstance(formats, str):
        formats = [part.strip() for part in formats.split(",") if part.strip()]
    if not isinstance(formats, list | tuple) or not formats:
        raise _refuse(
            _("Choose at least one format: %(values)s.") % {"values": ", ".join(ReportFormat.values)}, "formats"
        )
    unknown = [str(item) for item in formats if item not in ReportFormat.values]
    if unknown:
        raise _refuse(
            _("Unknown format %(unknown)s; choose from %(values)s.")
            % {"unknown": ", ".join(unknown), "values": ", ".join(ReportFormat.values)},
            "formats",
        )
    return [value for value in ReportFormat.values if value in formats]


def definition_inputs_validate(*, tenant, template, period, formats, recipients, cron) -> dict:
    """The checked template, period, formats, recipients and cron of a definition for `tenant` (None: the
    platform); every problem found is refused at once, in one ApplicationError naming each field."""
    if tenant is not None and not isinstance(tenant, Tenant):
        raise _refuse(_("tenant must be a Tenant (or None for a platform report)."), "tenant")
    checks = {
        "template": lambda: _template_clean(template, tenant),
        "period": lambda: _period_clean(period),
        "formats": lambda: formats_validate(formats),
        "recipients": lambda: email_addresses_validate(recipients, code=REFUSAL_CODE),
        "cron": lambda: cron_validate(cron, code=REFUSAL_CODE),
    }
    cleaned, problems = {}, {}
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ApplicationError as refused:
            problems.update(refused.fields or {field: [refused.message]})
    if problems:
        message = " ".join(text for texts in problems.values() for text in texts)
        raise ApplicationError(message, code=REFUSAL_CODE, fields=problems)
    return cleaned
