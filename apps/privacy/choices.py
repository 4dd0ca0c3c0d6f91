"""Enumerations of the privacy app (each part of the app adds its own section below)."""

from django.db import models

# --- classification: PII findings in free text (apps/privacy/scanner.py, models/findings.py) ---


class PiiKind(models.TextChoices):
    """What the free-text scanner recognised."""

    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    CARD = "card", "Payment card number"
    IBAN = "iban", "IBAN"
    IPV4 = "ipv4", "IPv4 address"
    IPV6 = "ipv6", "IPv6 address"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    REDACTED = "redacted", "Redacted"
    DISMISSED = "dismissed", "Dismissed"


# --- consent (apps/privacy/models/consent.py) ---


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentSource(models.TextChoices):
    """Where a grant or withdrawal came from."""

    API = "api", "API (the bot or an integration)"
    STAFF = "staff", "Staff (back office)"
    IMPORT = "import", "Import"


# --- data-subject requests (apps/privacy/models/requests.py) ---


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access (a copy of the data)"
    PORTABILITY = "portability", "Portability (machine-readable export)"
    ERASURE = "erasure", "Erasure (right to be forgotten)"
    RECTIFICATION = "rectification", "Rectification"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IDENTITY_VERIFICATION = "identity_verification", "Identity verification"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"


OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IDENTITY_VERIFICATION, RequestStatus.IN_PROGRESS)
EXPORT_REQUEST_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)


class VerificationMethod(models.TextChoices):
    """How staff confirmed that the requester is the person the request is about."""

    DISCORD_DM = "discord_dm", "Confirmed through a Discord direct message"
    DISCORD_OAUTH = "discord_oauth", "Discord OAuth sign-in"
    EMAIL_CONFIRMATION = "email_confirmation", "Email confirmation link"
    ID_DOCUMENT = "id_document", "Identity document checked"
    IN_PERSON = "in_person", "In person"


class RequestEventAction(models.TextChoices):
    RECEIVED = "received", "Received"
    STATUS_CHANGED = "status_changed", "Status changed"
    VERIFIED = "verified", "Identity verified"
    ASSIGNED = "assigned", "Assigned"
    EXPORTED = "exported", "Export produced"
    ERASED = "erased", "Erased"
    RECTIFIED = "rectified", "Rectified"


class PrivacyAlertKind(models.TextChoices):
    REQUEST_DUE_SOON = "request_due_soon", "Data-subject request due soon"
    REQUEST_OVERDUE = "request_overdue", "Data-subject request overdue"
    PIA_REVIEW_DUE = "pia_review_due", "Privacy impact assessment review due"


# --- privacy impact assessments (apps/privacy/models/assessments.py) ---


class PiaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class SubjectScale(models.TextChoices):
    """How many people the processing concerns."""

    UNDER_1K = "under_1k", "Fewer than 1,000"
    UNDER_100K = "under_100k", "1,000 to 100,000"
    UNDER_1M = "under_1m", "100,000 to 1 million"
    OVER_1M = "over_1m", "More than 1 million"


# --- retention (apps/privacy/models/retention.py, apps/privacy/retention/) ---


class RetentionAction(models.TextChoices):
    """What a retention policy does to data past its period (each data kind allows some of them)."""

    DELETE = "delete", "Delete"
    ANONYMIZE = "anonymize", "Anonymize (keep the row, remove the identity)"
    ARCHIVE_THEN_DELETE = "archive_then_delete", "Archive, then delete"


class RetentionRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
