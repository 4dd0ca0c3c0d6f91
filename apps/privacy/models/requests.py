"""Data-subject requests (access, portability, erasure, rectification), their history and outputs.

A request names the member it is about (tenant and Discord user); it is received, its requester's
identity is verified by staff, it is processed and completed or rejected, within a due date (30 days by
default, `PRIVACY_REQUEST_DUE_DAYS`). Who filed it and who verified it are kept as identities
(`filed_by_actor`, `verified_by_actor`) beside their names: someone else completes it (four eyes).
Access and portability produce a `DataExport` (a zip file with a SHA-256); an erasure produces a
`DeletionCertificate` whose SHA-256 covers its content.

`__str__` of these models never names the person: they end up in audit events and logs.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.accounts.models import ApiKey, Member
from apps.keyring.fields import EncryptedTextField
from apps.privacy.choices import (
    OPEN_REQUEST_STATUSES,
    RequestEventAction,
    RequestKind,
    RequestStatus,
    VerificationMethod,
)
from apps.tenants.models import Tenant


class DataSubjectRequest(models.Model):
    """One request by a person about the data held on them in one tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="data_subject_requests")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="data_subject_requests")
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    status = models.CharField(max_length=24, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    details = models.JSONField(
        default=dict, blank=True, help_text="What the person asked for (rectification: the field changes)."
    )
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    requested_by = models.CharField(max_length=150, help_text="The API key prefix or staff user that filed it.")
    requested_by_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The key that filed it: only this key may download the export.",
    )
    filed_by_actor = models.CharField(
        max_length=64,
        blank=True,
        help_text="Who filed it, as kind:id ('api_key:7', 'user:12'): the four-eyes rule compares identities, "
        "not names.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="privacy_requests"
    )
    verification_method = models.CharField(max_length=24, choices=VerificationMethod.choices, blank=True)
    verification_note = models.CharField(max_length=500, blank=True)
    verified_by = models.CharField(max_length=150, blank=True)
    verified_by_actor = models.CharField(
        max_length=64, blank=True, help_text="Who verified the identity, as kind:id ('user:12')."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, help_text="Why it was rejected, or what was done.")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="privacy_request_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="privacy_request_status_valid"),
            models.CheckConstraint(condition=Q(due_at__gt=models.F("received_at")), name="privacy_request_due_after"),
            # processing never starts before someone verified who is asking
            models.CheckConstraint(
                condition=Q(status__in=[RequestStatus.RECEIVED, RequestStatus.IDENTITY_VERIFICATION])
                | Q(status=RequestStatus.REJECTED)
                | Q(verified_at__isnull=False),
                name="privacy_request_verified_before_processing",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status__in=list(OPEN_REQUEST_STATUSES)), name="privacy_request_open_due"
            ),
            models.Index(fields=["tenant", "-id"], name="privacy_request_tenant"),
            models.Index(fields=["member", "-id"], name="privacy_request_member"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class DataSubjectRequestEvent(models.Model):
    """One row of a request's history: received, verified, assigned, status changes, outputs."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=16, choices=RequestEventAction.choices)
    actor_label = models.CharField(max_length=150)
    from_status = models.CharField(max_length=24, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=RequestStatus.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "id"]

    def __str__(self) -> str:
        return f"{self.action} on request #{self.request_id}"


class DataExport(models.Model):
    """The zip of everything held about the person of an access or portability request."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.PROTECT, related_name="exports")
    file_name = models.CharField(max_length=255, help_text="Path inside the export storage.")
    file_key = EncryptedTextField(
        blank=True,
        default="",
        help_text="The key the stored file is sealed with (AES-GCM), itself encrypted by the data key ring. "
        "Empty for a file written before exports were sealed.",
    )
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the zip as the person receives it.")
    size_bytes = models.PositiveBigIntegerField(help_text="Size of the zip as the person receives it.")
    manifest = models.JSONField(default=dict, help_text="Files of the zip with their SHA-256 and row counts.")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    downloaded_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"export #{self.pk} of request #{self.request_id}"


class DeletionCertificate(models.Model):
    """Proof of an erasure: what was erased per model and field (row counts), when, by whom.

    `content` is the canonical JSON the certificate states and `content_sha256` its SHA-256; the member
    is named by pseudonym only.
    """

    request = models.OneToOneField(DataSubjectRequest, on_delete=models.PROTECT, related_name="certificate")
    member_pseudonym = models.CharField(max_length=64)
    erased = models.JSONField(default=dict, help_text="{model: {fields: {field: action}, rows: n}}")
    retained = models.JSONField(default=dict, help_text="Personal data kept, and why (append-only records).")
    erased_at = models.DateTimeField()
    erased_by = models.CharField(max_length=150)
    content = models.JSONField(default=dict)
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"deletion certificate of request #{self.request_id}"
