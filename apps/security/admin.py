"""Security in the admin: events (read-only), rules (editable, every save a new version), alerts
(triaged through the service, so every action is in the alert's history and the audit trail)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.html import format_html, format_html_join
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter, RelatedDropdownFilter

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import LargeReadOnlyAdmin, ModelAdmin, ReadOnlyInline, ServiceAdminMixin
from apps.core.errors import ApplicationError
from apps.core.exports import Column
from apps.keyring.fields import blind_index_for
from apps.security.choices import AlertStatus
from apps.security.models import (
    Alert,
    AlertActivity,
    Baseline,
    BlockedAddress,
    DetectionRule,
    DetectionRuleVersion,
    SecurityEvent,
)
from apps.security.services import address_unblock, alert_triage, detection_rule_save
from apps.security.services.rules import VERSIONED_FIELDS


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


@admin.register(SecurityEvent)
class SecurityEventAdmin(ExportAdminMixin, LargeReadOnlyAdmin):
    list_display = ["occurred_at", "event_type", "actor_kind", "actor_label", "ip_address", "guild_id", "risk_score"]
    list_filter = ["event_type", "actor_kind", "occurred_at"]
    search_fields = ["actor_label", "=actor_identifier", "=guild_id", "=request_id"]
    search_help_text = "Part of an actor's name, or an exact actor id, IP address, guild id or request id."
    export_columns = [  # no IP address: personal data stays in the platform
        Column("occurred at (UTC)", "occurred_at"),
        Column("event type", "event_type"),
        Column("actor kind", "actor_kind"),
        Column("actor", "actor_label"),
        Column("guild id", "guild_id"),
        Column("risk score", "risk_score"),
        Column("request id", "request_id"),
    ]
    date_hierarchy = "occurred_at"
    fields = [
        "occurred_at",
        "event_type",
        "risk_score",
        "actor_kind",
        "actor_identifier",
        "actor_label",
        "guild_id",
        "ip_address",
        "user_agent",
        "request_id",
        "details_pretty",
    ]
    readonly_fields = ["details_pretty"]

    def get_search_results(self, request, queryset, search_term):
        # the address is encrypted at rest: an exact address is found through its blind index
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        index = blind_index_for(SecurityEvent, "ip_address_index", search_term.strip())
        if index:
            results = results | queryset.filter(ip_address_index=index)
        return results, may_have_duplicates

    @admin.display(description="details")
    def details_pretty(self, event: SecurityEvent) -> str:
        return _pretty(event.details)


class DetectionRuleVersionInline(ReadOnlyInline):
    model = DetectionRuleVersion
    fields = ["version", "created_at", "created_by", "reason", "snapshot"]
    readonly_fields = fields
    ordering = ["-version"]


class DetectionRuleForm(forms.ModelForm):
    reason = forms.CharField(max_length=300, required=False, help_text="Why this change (kept with the version).")

    class Meta:
        model = DetectionRule
        fields = ["slug", *VERSIONED_FIELDS]  # the rule's identity and what each version keeps


@admin.register(DetectionRule)
class DetectionRuleAdmin(ServiceAdminMixin, ModelAdmin):
    form = DetectionRuleForm
    list_display = ["slug", "name", "kind", "severity", "is_enabled", "version", "window_seconds", "updated_at"]
    list_filter = ["kind", "severity", "is_enabled"]
    search_fields = ["slug", "name"]
    readonly_fields = ["version", "updated_by", "updated_at"]
    inlines = [DetectionRuleVersionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # alerts name their rule and version: disable a rule instead

    def get_readonly_fields(self, request, obj=None):
        # the kind and slug of a rule are its identity; a different one is a new rule
        return [*self.readonly_fields, "slug", "kind"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        detection_rule_save(rule=obj, actor=actor_for_request(request), reason=form.cleaned_data.get("reason", ""))


class AlertActivityInline(ReadOnlyInline):
    model = AlertActivity
    fields = ["occurred_at", "actor_label", "action", "from_status", "to_status", "note", "details"]
    readonly_fields = fields


class AlertTriageForm(forms.ModelForm):
    new_status = forms.ChoiceField(
        choices=[("", "— keep —"), *AlertStatus.choices], required=False, label="Change status to"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    class Meta:
        model = Alert
        fields = ["assignee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:  # a view-only user gets the page without the triage fields
            self.fields["assignee"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)


# what the rules wrote: read-only on the alert's page
ALERT_FIELDS = [
    "title",
    "rule",
    "rule_version",
    "severity",
    "status",
    "group_key",
    "guild_id",
    "detection_count",
    "first_seen_at",
    "last_seen_at",
    "compliance_requirements",
]
EVIDENCE_FIELDS = ["details_pretty", "event_list"]


@admin.register(Alert)
class AlertAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    form = AlertTriageForm
    list_display = ["id", "title", "severity", "status", "assignee", "detection_count", "last_seen_at", "rule"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("severity", ChoicesDropdownFilter),
        ("rule", RelatedDropdownFilter),
        ("last_seen_at", RangeDateTimeFilter),
    ]
    list_filter_submit = True
    list_select_related = ["rule", "assignee"]
    search_fields = ["title", "=dedup_key", "=group_key", "=guild_id"]
    export_columns = [
        Column("id", "id"),
        Column("title", "title"),
        Column("severity", "severity"),
        Column("status", "status"),
        Column("assignee", "assignee__username"),
        Column("detections", "detection_count"),
        Column("first seen (UTC)", "first_seen_at"),
        Column("last seen (UTC)", "last_seen_at"),
        Column("rule", "rule__slug"),
        Column("guild id", "guild_id"),
    ]
    show_facets = admin.ShowFacets.NEVER
    fieldsets = [
        ("Alert", {"fields": ALERT_FIELDS}),
        ("Evidence", {"fields": EVIDENCE_FIELDS}),
        ("Triage", {"fields": ["assignee", "new_status", "note"]}),
    ]
    readonly_fields = [*ALERT_FIELDS, *EVIDENCE_FIELDS]  # only the triage part is edited (through the service)
    raw_id_fields = ["assignee"]
    inlines = [AlertActivityInline]
    actions = ["acknowledge_selected", "resolve_selected", "dismiss_selected", "assign_to_me"]

    def has_add_permission(self, request) -> bool:
        return False  # alerts are raised by the rules

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="details")
    def details_pretty(self, alert: Alert) -> str:
        return _pretty(alert.details)

    @admin.display(description="events")
    def event_list(self, alert: Alert) -> str:
        rows = alert.events.order_by("occurred_at", "id")[:200]
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((event.occurred_at, event.event_type, event.actor_label, event.ip_address or "") for event in rows),
            ),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        alert_triage(
            alert=obj,
            actor=actor_for_request(request),
            status=data.get("new_status") or None,
            assignee=data.get("assignee"),
            note=data.get("note", ""),
        )

    def _triage_selected(self, request, queryset, **changes) -> None:
        done, refused = 0, []
        for alert in queryset:
            try:
                alert_triage(alert=alert, actor=actor_for_request(request), **changes)
                done += 1
            except ApplicationError as error:
                refused.append(f"#{alert.pk}: {error.message}")
        self.message_user(request, f"{done} alert(s) updated.", messages.SUCCESS)
        if refused:
            self.message_user(request, " ".join(refused), messages.WARNING)

    @admin.action(description="Acknowledge selected alerts", permissions=["change"])
    def acknowledge_selected(self, request, queryset):
        self._triage_selected(request, queryset, status=AlertStatus.ACKNOWLEDGED)

    @admin.action(description="Resolve selected alerts", permissions=["change"])
    def resolve_selected(self, request, queryset):
        self._triage_selected(request, queryset, status=AlertStatus.RESOLVED)

    @admin.action(description="Dismiss selected alerts", permissions=["change"])
    def dismiss_selected(self, request, queryset):
        self._triage_selected(request, queryset, status=AlertStatus.DISMISSED)

    @admin.action(description="Assign selected alerts to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._triage_selected(request, queryset, assignee=request.user)


@admin.register(Baseline)
class BaselineAdmin(LargeReadOnlyAdmin):
    list_display = ["subject_kind", "subject_label", "subject_id", "guild_id", "sample_size", "computed_at"]
    list_filter = ["subject_kind"]
    search_fields = ["subject_label", "=subject_id", "=guild_id"]
    fields = [
        "subject_kind",
        "subject_id",
        "subject_label",
        "guild_id",
        "window_start",
        "window_end",
        "sample_size",
        "computed_at",
        "profile_pretty",
    ]
    readonly_fields = ["profile_pretty"]

    @admin.display(description="profile")
    def profile_pretty(self, baseline: Baseline) -> str:
        return _pretty(baseline.profile)


@admin.register(BlockedAddress)
class BlockedAddressAdmin(LargeReadOnlyAdmin):
    """Addresses refused at the door (blocked by incident playbooks); lifting one goes through the service."""

    list_display = ["network", "blocked_until", "reason", "created_by_label", "lifted_at"]
    list_filter = ["lifted_at", "blocked_until"]
    search_fields = ["network", "reason"]
    fields = ["network", "blocked_until", "reason", "created_by_label", "created_at", "lifted_at", "lifted_by_label"]
    actions = ["lift"]

    @admin.action(description="Lift the selected blocks now", permissions=["view"])
    def lift(self, request, queryset):
        if not request.user.has_perm("security.change_blockedaddress"):
            self.message_user(request, "You may not lift address blocks.", messages.ERROR)
            return
        lifted = 0
        for block in queryset.filter(lifted_at__isnull=True):
            address_unblock(block=block, actor=actor_for_request(request), reason="lifted in the admin")
            lifted += 1
        self.message_user(request, f"{lifted} block(s) lifted.", messages.SUCCESS)
