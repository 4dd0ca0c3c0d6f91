"""The audit chain's keys: the HMAC key of the seals and the Ed25519 key of the published checkpoints.

Both are derived (HKDF-SHA256) from one random secret that the database holds only wrapped by the
master key (`keyring.SealedSecret`, purpose "audit-chain"): someone who can write the database but
does not have DBSBM_MASTER_KEY can neither recompute a seal nor sign a checkpoint.

Why a secret of its own rather than a key derived from the master key directly: the master key
rotates (`rotate_master_key`), and a key derived from it would change with it, leaving every earlier
seal and checkpoint unverifiable (or forcing a rewrite of the append-only chain). The secret is
re-wrapped by the rotation instead, so seals, signatures and the published public key stay the same.

The secret is created by the first sealing that finds none; its wrapping binds `legacy_through`, the
last sequence sealed before the chain was keyed (unkeyed SHA-256 seals of an older version). Every seal
after it must be keyed; nobody can move that boundary without the master key.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.keyring.services import sealed_secret_create, sealed_secret_get

SECRET_PURPOSE = "audit-chain"  # noqa: S105 (the name of the secret, not a secret)
_CONTEXT_PREFIX = "legacy-through="


class AuditKeyError(ApplicationError):
    """The audit chain's key is missing where it must exist, or cannot be read."""

    status_code = 503
    code = "audit_key_unavailable"


@dataclass(frozen=True)
class ChainKeys:
    """What seals and signs the chain. Seals up to `legacy_through` are unkeyed (sealed before)."""

    legacy_through: int
    seal_key: bytes
    signing_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def public_key_pem(self) -> bytes:
        return self.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def key_id(self) -> str:
        """Names the signing key without revealing anything: the start of its public key's SHA-256."""
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()[:16]


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dbsbm-audit-chain", info=purpose).derive(secret)


@lru_cache(maxsize=4)
def _keys(secret: bytes, legacy_through: int) -> ChainKeys:
    return ChainKeys(
        legacy_through=legacy_through,
        seal_key=_derive(secret, b"seal hmac v1"),
        signing_key=Ed25519PrivateKey.from_private_bytes(_derive(secret, b"checkpoint ed25519 v1")),
    )


def _legacy_through(context: str) -> int:
    if not context.startswith(_CONTEXT_PREFIX) or not context.removeprefix(_CONTEXT_PREFIX).isdigit():
        raise AuditKeyError(
            _("The audit chain's sealed secret has an unknown context %(context)r.") % {"context": context}
        )
    return int(context.removeprefix(_CONTEXT_PREFIX))


def audit_chain_keys() -> ChainKeys | None:
    """The chain's keys, None before the first keyed seal (a KeyringError when they cannot be unwrapped)."""
    unwrapped = sealed_secret_get(purpose=SECRET_PURPOSE)
    if unwrapped is None:
        return None
    return _keys(unwrapped.secret, _legacy_through(unwrapped.context))


def audit_chain_keys_create(*, legacy_through: int) -> ChainKeys:
    """Create the chain's secret (under the sealer's lock): seals after `legacy_through` are keyed."""
    unwrapped = sealed_secret_create(purpose=SECRET_PURPOSE, context=f"{_CONTEXT_PREFIX}{legacy_through}")
    return _keys(unwrapped.secret, legacy_through)
