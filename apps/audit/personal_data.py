"""What the audit trail holds about people (apps/core/personal_data.py).

Decisions:
- The trail is append-only and hash-chained: every personal field is KEEP here (never rewritten in
  place); erasure and retention deal with it through the trail's own archive/pseudonym process.
- Actors are staff users, API keys or the system; targets may be members or cappers, whose label
  (``str(row)``) names them: identifiers, internal.
- The client IP address is restricted (encrypted at rest, apps.keyring.fields); ``changes`` may
  carry any field's before/after and ``reason`` is free text: confidential.
"""

from django.db.models import Q

from apps.core.personal_data import DataCategory, DataClass, ErasureAction, declare_personal_data

KEEP = ErasureAction.KEEP


def _events_about(member) -> Q:
    """Events whose target is the member, or the member's capper profile."""
    about = Q(target_type="accounts.member", target_id=str(member.pk))
    capper = getattr(member, "capper", None)  # the reverse one-to-one of betting.Capper, when there is one
    if capper is not None:
        about |= Q(target_type="betting.capper", target_id=str(capper.pk))
    return about


declare_personal_data(
    "audit.AuditEvent",
    subject=_events_about,
    kind="audit_trail",
    fields={
        "actor_identifier": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who made the change (id)", KEEP),
        "actor_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "who made the change (name)", KEEP),
        "target_id": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "what was changed (id)", KEEP),
        "target_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "what was changed (name)", KEEP),
        "changes": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "before and after of the change", KEEP),
        "reason": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "why, as the actor wrote it", KEEP),
        "ip_address": (DataClass.RESTRICTED, DataCategory.TECHNICAL, "where the change came from", KEEP),
    },
    not_personal=[
        "id",
        "occurred_at",
        "actor_kind",
        "guild_id",
        "action",
        "target_type",
        "request_id",
        "content_hash",
    ],
)
