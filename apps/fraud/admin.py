"""Fraud cases in the admin: read-only evidence, members and history inline; triage through the service.

The change form edits nothing directly: a status change, an assignee and a note are handed to
`fraud_case_triage` (audited, history row, verdict label); the changelist's actions do the same per
case, and the changelist shows each detector's precision from analysts' verdicts.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter, RangeNumericFilter

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ReadOnlyInline, ServiceAdminMixin
from apps.core.errors import ApplicationError
from apps.core.exports import Column
from apps.fraud import selectors
from apps.fraud.choices import CaseStatus
from apps.fraud.models import FraudCase, FraudCaseEvent, FraudCaseMember
from apps.fraud.services import fraud_case_triage


class FraudCaseMemberInline(ReadOnlyInline):
    model = FraudCaseMember
    fields = ["capper", "guild_id", "discord_user_id"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("capper__tenant", "capper__member")

    @admin.display(description="guild id")
    def guild_id(self, member: FraudCaseMember) -> str:
        return member.capper.tenant.guild_id

    @admin.display(description="Discord user id")
    def discord_user_id(self, member: FraudCaseMember) -> str:
        return member.capper.member.discord_user_id


class FraudCaseEventInline(ReadOnlyInline):
    model = FraudCaseEvent
    fields = ["created_at", "action", "actor_label", "from_status", "to_status", "score", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"


class FraudCaseTriageForm(forms.ModelForm):
    """The assignee, plus a status change and a note that are not model fields: the service applies them."""

    new_status = forms.ChoiceField(choices=[("", "(unchanged)"), *CaseStatus.choices], required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    class Meta:
        model = FraudCase
        fields = ["assignee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:  # absent for view-only staff
            self.fields["assignee"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)


@admin.register(FraudCase)
class FraudCaseAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    form = FraudCaseTriageForm
    list_display = ["id", "kind", "score", "status", "member_count", "assignee", "explanation", "last_detected_at"]
    list_filter = [
        ("kind", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("score", RangeNumericFilter),
        ("last_detected_at", RangeDateTimeFilter),
    ]
    list_filter_submit = True
    list_select_related = ["assignee"]
    search_fields = ["explanation"]
    export_columns = [
        Column("id", "id"),
        Column("kind", "kind"),
        Column("score", "score"),
        Column("status", "status"),
        Column("detections", "detection_count"),
        Column("assignee", "assignee__username"),
        Column("explanation", "explanation"),
        Column("first detected (UTC)", "first_detected_at"),
        Column("last detected (UTC)", "last_detected_at"),
    ]
    ordering = ["-id"]
    inlines = [FraudCaseMemberInline, FraudCaseEventInline]
    readonly_fields = [
        "kind",
        "score",
        "status",
        "explanation",
        "evidence_pretty",
        "detection_count",
        "first_detected_at",
        "last_detected_at",
    ]
    fieldsets = [
        (None, {"fields": ["kind", "status", "score", "explanation", "detection_count", "first_detected_at"]}),
        ("Evidence", {"fields": ["evidence_pretty", "last_detected_at"]}),
        ("Triage", {"fields": ["assignee", "new_status", "note"]}),
    ]
    actions = ["mark_investigating", "confirm", "dismiss"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, case: FraudCase) -> int:
        return case.member_total

    @admin.display(description="evidence")
    def evidence_pretty(self, case: FraudCase):
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(case.evidence, indent=2))

    def has_add_permission(self, request) -> bool:
        return False  # cases come from the detectors

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a case is closed with a verdict, never deleted

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        changes = {"note": data.get("note", "")}
        if data.get("new_status"):
            changes["status"] = data["new_status"]
        if "assignee" in form.changed_data:
            changes["assignee"] = data["assignee"].get_username() if data["assignee"] else None
        # the form edited `obj` in memory only; the service reads the row again under its lock
        fraud_case_triage(case=obj, actor=actor_for_request(request), **changes)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "detector_precision": selectors.detector_precision()}
        return super().changelist_view(request, extra_context=extra_context)

    def _triage_selected(self, request, queryset, status: str) -> None:
        done, refused = 0, []
        for case in queryset:
            try:
                fraud_case_triage(case=case, actor=actor_for_request(request), status=status)
                done += 1
            except ApplicationError as error:
                refused.append(f"case {case.pk}: {error.message}")
        if done:
            self.message_user(request, f"{done} case(s) now {status}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark selected cases as investigating", permissions=["change"])
    def mark_investigating(self, request, queryset):
        self._triage_selected(request, queryset, CaseStatus.INVESTIGATING)

    @admin.action(description="Confirm selected cases (fraud)", permissions=["change"])
    def confirm(self, request, queryset):
        self._triage_selected(request, queryset, CaseStatus.CONFIRMED)

    @admin.action(description="Dismiss selected cases (not fraud)", permissions=["change"])
    def dismiss(self, request, queryset):
        self._triage_selected(request, queryset, CaseStatus.DISMISSED)
