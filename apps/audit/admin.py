"""The audit trail in the admin: read-only lists and detail pages (the trail is append-only: nobody adds,
edits or deletes rows here), and chain verification on demand."""

import json
import logging
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter

from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal
from apps.audit.verification import audit_verify
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import LargeReadOnlyAdmin, admin_page
from apps.core.exports import Column

logger = logging.getLogger(__name__)

VERIFY_PERMISSION = "audit.view_auditseal"


def _filter_url(**params: str) -> str:
    return reverse("admin:audit_auditevent_changelist") + "?" + urlencode(params)


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


class ActionAppFilter(admin.SimpleListFilter):
    """Events of one app: the part of the action before the dot (a prefix match, no table scan)."""

    title = "app"
    parameter_name = "app"

    def lookups(self, request, model_admin):
        return [
            (config.label, config.verbose_name) for config in apps.get_app_configs() if config.name.startswith("apps.")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


class TenantFilter(admin.SimpleListFilter):
    """One tenant's events by guild id (typed in: listing every tenant would not scale), or the platform's."""

    title = "tenant"
    parameter_name = "guild_id"
    template = "admin/audit/auditevent/tenant_filter.html"
    PLATFORM = "platform"

    def lookups(self, request, model_admin):
        return [(self.PLATFORM, "Platform-wide")]

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if value == self.PLATFORM:
            return queryset.filter(guild_id="")
        if value:
            return queryset.filter(guild_id=value)
        return queryset

    def choices(self, changelist):
        # the other active parameters, kept as hidden inputs of the guild id form
        self.other_parameters = sorted(
            (name, value) for name, value in changelist.params.items() if name != self.parameter_name
        )
        self.typed_guild_id = "" if self.value() in (None, self.PLATFORM) else self.value()
        yield from super().choices(changelist)


@admin.register(AuditEvent)
class AuditEventAdmin(ExportAdminMixin, LargeReadOnlyAdmin):
    list_display = ["id", "occurred_at", "action", "actor_kind", "actor_label", "guild_id", "target_label"]
    list_filter = [
        ActionAppFilter,
        ("actor_kind", ChoicesDropdownFilter),
        TenantFilter,
        ("occurred_at", RangeDateTimeFilter),
    ]
    list_filter_submit = True  # unfold's range filter: applied with the button, not on every keystroke
    # parts of an action, an actor's name or a target's label (icontains: a scan of the filtered rows; narrow
    # by app, tenant or date first on a large trail), or an exact actor id, guild id, target id or request id
    search_fields = [
        "action",
        "actor_label",
        "target_label",
        "=actor_identifier",
        "=guild_id",
        "=target_id",
        "=request_id",
    ]
    search_help_text = (
        "Part of an action (\"triage\"), an actor's name or a target's label, or an exact guild id, target id, "
        "actor id or request id."
    )
    export_columns = [
        Column("id", "id"),
        Column("occurred at (UTC)", "occurred_at"),
        Column("action", "action"),
        Column("actor kind", "actor_kind"),
        Column("actor", "actor_label"),
        Column("actor id", "actor_identifier"),
        Column("guild id", "guild_id"),
        Column("target type", "target_type"),
        Column("target id", "target_id"),
        Column("target", "target_label"),
        Column("changes", "changes"),
        Column("reason", "reason"),
        Column("request id", "request_id"),
    ]
    fieldsets = [
        ("Event", {"fields": ["id", "occurred_at", "action", "reason"]}),
        (
            "Actor",
            {"fields": ["actor_kind", "actor_label", "actor_identifier", "ip_address", "request_id", "actor_events"]},
        ),
        ("Tenant and target", {"fields": ["guild_id", "target_type", "target_id", "target_label", "target_events"]}),
        ("Changes", {"fields": ["changes_table"]}),
        ("Integrity", {"fields": ["content_hash", "seal"]}),
    ]
    readonly_fields = ["id", "actor_events", "target_events", "changes_table", "seal"]

    @admin.display(description="changes")
    def changes_table(self, event: AuditEvent) -> str:
        if not event.changes:
            return "—"
        rows = []
        for field, change in sorted(event.changes.items()):
            if isinstance(change, dict) and set(change) <= {"before", "after"}:
                rows.append((field, _display(change.get("before")), _display(change.get("after"))))
            else:
                rows.append((field, "", _display(change)))
        return format_html(
            "<table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="by this actor")
    def actor_events(self, event: AuditEvent) -> str:
        url = _filter_url(actor_kind=event.actor_kind, actor_identifier=event.actor_identifier)
        return format_html('<a href="{}">All events of {}</a>', url, event.actor_label)

    @admin.display(description="about this target")
    def target_events(self, event: AuditEvent) -> str:
        if not event.target_type:
            return "—"
        url = _filter_url(target_type=event.target_type, target_id=event.target_id)
        return format_html('<a href="{}">All events of {}</a>', url, event.target_label or event.target_id)

    @admin.display(description="seal")
    def seal(self, event: AuditEvent) -> str:
        seal = AuditSeal.objects.filter(event_id=event.pk).first()
        if seal is None:
            return "Not sealed yet (the sealer chains new events within seconds)."
        return f"Sequence {seal.sequence}, sealed {seal.sealed_at:%Y-%m-%d %H:%M:%S} UTC, chain hash {seal.chain_hash}"

    def get_urls(self):
        verify = path(
            "verify/", self.admin_site.admin_view(self.verify_chain_view), name="audit_auditevent_verify_chain"
        )
        return [verify, *super().get_urls()]

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm(VERIFY_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_verify_chain": self.has_verify_permission(request)}
        return super().changelist_view(request, extra_context)

    def verify_chain_view(self, request):
        """GET explains, POST seals what is pending and walks the whole chain (it can take a while)."""
        if not self.has_verify_permission(request):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            result = audit_verify()
            logger.info(
                "audit chain verified by user %s: intact=%s checked=%s first_bad_event=%s",
                request.user.pk,
                result.is_intact,
                result.checked,
                result.first_bad_event_id,
            )
        context = {"title": "Verify the audit chain", "result": result}
        return admin_page(self, request, "admin/audit/auditevent/verify_chain.html", context)


@admin.register(AuditSeal)
class AuditSealAdmin(LargeReadOnlyAdmin):
    list_display = ["sequence", "event_link", "sealed_at", "algorithm", "chain_hash"]
    search_fields = ["=event_id", "=chain_hash"]
    list_filter = ["sealed_at"]

    @admin.display(description="event", ordering="event_id")
    def event_link(self, seal: AuditSeal) -> str:
        url = reverse("admin:audit_auditevent_change", args=[seal.event_id])
        return format_html('<a href="{}">{}</a>', url, seal.event_id)


@admin.register(AuditArchiveCheckpoint)
class AuditArchiveCheckpointAdmin(LargeReadOnlyAdmin):
    """Where archived stretches of the chain end (written by retention only)."""

    list_display = ["last_sequence", "first_sequence", "event_count", "occurred_before", "created_at", "archive_path"]
    search_fields = ["=chain_hash", "=archive_sha256"]
    list_filter = ["created_at"]
