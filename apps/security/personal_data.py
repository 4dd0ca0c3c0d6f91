"""What the security app holds about people (apps/core/personal_data.py).

Decisions:
- Security events and alerts are about staff users, API keys and anonymous clients, never about a
  guild's members: a member's data-subject request finds none of their rows. Behavioural baselines
  of cappers are the exception (their subject is the member's capper).
- IP addresses are restricted: encrypted at rest (apps.keyring.fields.EncryptedIPAddressField) with
  a blind index for grouping. django-axes' login-throttling tables are the exception: a third-party
  schema we cannot encrypt, about staff login attempts only, kept short by axes' own cleanup; their
  addresses are declared confidential so the data map shows them honestly.
"""

from django.db.models import Q

from apps.core.personal_data import DataCategory, DataClass, declare_personal_data, no_member_rows


def _baselines_of(member) -> Q:
    capper = getattr(member, "capper", None)  # betting.Capper's reverse one-to-one, when there is one
    if capper is None:
        return Q(pk__in=[])
    return Q(subject_kind="capper", subject_id=str(capper.pk))


declare_personal_data(
    "security.SecurityEvent",
    subject=no_member_rows,
    kind="security_events",
    fields={
        "actor_identifier": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who acted (staff id, key id)"),
        "actor_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who acted (username, key prefix)"),
        "ip_address": (DataClass.RESTRICTED, DataCategory.TECHNICAL, "where the request came from"),
        "ip_address_index": (DataClass.INTERNAL, DataCategory.TECHNICAL, "keyed hash of the address, for grouping"),
        "user_agent": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "which client made the request"),
        "details": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "what was attempted (e.g. the username)"),
    },
    not_personal=["id", "occurred_at", "event_type", "actor_kind", "guild_id", "request_id", "risk_score"],
)

declare_personal_data(
    "security.Alert",
    subject=no_member_rows,
    kind="security_alerts",
    fields={
        "title": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "what was detected (may name the subject)"),
        "dedup_key": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "rule and subject of the alert"),
        "group_key": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "the user, address or key it is about"),
        "assignee": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst handling it"),
        "details": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "the numbers behind the alert"),
    },
    not_personal=[
        "id",
        "rule",
        "rule_version",
        "severity",
        "status",
        "guild_id",
        "compliance_requirements",
        "detection_count",
        "first_seen_at",
        "last_seen_at",
        "created_at",
        "updated_at",
    ],
)

declare_personal_data(
    "security.AlertActivity",
    subject=no_member_rows,
    kind="security_alerts",
    fields={
        "actor_identifier": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst (id)"),
        "actor_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst (name)"),
        "note": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the analyst's note"),
        "details": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "what changed"),
    },
    not_personal=["id", "alert", "occurred_at", "actor_kind", "action", "from_status", "to_status"],
)

declare_personal_data(
    "security.Baseline",
    subject=_baselines_of,
    kind="behavioural_baselines",
    fields={
        "subject_id": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "whose behaviour (id)"),
        "subject_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "whose behaviour (name)"),
        "profile": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "usual hours, volumes and sources"),
    },
    not_personal=["id", "subject_kind", "guild_id", "window_start", "window_end", "sample_size", "computed_at"],
)

_AXES_COMMON = {
    "ip_address": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "login throttling (third-party table)"),
    "username": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the staff login tried"),
    "user_agent": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "the browser used"),
}
_AXES_NOT_PERSONAL = ["id", "http_accept", "path_info", "attempt_time"]

declare_personal_data(
    "axes.AccessAttempt",
    subject=no_member_rows,
    kind="login_attempts",
    fields={
        **_AXES_COMMON,
        "get_data": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "the login request (axes strips passwords)"),
        "post_data": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "the login request (axes strips passwords)"),
    },
    not_personal=[*_AXES_NOT_PERSONAL, "failures_since_start"],
)
declare_personal_data(
    "axes.AccessLog",
    subject=no_member_rows,
    kind="login_attempts",
    fields={**_AXES_COMMON, "session_hash": (DataClass.INTERNAL, DataCategory.TECHNICAL, "the staff session")},
    not_personal=[*_AXES_NOT_PERSONAL, "logout_time"],
)
declare_personal_data(
    "axes.AccessFailureLog",
    subject=no_member_rows,
    kind="login_attempts",
    fields=_AXES_COMMON,
    not_personal=[*_AXES_NOT_PERSONAL, "locked_out"],
)

declare_personal_data(
    "security.BlockedAddress",
    subject=no_member_rows,
    kind="address_blocks",
    fields={
        "network": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "the address refused (matched on every request)"),
        "reason": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "why (the incident and step)"),
        "created_by_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who blocked it (a playbook or staff)"),
        "lifted_by_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who lifted it"),
    },
    not_personal=["id", "blocked_until", "created_at", "lifted_at"],
)
