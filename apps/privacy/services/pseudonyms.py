"""The pseudonym vault: tokens for values, re-identification with permission and audit, forgetting.

A token is random (it says nothing about the value); the vault keeps the value encrypted and its
blind index (apps.keyring.fields), so asking twice for the same value and purpose gives the same
token without decrypting anything. Re-identification needs ``privacy.reidentify_pseudonym`` and
writes an audit event every time, refusals included.
"""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.keyring.fields import blind_index_for
from apps.privacy.models import Pseudonym

TOKEN_PREFIX = "psn_"  # noqa: S105 - a marker of tokens, not a secret
REIDENTIFY_PERMISSION = "privacy.reidentify_pseudonym"
MAX_PURPOSE_LENGTH = 64


def value_index(value: str) -> str:
    """The blind index of a value in the vault (a keyed hash: the same value, the same index)."""
    return blind_index_for(Pseudonym, "value_index", value)


def _check(value: object, purpose: str) -> str:
    if not isinstance(value, str) or not value:
        raise ApplicationError(gettext("Only non-empty text can be pseudonymized."), code="invalid_value")
    if not purpose or len(purpose) > MAX_PURPOSE_LENGTH:
        raise ApplicationError(
            gettext("A purpose of 1 to %(max)s characters is required.") % {"max": MAX_PURPOSE_LENGTH},
            code="invalid_purpose",
        )
    return value


def pseudonymize(value: str, *, purpose: str) -> str:
    """The token standing for ``value`` within ``purpose``: created once, the same ever after.

    Not audited itself: tokens are made in bulk by exports and erasures, which audit their own run.
    """
    value = _check(value, purpose)
    index = value_index(value)
    token = Pseudonym.objects.filter(purpose=purpose, value_index=index).values_list("token", flat=True).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            return Pseudonym.objects.create(
                token=TOKEN_PREFIX + secrets.token_urlsafe(18), purpose=purpose, value=value
            ).token
    except IntegrityError:
        # a concurrent call created the token for the same value first: use that one
        return Pseudonym.objects.values_list("token", flat=True).get(purpose=purpose, value_index=index)


def reidentify(token: str, *, actor: Actor, user, reason: str) -> str:
    """The value behind ``token``, for a staff ``user`` holding the re-identification permission.

    Every attempt is audited in its own transaction: a refusal (no permission, no reason, unknown
    token) is recorded and then raised, so the record survives the refusal.
    """
    pseudonym = Pseudonym.objects.filter(token=token).first() if isinstance(token, str) else None
    refusal = None
    if not (user is not None and user.is_active and user.is_staff and user.has_perm(REIDENTIFY_PERMISSION)):
        refusal = PermissionDeniedError(
            gettext("Re-identifying a pseudonym needs the privacy.reidentify_pseudonym permission."),
            code="reidentify_forbidden",
        )
    elif not reason or not reason.strip():
        refusal = ApplicationError(
            gettext("Say why the pseudonym must be re-identified."),
            code="reason_required",
            fields={"reason": [gettext("Required.")]},
        )
    elif pseudonym is None:
        refusal = NotFoundError(gettext("No pseudonym has this token."), code="pseudonym_not_found")
    with transaction.atomic():
        if refusal is not None:
            audit_record(
                actor=actor,
                action="privacy.reidentification_refused",
                target=pseudonym,
                changes={"token": str(token)[:64], "code": refusal.code},
                reason=reason or "",
            )
        else:
            Pseudonym.objects.filter(pk=pseudonym.pk).update(
                reidentified_count=F("reidentified_count") + 1, last_reidentified_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action="privacy.pseudonym_reidentified",
                target=pseudonym,
                changes={"token": pseudonym.token, "purpose": pseudonym.purpose},
                reason=reason,
            )
    if refusal is not None:
        raise refusal
    return pseudonym.value


@transaction.atomic
def forget(value_or_token: str, *, actor: Actor, purpose: str | None = None, reason: str = "") -> int:
    """Erase the vault entries of a token, or of a value (in one purpose or in all); returns how many.

    After this, the tokens already handed out can no longer be re-identified by anyone.
    """
    if not isinstance(value_or_token, str) or not value_or_token:
        raise ApplicationError(gettext("Name a token or a value to forget."), code="invalid_value")
    rows = Pseudonym.objects.filter(token=value_or_token)
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    if not rows.exists():
        rows = Pseudonym.objects.filter(value_index=value_index(value_or_token))
        if purpose is not None:
            rows = rows.filter(purpose=purpose)
    forgotten = list(rows.values_list("token", "purpose"))
    if forgotten:
        Pseudonym.objects.filter(token__in=[token for token, _ in forgotten]).delete()
    audit_record(
        actor=actor,
        action="privacy.pseudonyms_forgotten",
        changes={"count": len(forgotten), "tokens": sorted(token for token, _ in forgotten)},
        reason=reason,
    )
    return len(forgotten)
