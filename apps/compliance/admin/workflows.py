"""Workflow definitions (saved through the service), workflows with their steps, and access reviews
in the admin. Work happens in the portal's inbox; here the records are read-only, except access
review decisions, which are actions calling the service (self-review refused)."""

from django.contrib import admin

from apps.accounts.choices import staff_role_label
from apps.compliance.choices import AccessDecision
from apps.compliance.models import AccessReview, AccessReviewItem, WorkflowDefinition, WorkflowInstance, WorkflowStep
from apps.compliance.services.access_review import access_review_decide
from apps.compliance.services.workflows import workflow_definition_save
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline, ServiceAdminMixin, each_selected


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ["code", "name", "is_active", "updated_at"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # workflows keep their definition; deactivate it instead

    def save_model(self, request, obj, form, change):
        workflow_definition_save(definition=obj, actor=actor_for_request(request))


class WorkflowStepInline(ReadOnlyInline):
    model = WorkflowStep
    fields = [
        "order",
        "name",
        "assignee_role_name",
        "assignee",
        "status",
        "due_at",
        "completed_by",
        "completed_at",
        "outcome_notes",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instance", "assignee", "completed_by")

    @admin.display(description="assignee role", ordering="assignee_role")
    def assignee_role_name(self, step):
        return staff_role_label(step.assignee_role)


@admin.register(WorkflowInstance)
class WorkflowInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "definition", "status", "started_at", "finished_at"]
    list_filter = ["status", "definition"]
    list_select_related = ["definition"]
    search_fields = ["title", "subject_ref"]
    inlines = [WorkflowStepInline]


@admin.register(WorkflowStep)
class WorkflowStepAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "order", "name", "assignee_role_name", "assignee", "status", "due_at"]
    list_filter = ["status", "assignee_role"]
    list_select_related = ["instance", "assignee"]
    search_fields = ["name", "instance__title"]

    @admin.display(description="assignee role", ordering="assignee_role")
    def assignee_role_name(self, step):
        return staff_role_label(step.assignee_role)


class AccessReviewItemInline(ReadOnlyInline):
    model = AccessReviewItem
    fields = ["username", "groups", "is_superuser", "reviewer", "decision", "decided_by", "decided_at", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("review", "reviewer", "decided_by")


@admin.register(AccessReview)
class AccessReviewAdmin(ReadOnlyAdmin):
    list_display = ["period", "reviewer", "status", "started_at", "due_at", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["reviewer"]
    inlines = [AccessReviewItemInline]


@admin.register(AccessReviewItem)
class AccessReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "review", "username", "is_superuser", "reviewer", "decision", "decided_at"]
    list_filter = ["decision", "review"]
    list_select_related = ["review", "reviewer"]
    search_fields = ["username"]
    actions = ["certify", "revoke"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and request.user.has_perm("compliance.change_accessreviewitem")  # actions only

    def _decide(self, request, queryset, decision: str) -> None:
        actor = actor_for_request(request)
        note = "" if decision == AccessDecision.CERTIFIED else f"Revoked in admin by {request.user.get_username()}"
        each_selected(
            self,
            request,
            queryset,
            lambda item: access_review_decide(item=item, user=request.user, decision=decision, actor=actor, note=note),
            name=lambda item: item.username,
            done=f"account(s) {decision}",
        )

    @admin.action(description="Certify the selected accounts' access", permissions=["change"])
    def certify(self, request, queryset):
        self._decide(request, queryset, AccessDecision.CERTIFIED)

    @admin.action(description="Revoke the selected accounts' access", permissions=["change"])
    def revoke(self, request, queryset):
        self._decide(request, queryset, AccessDecision.REVOKED)
