"""Consent types and members' consent history in the admin.

Consent records are append-only and come from members (through the API): read-only here. A consent
type's new wording is published as a new version through the service (audited), never edited in place.
"""

from django import forms
from django.contrib import admin

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin
from apps.privacy.models import ConsentRecord, ConsentType
from apps.privacy.services.consent import consent_type_publish


class ConsentTypeForm(forms.ModelForm):
    class Meta:
        model = ConsentType
        fields = ["code", "title", "text", "is_required"]


@admin.register(ConsentType)
class ConsentTypeAdmin(ServiceAdminMixin, ModelAdmin):
    form = ConsentTypeForm
    list_display = ["code", "version", "title", "is_required", "is_active", "created_at"]
    list_filter = ["is_active", "code"]
    ordering = ["code", "-version"]

    def get_readonly_fields(self, request, obj=None):
        # an existing version is history: a new wording is a new version (add it under the same code)
        return ["code", "version", "title", "text", "is_required", "is_active", "created_at"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        published = consent_type_publish(actor=actor_for_request(request), **form.cleaned_data)
        obj.pk, obj.version, obj.is_active = published.pk, published.version, published.is_active
        obj._state.adding = False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "member", "consent_type", "action", "source", "recorded_at", "recorded_by"]
    list_filter = ["action", "source", "consent_type__code"]
    list_select_related = ["member", "consent_type"]
    search_fields = ["member__discord_user_id"]
    date_hierarchy = "recorded_at"
    ordering = ["-recorded_at", "-id"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ConsentRecord._meta.fields]
