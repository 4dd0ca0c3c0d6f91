"""Reading consent: a member's history and their current consent per type."""

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.accounts.models import Member
from apps.privacy.choices import ConsentAction
from apps.privacy.models import ConsentRecord, ConsentType


def consent_history(*, member: Member) -> QuerySet[ConsentRecord]:
    """Every grant and withdrawal of the member, newest first."""
    return ConsentRecord.objects.filter(member=member).select_related("consent_type").order_by("-recorded_at", "-id")


def consent_current(*, member: Member, history: Iterable[ConsentRecord] | None = None) -> list[dict]:
    """Per active consent type: whether the member consents now, to which version, since when.

    `granted` is true only when the latest record is a grant; `is_current_version` says whether that
    grant is of the version in force (a new version needs a new grant). `history`, when given, is the
    member's `consent_history` already read (so a caller that shows it too reads it once).
    """
    if history is None:
        history = consent_history(member=member)
    latest: dict[str, ConsentRecord] = {}
    for record in history:
        latest.setdefault(record.consent_type.code, record)
    rows = []
    for consent_type in ConsentType.objects.filter(is_active=True).order_by("code"):
        record = latest.get(consent_type.code)
        granted = record is not None and record.action == ConsentAction.GRANTED
        rows.append(
            {
                "code": consent_type.code,
                "title": consent_type.title,
                "version": consent_type.version,
                "is_required": consent_type.is_required,
                "granted": granted,
                "granted_version": record.consent_type.version if granted else None,
                "is_current_version": granted and record.consent_type_id == consent_type.pk,
                "since": record.recorded_at if record is not None else None,
            }
        )
    return rows


def member_consents(*, member: Member, code: str) -> bool:
    """Whether the member currently consents to the active version of `code`."""
    return any(row["code"] == code and row["is_current_version"] for row in consent_current(member=member))
