"""PII findings in the admin: read-only rows; redact or dismiss through the services."""

from django.contrib import admin, messages

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin
from apps.core.errors import ApplicationError
from apps.privacy.admin.reasons import MAX_ROWS_PER_ACTION, reason_action
from apps.privacy.choices import FindingStatus
from apps.privacy.models import PiiFinding
from apps.privacy.services import pii_finding_dismiss, pii_finding_redact


@admin.register(PiiFinding)
class PiiFindingAdmin(ModelAdmin):
    list_display = ["id", "kind", "model_label", "field_name", "object_id", "guild_id", "masked_excerpt", "status"]
    list_filter = ["status", "kind", "model_label"]
    search_fields = ["object_id", "guild_id"]
    date_hierarchy = "found_at"
    ordering = ["-id"]
    readonly_fields = [
        "model_label",
        "object_id",
        "field_name",
        "guild_id",
        "kind",
        "masked_excerpt",
        "status",
        "found_at",
        "resolved_at",
        "resolved_by",
    ]
    exclude = ["value_hash"]
    actions = ["redact_selected", "dismiss_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # findings come from the scanner

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closed by redacting or dismissing, never deleted

    @admin.action(description="Redact the found values in their rows", permissions=["change"])
    def redact_selected(self, request, queryset):
        actor = actor_for_request(request)
        done = 0
        for finding in queryset.filter(status=FindingStatus.OPEN)[:MAX_ROWS_PER_ACTION]:
            try:
                pii_finding_redact(finding=finding, actor=actor)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"Finding {finding.pk}: {error.message}", messages.ERROR)
        self.message_user(request, f"{done} finding(s) redacted.", messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Dismiss selected findings (with a reason)", permissions=["change"])
    def dismiss_selected(self, request, queryset):
        findings = list(queryset.filter(status=FindingStatus.OPEN)[:MAX_ROWS_PER_ACTION])

        def dismiss(reason: str) -> None:
            actor = actor_for_request(request)
            for finding in findings:
                pii_finding_dismiss(finding=finding, actor=actor, reason=reason)
            self.message_user(request, f"{len(findings)} finding(s) dismissed.", messages.SUCCESS)

        return reason_action(
            self,
            request,
            findings,
            empty="None of the selected findings is open.",
            describe=lambda finding: (finding.pk, str(finding), finding.masked_excerpt),
            apply=dismiss,
            action="dismiss_selected",
            title="Dismiss findings",
            intro="A dismissed finding stays on record with your reason; the text is left as it is.",
        )
