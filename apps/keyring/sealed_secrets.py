"""Secrets other apps keep in the database wrapped by the master key (keyring.SealedSecret).

The database holds only the wrapped form: someone who can write it can delete or replace a row,
but cannot read the secret, nor make a replacement unwrap, without the master key.
"""

import base64
import secrets
from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.keyring import crypto
from apps.keyring.errors import KeyringError
from apps.keyring.master import MasterKey, master_key
from apps.keyring.models import SealedSecret

SECRET_BYTES = 32


@dataclass(frozen=True)
class UnwrappedSecret:
    purpose: str
    context: str
    secret: bytes


def _associated_data(purpose: str, context: str) -> bytes:
    return f"dbsbm sealed secret|{purpose}|{context}".encode()


def wrap_secret(master: MasterKey, *, purpose: str, context: str, secret: bytes) -> str:
    return base64.b64encode(crypto.seal(master.wrapping_key, secret, _associated_data(purpose, context))).decode()


def unwrap_secret(master: MasterKey, row: SealedSecret) -> bytes:
    """The secret of `row`; a KeyringError when the master key is another one or the row was altered."""
    if row.master_key_fingerprint != master.fingerprint:
        raise KeyringError(
            _(
                "The sealed secret %(purpose)r was wrapped by master key %(master_key_fingerprint)s, not by "
                "the configured one (%(fingerprint)s): configure the original DBSBM_MASTER_KEY."
            )
            % {
                "purpose": row.purpose,
                "master_key_fingerprint": row.master_key_fingerprint,
                "fingerprint": master.fingerprint,
            }
        )
    try:
        return crypto.open_sealed(
            master.wrapping_key, base64.b64decode(row.wrapped_secret), _associated_data(row.purpose, row.context)
        )
    except (crypto.InvalidTag, crypto.CiphertextFormatError, ValueError):
        raise KeyringError(
            _(
                "The sealed secret %(purpose)r does not unwrap under the configured master key although its "
                "fingerprint matches: the row (keyring_sealedsecret) was altered."
            )
            % {"purpose": row.purpose}
        ) from None


def sealed_secret_get(*, purpose: str) -> UnwrappedSecret | None:
    """The unwrapped secret for `purpose`, None when there is none yet."""
    row = SealedSecret.objects.filter(purpose=purpose).first()
    if row is None:
        return None
    return UnwrappedSecret(purpose=row.purpose, context=row.context, secret=unwrap_secret(master_key(), row))


def sealed_secret_create(*, purpose: str, context: str = "") -> UnwrappedSecret:
    """Create a random secret for `purpose` (the caller's transaction and lock make it the only one)."""
    master = master_key()
    secret = secrets.token_bytes(SECRET_BYTES)
    SealedSecret.objects.create(
        purpose=purpose,
        context=context,
        wrapped_secret=wrap_secret(master, purpose=purpose, context=context, secret=secret),
        master_key_fingerprint=master.fingerprint,
    )
    return UnwrappedSecret(purpose=purpose, context=context, secret=secret)


def sealed_secrets_rewrap(*, old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every sealed secret under `new` (inside the master key rotation's transaction)."""
    count = 0
    for row in SealedSecret.objects.select_for_update().order_by("purpose"):
        secret = unwrap_secret(old, row)
        row.wrapped_secret = wrap_secret(new, purpose=row.purpose, context=row.context, secret=secret)
        row.master_key_fingerprint = new.fingerprint
        row.save(update_fields=["wrapped_secret", "master_key_fingerprint"])
        count += 1
    return count
