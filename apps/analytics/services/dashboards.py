"""Changing dashboards and widgets: create, update, copy, delete; add, change, remove, move and resize widgets;
save a whole layout. One transaction and one audit event each.

Only a custom dashboard's owner changes it; only superusers change a shipped one (selectors/dashboards.py
`dashboard_may_edit`); anyone with the portal may copy any dashboard into a custom one of their own.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.analytics.models import Dashboard, DashboardKind, DashboardScope, Widget
from apps.analytics.models.dashboards import TIME_RANGES
from apps.analytics.selectors.dashboards import dashboard_may_edit
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.tenants.models import Tenant

DASHBOARD_FIELDS = ("title", "description", "kind", "time_range", "refresh_seconds")
MIN_REFRESH_SECONDS = 10


def _invalid(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_dashboard", fields={field_name: [message]})


def guild_of(dashboard: Dashboard) -> str:
    """The guild id an audit event of this dashboard is filed under ('' for the platform)."""
    return dashboard.tenant.guild_id if dashboard.tenant_id else ""


def _require_editor(editor, dashboard: Dashboard) -> None:
    if not dashboard_may_edit(user=editor, dashboard=dashboard):
        who = "superusers" if dashboard.owner_id is None else "its owner"
        raise PermissionDeniedError(
            _("Only %(who)s may change the dashboard %(title)s: copy it to edit.")
            % {"who": who, "title": repr(dashboard.title)}
        )


def dashboard_for_change(dashboard: Dashboard, editor) -> Dashboard:
    """The dashboard's row locked for this change (edits of one dashboard run one after the other)."""
    locked = Dashboard.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=dashboard.pk)
    _require_editor(editor, locked)
    return locked


def _settings_clean(values: dict) -> dict:
    cleaned = {}
    if "title" in values:
        title = str(values["title"] or "").strip()
        if not title or len(title) > 120:
            raise _invalid(_("A dashboard needs a title of 1 to 120 characters."), "title")
        cleaned["title"] = title
    if "description" in values:
        cleaned["description"] = str(values["description"] or "").strip()[:400]
    if "kind" in values and values["kind"] not in DashboardKind.values:
        raise _invalid(
            _("Unknown kind %(kind)s: allowed are %(values)s.")
            % {"kind": repr(values["kind"]), "values": ", ".join(DashboardKind.values)},
            "kind",
        )
    if "time_range" in values and values["time_range"] not in TIME_RANGES:
        raise _invalid(
            _("Unknown time range: allowed are %(TIME_RANGES)s.") % {"TIME_RANGES": ", ".join(TIME_RANGES)},
            "time_range",
        )
    if "refresh_seconds" in values:
        seconds = values["refresh_seconds"]
        if (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or not (seconds == 0 or MIN_REFRESH_SECONDS <= seconds <= 86400)
        ):
            raise _invalid(
                _("Refresh every 0 (off) or %(MIN_REFRESH_SECONDS)s to 86400 seconds.")
                % {"MIN_REFRESH_SECONDS": MIN_REFRESH_SECONDS},
                "refresh_seconds",
            )
    return {**{k: values[k] for k in ("kind", "time_range", "refresh_seconds") if k in values}, **cleaned}


@transaction.atomic
def dashboard_create(
    *,
    owner,
    actor: Actor,
    title: str,
    scope: str = DashboardScope.PLATFORM,
    tenant: Tenant | None = None,
    kind: str = DashboardKind.CUSTOM,
    time_range: str = "30d",
    refresh_seconds: int = 0,
    description: str = "",
) -> Dashboard:
    """A custom dashboard owned by `owner`: the platform's, a tenant's, or a tenant template (tenant None)."""
    if scope not in DashboardScope.values:
        raise _invalid(
            _("Unknown scope %(scope)s: allowed are %(values)s.")
            % {"scope": repr(scope), "values": ", ".join(DashboardScope.values)},
            "scope",
        )
    if scope == DashboardScope.PLATFORM and tenant is not None:
        raise _invalid(_("A platform dashboard shows every tenant: leave the tenant empty."), "tenant")
    values = _settings_clean(
        {"title": title, "description": description, "kind": kind, "time_range": time_range,
         "refresh_seconds": refresh_seconds}
    )  # fmt: skip
    dashboard = Dashboard.objects.create(owner=owner, scope=scope, tenant=tenant, layout={"columns": 12}, **values)
    audit_record(actor=actor, action="analytics.dashboard_created", target=dashboard, guild_id=guild_of(dashboard))
    return dashboard


@transaction.atomic
def dashboard_update(*, dashboard: Dashboard, editor, actor: Actor, **values) -> Dashboard:
    """Change a dashboard's title, description, kind, default time range or refresh interval."""
    unknown = sorted(set(values) - set(DASHBOARD_FIELDS))
    if unknown:
        raise _invalid(
            _("Cannot change %(unknown)s: allowed are %(DASHBOARD_FIELDS)s.")
            % {"unknown": ", ".join(unknown), "DASHBOARD_FIELDS": ", ".join(DASHBOARD_FIELDS)},
            unknown[0],
        )
    dashboard = dashboard_for_change(dashboard, editor)
    cleaned = _settings_clean(values)
    before = {name: getattr(dashboard, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(dashboard, name, value)
    dashboard.save()
    audit_record(
        actor=actor,
        action="analytics.dashboard_updated",
        target=dashboard,
        guild_id=guild_of(dashboard),
        changes=field_changes(before, cleaned),
    )
    return dashboard


@transaction.atomic
def dashboard_delete(*, dashboard: Dashboard, editor, actor: Actor) -> None:
    """Delete a custom dashboard and its widgets (a shipped one stays: remove its widgets instead)."""
    dashboard = dashboard_for_change(dashboard, editor)
    if dashboard.is_default:
        raise ApplicationError(
            _("A shipped dashboard is not deleted: remove or change its widgets instead."), code="dashboard_shipped"
        )
    audit_record(actor=actor, action="analytics.dashboard_deleted", target=dashboard, guild_id=guild_of(dashboard))
    dashboard.delete()


@transaction.atomic
def dashboard_copy(*, dashboard: Dashboard, owner, actor: Actor, title: str = "") -> Dashboard:
    """A custom copy (same scope, tenant, range and widgets) owned by `owner`, who may then change it."""
    copy = Dashboard.objects.create(
        owner=owner,
        title=(title or f"{dashboard.title} (copy)")[:120],
        description=dashboard.description,
        kind=DashboardKind.CUSTOM,
        scope=dashboard.scope,
        tenant=dashboard.tenant,
        layout=dict(dashboard.layout or {"columns": 12}),
        time_range=dashboard.time_range,
        refresh_seconds=dashboard.refresh_seconds,
    )
    Widget.objects.bulk_create(
        Widget(
            dashboard=copy, title=widget.title, query=widget.query, panel=widget.panel,
            chart_type=widget.chart_type, options=widget.options, x=widget.x, y=widget.y, w=widget.w, h=widget.h,
        )
        for widget in dashboard.widgets.all()
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="analytics.dashboard_copied",
        target=copy,
        guild_id=guild_of(copy),
        changes={"source": {"before": None, "after": dashboard.pk}},
    )
    return copy
