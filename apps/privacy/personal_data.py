"""What the privacy app itself holds about people (apps/core/personal_data.py).

Each part of the app declares its models here, in its own section (helpers: add yours below).
"""

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from apps.betting.models import Bet, BetLeg
from apps.core.personal_data import DataCategory, DataClass, ErasureAction, declare_personal_data
from apps.keyring.fields import blind_index_for
from apps.privacy.models import Pseudonym

# --- classification and pseudonyms (PII findings, the pseudonym vault) --------------------------


def _ids(queryset) -> Q:
    return queryset.annotate(text_id=Cast("pk", CharField())).values("text_id")


def _findings_about(member) -> Q:
    """Findings in the member's own row and in the free text of the member's bets and legs."""
    return (
        Q(model_label="accounts.Member", object_id=str(member.pk))
        | Q(model_label="betting.Bet", object_id__in=_ids(Bet.objects.filter(capper__member=member)))
        | Q(model_label="betting.BetLeg", object_id__in=_ids(BetLeg.objects.filter(bet__capper__member=member)))
    )


def _pseudonyms_of(member) -> Q:
    """Vault entries for the member's Discord user id or member id (what exports pseudonymize)."""
    values = [member.discord_user_id, str(member.pk)]
    return Q(value_index__in=[blind_index_for(Pseudonym, "value_index", value) for value in values])


declare_personal_data(
    "privacy.PiiFinding",
    subject=_findings_about,
    kind="pii_findings",
    fields={
        "masked_excerpt": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "what was found, masked"),
        "value_hash": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "keyed hash of the found value (dedup)"),
        "resolved_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the staff user who closed it"),
    },
    not_personal=[
        "id",
        "model_label",
        "object_id",
        "field_name",
        "guild_id",
        "kind",
        "status",
        "found_at",
        "resolved_at",
    ],
)

declare_personal_data(
    "privacy.Pseudonym",
    subject=_pseudonyms_of,
    kind="pseudonym_vault",
    fields={
        "value": (DataClass.RESTRICTED, DataCategory.IDENTIFIER, "the value a token stands for", ErasureAction.ERASE),
        "value_index": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "blind index of the value"),
    },
    not_personal=["id", "token", "purpose", "created_at", "reidentified_count", "last_reidentified_at"],
)


# --- consent and data-subject requests ------------------------------------------------------------
# Consent history is the proof of what a member agreed to and when: kept on erasure (the member row
# itself loses the identity). A request's details (a rectification's corrections) and the staff's
# verification note may hold anything about the person: erased.

declare_personal_data(
    "privacy.ConsentRecord",
    subject="member",
    kind="consent_history",
    fields={
        "consent_type": (DataClass.CONFIDENTIAL, DataCategory.CONSENT, "what the member was asked", ErasureAction.KEEP),
        "action": (DataClass.CONFIDENTIAL, DataCategory.CONSENT, "granted or withdrawn", ErasureAction.KEEP),
        "source": (DataClass.INTERNAL, DataCategory.CONSENT, "where the answer came from", ErasureAction.KEEP),
        "recorded_at": (DataClass.INTERNAL, DataCategory.CONSENT, "when", ErasureAction.KEEP),
    },
    not_personal=["id", "member", "recorded_by"],
)

declare_personal_data(
    "privacy.DataSubjectRequest",
    subject="member",
    kind="data_subject_requests",
    fields={
        "kind": (DataClass.CONFIDENTIAL, DataCategory.CONSENT, "what the person asked for", ErasureAction.KEEP),
        "details": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the request's details", ErasureAction.ERASE),
        "received_at": (DataClass.INTERNAL, DataCategory.CONSENT, "when it was received", ErasureAction.KEEP),
        "verification_method": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "how verified", ErasureAction.KEEP),
        "verification_note": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "identity check", ErasureAction.ERASE),
    },
    not_personal=[
        "id",
        "tenant",
        "member",
        "status",
        "due_at",
        "requested_by",
        "requested_by_key",
        "filed_by_actor",
        "assignee",
        "verified_by",
        "verified_by_actor",
        "verified_at",
        "resolution",
        "completed_at",
        "created_at",
        "updated_at",
    ],
)


# --- retention: legal holds ---------------------------------------------------------------------
# (declared by the classification part so the registry test holds; the retention part may refine it)
# A hold on a member is itself a record about that person (why their data is kept): kept on erasure,
# since a hold is exactly what blocks erasure while it is active.

declare_personal_data(
    "privacy.LegalHold",
    subject="member",
    kind="legal_holds",
    fields={
        "reason": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "why the data must be kept", ErasureAction.KEEP),
        "release_reason": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "why the hold ended", ErasureAction.KEEP),
        "placed_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the staff user who placed it"),
        "released_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the staff user who released it"),
    },
    not_personal=["id", "tenant", "member", "placed_at", "released_at"],
)
