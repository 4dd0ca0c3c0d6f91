"""Data keys in the admin: metadata only. The wrapped key material is neither shown nor editable."""

from django.contrib import admin

from apps.keyring.models import DataKey
from apps.keyring.selectors import data_key_list


@admin.register(DataKey)
class DataKeyAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "created_at", "activated_at", "retired_at", "master_key_fingerprint"]
    list_filter = ["status"]
    fields = ["version", "status", "created_at", "activated_at", "retired_at", "master_key_fingerprint"]
    readonly_fields = fields

    def get_queryset(self, request):
        return data_key_list()

    def has_add_permission(self, request) -> bool:
        return False  # keys are created by rotate_keys (and the first one by migrate)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting a key loses every value it encrypts

    def has_change_permission(self, request, obj=None) -> bool:
        return False
