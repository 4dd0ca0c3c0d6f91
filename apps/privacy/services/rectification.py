"""Rectification: a data-subject request's field changes, applied through the accounts' members service.

The privacy app never writes a member's fields itself: validation, encryption and the audit event of
the change are the members service's. What may be rectified is what the person can tell us about
themselves (not ids, not the tenant).
"""

import datetime
from typing import Any

from django.utils.translation import gettext as _

from apps.accounts import services as account_services
from apps.accounts.models import Member
from apps.accounts.services import MEMBER_PROFILE_FIELDS as RECTIFIABLE_FIELDS
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

_MAX_LENGTH = 2000


def rectification_validate(*, changes: Any) -> dict[str, Any]:
    """`changes` must be an object of known fields and string (or null) values; dates as YYYY-MM-DD."""
    allowed = RECTIFIABLE_FIELDS
    if not isinstance(changes, dict) or not changes:
        raise ApplicationError(
            _("A rectification needs details.changes: an object of the fields to correct and their values."),
            fields={"details": [_("Give changes for some of: %(choices)s.") % {"choices": ", ".join(allowed)}]},
        )
    errors = {}
    for name, value in changes.items():
        if name not in allowed:
            errors[name] = [_("Not rectifiable; choose from %(choices)s.") % {"choices": ", ".join(allowed)}]
        elif value is not None and not isinstance(value, str):
            errors[name] = [_("Must be a string or null.")]
        elif isinstance(value, str) and len(value) > _MAX_LENGTH:
            errors[name] = [_("At most %(max)s characters.") % {"max": _MAX_LENGTH}]
        elif name == "date_of_birth" and value:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                errors[name] = [_("Must be a date as YYYY-MM-DD.")]
        elif name == "username" and not (value or "").strip():
            errors[name] = [_("A member always has a username.")]
    if errors:
        raise ApplicationError(_("Some requested corrections are invalid."), fields={"details": [{"changes": errors}]})
    return changes


def member_rectify(*, member: Member, actor: Actor, changes: dict[str, Any]) -> list[str]:
    """Apply the corrections through the members service (which audits them); returns the fields changed."""
    rectification_validate(changes=changes)
    values = {}
    for name, value in changes.items():
        if name == "date_of_birth":
            values[name] = datetime.date.fromisoformat(value) if value else None
        else:
            values[name] = value or ""  # text fields hold "" for no value
    account_services.member_update(member=member, actor=actor, **values)
    return sorted(values)
