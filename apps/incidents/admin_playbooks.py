"""Playbooks in the admin: read-only, because the YAML in the repo is their source (a change is a commit
and `manage.py incidents_load_playbooks`, which makes it the next version); every version stays visible."""

from django.contrib import admin

from apps.core.admin.tools import ReadOnlyAdmin, ReadOnlyInline
from apps.incidents.models import Playbook, PlaybookStep


class PlaybookStepInline(ReadOnlyInline):
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
    show_change_link = False


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "version", "is_active", "source_path", "loaded_at"]
    list_filter = ["kind", "is_active"]
    show_facets = admin.ShowFacets.NEVER
    fields = ["name", "kind", "version", "is_active", "source_path", "source_sha256", "loaded_at"]
    readonly_fields = fields
    inlines = [PlaybookStepInline]
