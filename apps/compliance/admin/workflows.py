"""Workflow definitions (saved through the service), workflows with their steps, and access reviews
in the admin. Work happens in the portal's inbox; here the records are read-only, except access
review decisions, which are actions calling the service (self-review refused)."""

from django.contrib import admin, messages

from apps.compliance.admin.catalogue import ReadOnlyAdmin
from apps.compliance.choices import AccessDecision
from apps.compliance.models import AccessReview, AccessReviewItem, WorkflowDefinition, WorkflowInstance, WorkflowStep
from apps.compliance.services.access_review import access_review_decide
from apps.compliance.services.workflows import workflow_definition_save
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ServiceAdminMixin
from apps.core.errors import ApplicationError


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_active", "updated_at"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # workflows keep their definition; deactivate it instead

    def save_model(self, request, obj, form, change):
        workflow_definition_save(definition=obj, actor=actor_for_request(request))


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    extra = 0
    can_delete = False
    fields = [
        "order",
        "name",
        "assignee_role",
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

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkflowInstance)
class WorkflowInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "definition", "status", "started_at", "finished_at"]
    list_filter = ["status", "definition"]
    list_select_related = ["definition"]
    search_fields = ["title", "subject_ref"]
    inlines = [WorkflowStepInline]


@admin.register(WorkflowStep)
class WorkflowStepAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "order", "name", "assignee_role", "assignee", "status", "due_at"]
    list_filter = ["status", "assignee_role"]
    list_select_related = ["instance", "assignee"]
    search_fields = ["name", "instance__title"]


class AccessReviewItemInline(admin.TabularInline):
    model = AccessReviewItem
    extra = 0
    can_delete = False
    fields = ["username", "groups", "is_superuser", "reviewer", "decision", "decided_by", "decided_at", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("review", "reviewer", "decided_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
        actor, count = actor_for_request(request), 0
        note = "" if decision == AccessDecision.CERTIFIED else f"Revoked in admin by {request.user.get_username()}"
        for item in queryset:
            try:
                access_review_decide(item=item, user=request.user, decision=decision, actor=actor, note=note)
                count += 1
            except ApplicationError as error:
                self.message_user(request, f"{item.username}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} account(s) {decision}.", messages.SUCCESS)

    @admin.action(description="Certify the selected accounts' access", permissions=["change"])
    def certify(self, request, queryset):
        self._decide(request, queryset, AccessDecision.CERTIFIED)

    @admin.action(description="Revoke the selected accounts' access", permissions=["change"])
    def revoke(self, request, queryset):
        self._decide(request, queryset, AccessDecision.REVOKED)
