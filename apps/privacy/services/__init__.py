"""Every state change of the privacy app, one module per part of the app.

Helpers adding services to this app: put them in your own module of this package and re-export
the public ones below (other apps may import ``apps.privacy.services`` only).
"""

from apps.privacy.kanonymity import anonymized_export, enforce_k, k_anonymity
from apps.privacy.services.exports import export_download
from apps.privacy.services.findings import (
    pii_finding_dismiss,
    pii_finding_redact,
    pii_scan_bet,
    pii_scan_bets,
    pii_scan_member,
    pii_scan_models,
    pii_scan_queryset,
    scanned_fields,
)
from apps.privacy.services.pseudonyms import forget, pseudonymize, reidentify
from apps.privacy.services.requests import (
    request_assign,
    request_complete,
    request_four_eyes_refusal,
    request_receive,
    request_reject,
    request_start_verification,
    request_verify_identity,
)
from apps.privacy.services.retention import (
    legal_hold_place,
    legal_hold_release,
    retention_policies_ensure_defaults,
    retention_policy_create,
    retention_policy_update,
    retention_run,
)

__all__ = [
    "anonymized_export",
    "enforce_k",
    "export_download",
    "forget",
    "k_anonymity",
    "legal_hold_place",
    "legal_hold_release",
    "pii_finding_dismiss",
    "pii_finding_redact",
    "pii_scan_bet",
    "pii_scan_bets",
    "pii_scan_member",
    "pii_scan_models",
    "pii_scan_queryset",
    "pseudonymize",
    "reidentify",
    "request_assign",
    "request_complete",
    "request_four_eyes_refusal",
    "request_receive",
    "request_reject",
    "request_start_verification",
    "request_verify_identity",
    "retention_policies_ensure_defaults",
    "retention_policy_create",
    "retention_policy_update",
    "retention_run",
    "scanned_fields",
]
