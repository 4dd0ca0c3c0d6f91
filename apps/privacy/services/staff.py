"""Who may act on a data-subject request: the identity the four-eyes rule compares, and the staff check.

Filing a request, starting the verification and assigning it are open to the API's privacy scopes.
Verifying the requester, completing, rejecting and downloading an export are a staff person's acts:
an active staff user, never an API key or a job. The services check it (so the admin and the portal
obey it too); the portal adds the second factor, which only a browser session can show.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from apps.core.actors import Actor
from apps.core.errors import PermissionDeniedError


def actor_identity(actor: Actor) -> str:
    """Who acted, as kind:id ('user:12', 'api_key:7'): what the four-eyes rule compares (names change)."""
    return f"{actor.kind}:{actor.identifier}"[:64]


def portal_path(request_id: int | str) -> str:
    """Where staff act on a request: its portal page, behind their second factor."""
    return f"/portal/privacy/requests/{request_id}/"


def staff_only_error(*, doing: str, request_id: int | str) -> PermissionDeniedError:
    """The refusal of a staff act to anyone else (the API answers it to every key): where to do it instead."""
    return PermissionDeniedError(
        _(
            "%(doing)s is a staff action: an active staff user does it in the portal, signed in with their "
            "second factor (%(path)s). API keys may file requests and read their status."
        )
        % {"doing": doing, "path": portal_path(request_id)},
        code="staff_only",
    )


def request_staff_required(*, actor: Actor, doing: str, request_id: int) -> None:
    """Refuse (403 staff_only) unless an active staff user acts: API keys and jobs may not."""
    is_staff = (
        actor.kind == "user"
        and actor.identifier.isdigit()
        and get_user_model().objects.filter(pk=int(actor.identifier), is_staff=True, is_active=True).exists()
    )
    if not is_staff:
        raise staff_only_error(doing=doing, request_id=request_id)
