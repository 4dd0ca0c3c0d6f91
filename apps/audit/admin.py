from django.contrib import admin

from apps.audit.models import AuditEvent, AuditSeal


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is append-only: nobody adds, edits or deletes rows through the admin."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "occurred_at", "action", "actor_kind", "actor_label", "guild_id", "target_type", "target_id"]
    list_filter = ["actor_kind", "action", "occurred_at"]
    search_fields = ["action", "actor_label", "actor_identifier", "guild_id", "target_id", "target_label", "request_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # no COUNT(*) over the whole trail on every page


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "event_id", "sealed_at", "chain_hash"]
    search_fields = ["=event_id", "chain_hash"]
    show_full_result_count = False
