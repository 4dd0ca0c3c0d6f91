"""Privacy impact assessments in the admin: write a draft, submit it, and a different person decides.

The score, level and mitigations are computed by the rules (read-only here); status changes go
through the services, which refuse a reviewer who is the author and audit every step.
"""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin, each_selected
from apps.privacy.admin.reasons import MAX_ROWS_PER_ACTION, reason_action
from apps.privacy.assessments import QUESTIONS
from apps.privacy.choices import PiaStatus
from apps.privacy.models import PrivacyImpactAssessment
from apps.privacy.services.assessments import pia_create, pia_decide, pia_mark_reviewed, pia_submit, pia_update

EXAMPLE = {
    "data_categories": ["identifier", "behavioural"],
    "subject_scale": "under_100k",
    "automated_decisions": False,
    "profiling": False,
    "cross_border_transfer": False,
    "transfer_countries": [],
    "special_categories": False,
    "retention_days": 365,
    "new_technology": False,
}


class AssessmentForm(forms.ModelForm):
    questionnaire = forms.JSONField(
        initial=EXAMPLE,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text=f"A JSON object answering: {', '.join(QUESTIONS)} (see apps/privacy/assessments.py).",
    )

    class Meta:
        model = PrivacyImpactAssessment
        fields = ["title", "processing", "questionnaire"]


@admin.register(PrivacyImpactAssessment)
class PrivacyImpactAssessmentAdmin(ServiceAdminMixin, ModelAdmin):
    form = AssessmentForm
    list_display = ["id", "title", "status", "level", "score", "author", "reviewer", "next_review_at"]
    list_filter = ["status", "level"]
    list_select_related = ["author", "reviewer"]
    search_fields = ["title"]
    ordering = ["-id"]
    readonly_fields = [
        "status",
        "score",
        "level",
        "mitigation_list",
        "author",
        "reviewer",
        "submitted_at",
        "decided_at",
        "decision_note",
        "next_review_at",
    ]
    actions = ["submit", "approve", "reject", "mark_reviewed"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in (PiaStatus.DRAFT, PiaStatus.REJECTED):
            return [*self.readonly_fields, "title", "processing", "questionnaire"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="suggested mitigations")
    def mitigation_list(self, pia: PrivacyImpactAssessment):
        return format_html_join("", "<p>{}</p>", ((item,) for item in pia.mitigations)) or "-"

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("title", "processing", "questionnaire")}
        actor = actor_for_request(request)
        if not change:
            created = pia_create(actor=actor, author=request.user, **data)
            obj.pk = created.pk
            obj._state.adding = False
            return
        # the form changed `obj` in memory only: the service reads the row again under its lock
        pia_update(pia=obj, actor=actor, **data)

    def _each(self, request, queryset, call, done_message: str) -> None:
        rows = queryset[:MAX_ROWS_PER_ACTION]
        each_selected(
            self, request, rows, call, name=lambda pia: f"PIA #{pia.pk}", done=f"assessment(s) {done_message}"
        )

    @admin.action(description="Submit for review", permissions=["change"])
    def submit(self, request, queryset):
        actor = actor_for_request(request)
        self._each(request, queryset, lambda pia: pia_submit(pia=pia, actor=actor), "submitted")

    @admin.action(description="Approve (you must not be the author)", permissions=["change"])
    def approve(self, request, queryset):
        actor = actor_for_request(request)
        self._each(
            request,
            queryset,
            lambda pia: pia_decide(pia=pia, actor=actor, reviewer=request.user, approve=True),
            "approved",
        )

    @admin.action(description="Reject with a reason… (you must not be the author)", permissions=["change"])
    def reject(self, request, queryset):
        assessments = list(queryset.filter(status=PiaStatus.SUBMITTED)[:MAX_ROWS_PER_ACTION])

        def reject(reason: str) -> None:
            actor = actor_for_request(request)
            self._each(
                request,
                PrivacyImpactAssessment.objects.filter(pk__in=[pia.pk for pia in assessments]),
                lambda pia: pia_decide(pia=pia, actor=actor, reviewer=request.user, approve=False, note=reason),
                "rejected",
            )

        return reason_action(
            self,
            request,
            assessments,
            empty="Only submitted assessments can be rejected.",
            describe=lambda pia: (pia.pk, str(pia), f"{pia.level}, score {pia.score}"),
            apply=reject,
            action="reject",
            title="Reject assessments",
            intro="The author revises a rejected assessment and submits it again.",
        )

    @admin.action(description="Mark periodic review done (still valid)", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        actor = actor_for_request(request)
        self._each(
            request,
            queryset,
            lambda pia: pia_mark_reviewed(pia=pia, actor=actor, reviewer=request.user),
            "reviewed",
        )
