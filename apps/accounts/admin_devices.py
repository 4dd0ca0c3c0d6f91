"""Staff TOTP devices in the admin (replaces django-otp's admin): listed, never added, edited or deleted here.

A device is enrolled by its owner's sign-in (apps/accounts/admin_site.py). Removing one is the "reset"
action through `totp_device_reset`: one's own device with a code from it, anyone else's by a second staff
user holding the reset permission, each with a reason for the audit trail. Before this, a signed-in user
could delete their own device here and enrol a new one with the password alone.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.services import totp_device_reset
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ReadOnlyAdmin, action_page
from apps.core.errors import ApplicationError

RESET_TEMPLATE = "admin/accounts/totpdevice/reset.html"
MAX_DEVICES_PER_RESET = 100


class ResetForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), help_text="Kept in the audit trail."
    )
    token = forms.CharField(
        required=False,
        max_length=8,
        label="Code from your authenticator",
        help_text="Needed to reset your own device: the code it shows now.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    """Read-only: a device is enrolled by its owner's sign-in, never with a key typed in here; removal is
    the audited reset action."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed", "created_at", "last_used_at"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]  # never the key
    readonly_fields = fields
    actions = ["reset_selected"]

    def has_reset_permission(self, request) -> bool:
        # offered to whoever sees the list; the service decides per device (own: its code; others': the permission)
        return self.has_view_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Reset selected devices (the owner enrols again; audited)", permissions=["reset"])
    def reset_selected(self, request, queryset):
        devices = list(queryset.select_related("user").order_by("pk")[:MAX_DEVICES_PER_RESET])
        form = ResetForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._reset_page(request, devices, form)
        reset = 0
        for device in devices:
            try:
                totp_device_reset(
                    device=device,
                    performed_by=request.user,
                    actor=actor_for_request(request),
                    reason=form.cleaned_data["reason"],
                    token=form.cleaned_data["token"],
                )
            except ApplicationError as refused:
                self.message_user(request, f"{device.user}: {refused.message}", messages.ERROR)
            else:
                reset += 1
        self.message_user(request, f"{reset} device(s) reset.", messages.SUCCESS if reset else messages.WARNING)
        return None

    def _reset_page(self, request, devices: list[TOTPDevice], form: ResetForm) -> TemplateResponse:
        context = {
            "title": "Reset TOTP devices",
            "devices": devices,
            "own_device": any(device.user_id == request.user.pk for device in devices),
            "form": form,
        }
        return action_page(self, request, RESET_TEMPLATE, context)
