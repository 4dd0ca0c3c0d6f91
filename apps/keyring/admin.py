"""Data keys in the admin: metadata only. The wrapped key material is neither shown nor editable."""

from django.contrib import admin

from apps.core.admin.tools import ReadOnlyAdmin
from apps.keyring.models import DataKey
from apps.keyring.selectors import data_key_list


@admin.register(DataKey)
class DataKeyAdmin(ReadOnlyAdmin):
    """Read-only: keys are created by rotate_keys (the first one by migrate); deleting one would lose
    every value it encrypts."""

    list_display = ["version", "status", "created_at", "activated_at", "retired_at", "master_key_fingerprint"]
    list_filter = ["status"]
    fields = ["version", "status", "created_at", "activated_at", "retired_at", "master_key_fingerprint"]
    readonly_fields = fields

    def get_queryset(self, request):
        return data_key_list()
