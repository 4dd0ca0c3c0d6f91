"""Playbooks in the admin: read-only, because the YAML in the repo is their source (a change is a commit
and `manage.py incidents_load_playbooks`, which makes it the next version); every version stays visible."""

from django.contrib import admin

from apps.incidents.models import Playbook, PlaybookStep


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    fields = [
        "position",
        "slug",
        "title",
        "action",
        "params",
        "owner_role",
        "due_minutes",
        "timeout_seconds",
        "max_attempts",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "version", "is_active", "source_path", "loaded_at"]
    list_filter = ["kind", "is_active"]
    show_facets = admin.ShowFacets.NEVER
    fields = ["name", "kind", "version", "is_active", "source_path", "source_sha256", "loaded_at"]
    readonly_fields = fields
    inlines = [PlaybookStepInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
