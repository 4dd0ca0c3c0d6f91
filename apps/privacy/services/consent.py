"""Consent: default consent types, new versions of a type, and members' grants and withdrawals.

Every grant or withdrawal is a new `ConsentRecord` (history is never rewritten) with an audit event in
the same transaction. A grant names the active version of the type; granting what is already granted
in that version, or withdrawing what is not granted, records nothing and returns the current record.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import Member
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, NotFoundError
from apps.privacy.choices import ConsentAction, ConsentSource
from apps.privacy.models import ConsentRecord, ConsentType

# Created by a post_migrate receiver when missing (apps/privacy/receivers.py); staff edit them after.
DEFAULT_CONSENT_TYPES = [
    {
        "code": "data_processing",
        "title": "Processing of my betting data",
        "text": "The guild's bot and the DBSBM portal store and process the bets I post, my results and my "
        "Discord identity to keep the guild's records and leaderboards.",
        "is_required": True,
    },
    {
        "code": "marketing",
        "title": "Marketing messages",
        "text": "The guild may send me news and offers by Discord message or email.",
        "is_required": False,
    },
    {
        "code": "analytics",
        "title": "Analytics",
        "text": "My activity may be used, in aggregate, to analyse and improve the service.",
        "is_required": False,
    },
]


def consent_types_ensure_defaults() -> int:
    """Create the default consent types that have no version yet; returns how many were created."""
    created = 0
    for spec in DEFAULT_CONSENT_TYPES:
        if not ConsentType.objects.filter(code=spec["code"]).exists():
            _, made = ConsentType.objects.get_or_create(code=spec["code"], version=1, defaults=spec)
            created += made
    return created


@transaction.atomic
def consent_type_publish(*, actor: Actor, code: str, title: str, text: str, is_required: bool = False) -> ConsentType:
    """A new version of a consent type (the previous version stops being active; members are asked again)."""
    if not text.strip() or not title.strip():
        raise ApplicationError(
            gettext("A consent type needs a title and a text."), fields={"text": [gettext("Required.")]}
        )
    current = ConsentType.objects.select_for_update().filter(code=code).order_by("-version").first()
    before = {"version": current.version if current else None}
    ConsentType.objects.filter(code=code, is_active=True).update(is_active=False)
    consent_type = ConsentType.objects.create(
        code=code,
        version=(current.version + 1) if current else 1,
        title=title.strip(),
        text=text.strip(),
        is_required=is_required,
        is_active=True,
    )
    audit_record(
        actor=actor,
        action="privacy.consent_type_published",
        target=consent_type,
        changes=field_changes(before, {"version": consent_type.version, "title": consent_type.title}),
    )
    return consent_type


def _active_type(code: str) -> ConsentType:
    consent_type = ConsentType.objects.filter(code=code, is_active=True).first()
    if consent_type is None:
        known = ", ".join(ConsentType.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
        raise NotFoundError(
            gettext("No active consent type %(code)r; active types: %(choices)s.")
            % {"code": code, "choices": known or "none"},
            code="consent_type_not_found",
        )
    return consent_type


def _latest(member: Member, code: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(member=member, consent_type__code=code)
        .select_related("consent_type")
        .order_by("-recorded_at", "-id")
        .first()
    )


@transaction.atomic
def consent_record(
    *, member: Member, actor: Actor, code: str, action: str, source: str = ConsentSource.API
) -> tuple[ConsentRecord, bool]:
    """Grant or withdraw a member's consent to a type; returns (the current record, created)."""
    if action not in ConsentAction.values:
        raise ApplicationError(
            gettext("Unknown action %(action)r.") % {"action": action}, fields={"action": [gettext("Unknown.")]}
        )
    consent_type = _active_type(code)
    # one writer per member at a time, so two concurrent grants cannot both see "not granted"
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).first()
    latest = _latest(member, code)
    if (
        latest is not None
        and latest.action == action
        and (action == ConsentAction.WITHDRAWN or latest.consent_type_id == consent_type.pk)
    ):
        return latest, False
    if latest is None and action == ConsentAction.WITHDRAWN:
        raise ApplicationError(
            gettext("The member never granted %(code)r; there is nothing to withdraw.") % {"code": code},
            code="consent_not_granted",
        )
    record = ConsentRecord.objects.create(
        member=member,
        consent_type=consent_type if action == ConsentAction.GRANTED or latest is None else latest.consent_type,
        action=action,
        source=source,
        recorded_at=timezone.now(),
        recorded_by=actor.label[:150],
    )
    audit_record(
        actor=actor,
        action=f"privacy.consent_{action}",
        target=record,
        guild_id=member.tenant.guild_id,
        changes=field_changes(
            {"action": latest.action if latest else None},
            {"action": action, "consent_type": str(record.consent_type), "member_id": member.pk},
        ),
    )
    return record, True
