"""Incident response in the admin: incidents are read-mostly (owner, assignees, a status move and a note go
through the services: audited, on the timeline); incident rules are data, edited here.

Incidents are declared from the portal, the API or by rule, never added or deleted here.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ReadOnlyInline, ServiceAdminMixin
from apps.core.exports import Column
from apps.incidents.choices import INCIDENT_TIMES, IncidentStatus, RuleSource
from apps.incidents.models import Incident, IncidentRule, TimelineEntry
from apps.incidents.services.incidents import incident_note, incident_transition, incident_update


class TimelineEntryInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ["occurred_at", "kind", "actor_label", "message"]
    readonly_fields = fields
    verbose_name_plural = "timeline"


class IncidentResponseForm(forms.ModelForm):
    """Owner and assignees, plus a status move, its reason and a note that are not model fields: the services
    apply them."""

    new_status = forms.ChoiceField(choices=[("", "(unchanged)"), *IncidentStatus.choices], required=False)
    reason = forms.CharField(max_length=2000, required=False, help_text="Needed to skip states or to reopen.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=500)

    class Meta:
        model = Incident
        fields = ["owner", "assignees"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        for name in ("owner", "assignees"):
            if name in self.fields:  # absent for view-only staff
                self.fields[name].queryset = staff


@admin.register(Incident)
class IncidentAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    form = IncidentResponseForm
    list_display = [
        "reference",
        "title",
        "kind",
        "severity",
        "status",
        "escalation_level",
        "owner",
        "guild_id",
        "created_at",
    ]
    list_filter = ["status", "severity", "kind"]
    list_select_related = ["owner"]
    search_fields = ["title", "guild_id", "correlation_key"]
    ordering = ["-id"]
    inlines = [TimelineEntryInline]
    export_columns = [
        Column("id", "id"),
        Column("title", "title"),
        Column("kind", "kind"),
        Column("severity", "severity"),
        Column("status", "status"),
        Column("escalation level", "escalation_level"),
        Column("owner", "owner__username"),
        Column("guild id", "guild_id"),
        Column("created at (UTC)", "created_at"),
    ]
    _record = [  # what the services keep: shown, never edited here
        (None, {"fields": ["title", "kind", "severity", "status", "description", "guild_id", "affected_systems"]}),
        ("Origin", {"fields": ["declared_by_label", "rule", "correlation_key", "personal_data_involved"]}),
        ("Times", {"fields": [*INCIDENT_TIMES, "reopened_count"]}),
        ("Escalation", {"fields": ["escalation_policy", "escalation_level", "escalation_levels"]}),
    ]
    readonly_fields = [name for _title, options in _record for name in options["fields"]]
    fieldsets = [*_record, ("Response", {"fields": ["owner", "assignees", "new_status", "reason", "note"]})]

    @admin.display(description="reference", ordering="id")
    def reference(self, incident: Incident) -> str:
        return incident.reference

    def has_add_permission(self, request) -> bool:
        return False  # declared from the portal, the API or by rule

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an incident is closed, never deleted (the regulator's record)

    def save_model(self, request, obj, form, change):
        # the form edited `obj` in memory only; each service reads the row again under its lock
        actor = actor_for_request(request)
        data = form.cleaned_data
        if "owner" in form.changed_data:
            incident_update(incident=obj, actor=actor, owner=data["owner"])
        if data.get("new_status"):
            incident_transition(incident=obj, actor=actor, status=data["new_status"], reason=data.get("reason", ""))
        if data.get("note", "").strip():
            incident_note(incident=obj, actor=actor, text=data["note"])

    def save_related(self, request, form, formsets, change):
        # assignees go through the service too (audited, on the timeline), never through form.save_m2m()
        for formset in formsets:  # the read-only timeline: saves nothing, but the admin's log reads it
            self.save_formset(request, form, formset, change=change)
        if "assignees" in form.changed_data:
            incident_update(
                incident=form.instance, actor=actor_for_request(request), assignees=list(form.cleaned_data["assignees"])
            )


class IncidentRuleForm(forms.ModelForm):
    """Checks that the choice lists hold known values (a typo would silently never match)."""

    class Meta:
        model = IncidentRule
        fields = [
            "name",
            "is_active",
            "position",
            "source",
            "alert_rule_slugs",
            "fraud_kinds",
            "check_ids",
            "min_severity",
            "incident_kind",
            "incident_severity",
            "escalation_policy",
            "dedup_window_minutes",
        ]

    def clean(self):
        data = super().clean()
        for name in ("alert_rule_slugs", "fraud_kinds", "check_ids"):
            value = data.get(name)
            if value is not None and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                self.add_error(name, 'A list of strings, e.g. ["brute-force-per-user"]; [] means any.')
        source = data.get("source")
        unused = {
            RuleSource.SECURITY_ALERT: ("fraud_kinds", "check_ids"),
            RuleSource.FRAUD_CASE: ("alert_rule_slugs", "check_ids"),
            RuleSource.CHECK_FAILED: ("alert_rule_slugs", "fraud_kinds"),
        }.get(source, ())
        for name in unused:
            if data.get(name):
                self.add_error(name, f"A rule for {source} does not read this list: leave it empty.")
        return data


@admin.register(IncidentRule)
class IncidentRuleAdmin(ModelAdmin):
    form = IncidentRuleForm
    list_display = [
        "name",
        "is_active",
        "source",
        "min_severity",
        "incident_kind",
        "incident_severity",
        "dedup_window_minutes",
        "position",
    ]
    list_filter = ["is_active", "source"]
    list_editable = ["is_active", "position"]
    list_select_related = ["escalation_policy"]
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "position", "source"]}),
        ("Matches", {"fields": ["alert_rule_slugs", "fraud_kinds", "check_ids", "min_severity"]}),
        (
            "Opens",
            {"fields": ["incident_kind", "incident_severity", "escalation_policy", "dedup_window_minutes"]},
        ),
    ]


# the other parts of incident response register their own admin pages
from apps.incidents import admin_policies  # noqa: E402, F401, I001 - escalation policies and their levels
from apps.incidents import admin_clocks  # noqa: E402, F401, I001 - regulatory clock definitions
from apps.incidents import admin_playbooks  # noqa: E402, F401, I001 - playbooks and their steps (read-only)
