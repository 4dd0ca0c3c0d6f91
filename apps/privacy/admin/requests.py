"""Data-subject requests, exports, deletion certificates and privacy alerts in the admin.

Everything is read-only; changes go through the services (audited): the changelist's actions start
and record identity verification, assign, complete (which runs the export, erasure or
rectification) and reject with a reason. The services hold the rules, so the admin obeys them as the
portal does: verifying, completing and rejecting are a staff person's acts, and whoever filed a
request or verified the requester may not complete it (four eyes; the refusal is shown per
request). The second factor is the whole admin site's rule (apps/accounts/admin_site.py), not this page's.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ReadOnlyInline, each_selected
from apps.core.exports import Column
from apps.privacy.admin.reasons import action_form_page
from apps.privacy.choices import OPEN_REQUEST_STATUSES, RequestStatus, VerificationMethod
from apps.privacy.models import (
    DataExport,
    DataSubjectRequest,
    DataSubjectRequestEvent,
    DeletionCertificate,
    PrivacyAlert,
)
from apps.privacy.services.erasure import certificate_verify
from apps.privacy.services.requests import (
    request_assign,
    request_complete,
    request_reject,
    request_start_verification,
    request_verify_identity,
)

# This admin's own row cap (the other privacy admins share reasons.MAX_ROWS_PER_ACTION, 100).
MAX_REQUESTS_PER_ACTION = 50


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=VerificationMethod.choices, help_text="How you confirmed who is asking.")
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), help_text="Kept in the audit trail."
    )


class CompleteForm(forms.Form):
    resolution = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="What was done (kept with the request and in the audit trail).",
    )


def _readonly(model_admin) -> list[str]:
    return [field.name for field in model_admin.model._meta.fields]


class RequestEventInline(ReadOnlyInline):
    model = DataSubjectRequestEvent
    fields = ["created_at", "action", "actor_label", "from_status", "to_status", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ExportAdminMixin, ModelAdmin):
    list_display = ["id", "kind", "status", "guild", "member_id", "due_at", "overdue", "assignee", "verified_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["tenant", "assignee"]
    search_fields = ["=id", "tenant__guild_id"]
    export_columns = [
        Column("id", "id"),
        Column("kind", "kind"),
        Column("status", "status"),
        Column("guild id", "tenant__guild_id"),
        Column("member id", "member_id"),
        Column("received at (UTC)", "received_at"),
        Column("due at (UTC)", "due_at"),
        Column("assignee", "assignee__username"),
        Column("verified at (UTC)", "verified_at"),
        Column("requested by", "requested_by"),
    ]
    date_hierarchy = "received_at"
    ordering = ["-id"]
    inlines = [RequestEventInline]
    actions = ["start_verification", "verify_identity", "assign_to_me", "complete", "reject"]

    def get_readonly_fields(self, request, obj=None):
        return _readonly(self)

    def has_add_permission(self, request) -> bool:
        return False  # requests arrive through the API (POST /api/v1/privacy/requests/)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closed by completing or rejecting, never deleted

    @admin.display(description="guild", ordering="tenant__guild_id")
    def guild(self, dsr: DataSubjectRequest) -> str:
        return dsr.tenant.guild_id

    @admin.display(description="overdue", boolean=True)
    def overdue(self, dsr: DataSubjectRequest) -> bool:
        return dsr.is_open and dsr.due_at < timezone.now()

    def _page(self, request, *, action, title, intro, requests, form):
        rows = [(dsr.pk, str(dsr), f"{dsr.get_status_display()}, due {dsr.due_at:%Y-%m-%d}") for dsr in requests]
        return action_form_page(self, request, action=action, title=title, intro=intro, rows=rows, form=form)

    def _each(self, request, requests, call, done_message: str) -> None:
        each_selected(self, request, requests, call, name=str, done=f"request(s) {done_message}")

    def _with_form(self, request, requests, form_class, service, done_message: str, **page) -> HttpResponse | None:
        """An action that asks for a form first (a page over the selected requests), then calls `service`
        with the form's values for each request."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._page(request, requests=requests, form=form, **page)
        actor = actor_for_request(request)
        self._each(request, requests, lambda dsr: service(request=dsr, actor=actor, **form.cleaned_data), done_message)
        return None

    def _open(self, queryset):
        open_requests = queryset.filter(status__in=OPEN_REQUEST_STATUSES).select_related("tenant")
        return list(open_requests[:MAX_REQUESTS_PER_ACTION])

    @admin.action(description="Start identity verification", permissions=["change"])
    def start_verification(self, request, queryset):
        actor = actor_for_request(request)
        self._each(
            request,
            self._open(queryset),
            lambda dsr: request_start_verification(request=dsr, actor=actor),
            "awaiting identity verification",
        )

    @admin.action(description="Record identity verification…", permissions=["change"])
    def verify_identity(self, request, queryset):
        return self._with_form(
            request,
            self._open(queryset),
            VerifyForm,
            request_verify_identity,
            "verified and in progress",
            action="verify_identity",
            title="Record identity verification",
            intro="You confirm that the requester is the person these requests are about. Your name is recorded.",
        )

    @admin.action(description="Assign selected requests to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        actor = actor_for_request(request)
        username = request.user.get_username()
        self._each(
            request,
            self._open(queryset),
            lambda dsr: request_assign(request=dsr, actor=actor, assignee=username),
            f"assigned to {username}",
        )

    @admin.action(description="Complete (export, erase or rectify)…", permissions=["change"])
    def complete(self, request, queryset):
        requests = list(queryset.filter(status=RequestStatus.IN_PROGRESS).select_related("tenant"))
        requests = requests[:MAX_REQUESTS_PER_ACTION]
        if not requests:
            self.message_user(
                request, "Only requests in progress (identity verified) can be completed.", messages.ERROR
            )
            return None
        return self._with_form(
            request,
            requests,
            CompleteForm,
            request_complete,
            "completed",
            action="complete",
            title="Complete requests",
            intro="Completing does the work: access and portability write an export, erasure anonymizes the "
            "member everywhere (it cannot be undone), rectification applies the requested corrections. "
            "Requests you filed or verified are refused: someone else completes them (four eyes).",
        )

    @admin.action(description="Reject with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        return self._with_form(
            request,
            self._open(queryset),
            RejectForm,
            request_reject,
            "rejected",
            action="reject",
            title="Reject requests",
            intro="The reason is kept with each request.",
        )


class _ReadOnlyAdmin(ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return _readonly(self)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DataExport)
class DataExportAdmin(_ReadOnlyAdmin):
    list_display = ["id", "request", "size_bytes", "sha256", "created_by", "created_at", "downloaded_count"]
    list_select_related = ["request"]
    ordering = ["-id"]


@admin.register(DeletionCertificate)
class DeletionCertificateAdmin(_ReadOnlyAdmin):
    list_display = ["id", "request", "member_pseudonym", "erased_at", "erased_by", "hash_verifies"]
    list_select_related = ["request"]
    search_fields = ["member_pseudonym"]
    ordering = ["-id"]
    exclude = ["content", "erased", "retained"]

    def get_readonly_fields(self, request, obj=None):
        return [*(name for name in _readonly(self) if name not in self.exclude), "content_pretty", "hash_verifies"]

    @admin.display(description="SHA-256 verifies", boolean=True)
    def hash_verifies(self, certificate: DeletionCertificate) -> bool:
        return certificate_verify(certificate)

    @admin.display(description="certificate")
    def content_pretty(self, certificate: DeletionCertificate):
        return format_html(
            "<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(certificate.content, indent=2, sort_keys=True)
        )


@admin.register(PrivacyAlert)
class PrivacyAlertAdmin(_ReadOnlyAdmin):
    list_display = ["id", "kind", "message", "due_at", "raised_at", "last_seen_at", "seen_count", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    ordering = ["-raised_at", "-id"]
