"""Admin pages of the regulatory clock definitions (GDPR Art. 33, NIS2 …): every save goes through the
service (validated, audited)."""

from django.contrib import admin

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin
from apps.incidents.models import ClockDefinition
from apps.incidents.services.clocks import clock_definition_save


@admin.register(ClockDefinition)
class ClockDefinitionAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ["regulation", "name", "hours", "requires_personal_data", "min_severity", "is_active"]
    list_filter = ["is_active", "requires_personal_data"]
    search_fields = ["regulation", "name"]
    show_facets = admin.ShowFacets.NEVER

    def save_model(self, request, obj, form, change) -> None:
        clock_definition_save(definition=obj, actor=actor_for_request(request))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: running clocks name their regulation
