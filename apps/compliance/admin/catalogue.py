"""Catalogues in the admin: read-only (they are synced from data files and OSCAL imports)."""

from django.contrib import admin

from apps.compliance.models import Framework, Requirement, RequirementMapping
from apps.core.admin.tools import ReadOnlyAdmin


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "version", "source", "updated_at"]
    list_filter = ["source"]
    search_fields = ["id", "name"]


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ["ref", "framework", "title", "parent", "is_group"]
    list_filter = ["framework", "is_group"]
    list_select_related = ["framework", "parent"]
    search_fields = ["ref", "title"]
    raw_id_fields = ["parent"]


@admin.register(RequirementMapping)
class RequirementMappingAdmin(ReadOnlyAdmin):
    list_display = ["source", "target", "relation"]
    list_filter = ["relation"]
    list_select_related = ["source", "target"]
    search_fields = ["source__ref", "target__ref"]
