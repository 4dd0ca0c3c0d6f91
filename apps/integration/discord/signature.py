"""Discord's request signature: Ed25519 over `timestamp + body`, with the application's public key.

Discord signs every interaction it sends (`X-Signature-Ed25519`: the signature in hex,
`X-Signature-Timestamp`: Unix seconds as a string); an endpoint must refuse a request whose signature does
not verify (Discord checks this when the URL is saved by sending a bad one). The timestamp is inside the
signed bytes, so checking it against the clock bounds how long a captured request can be replayed.
"""

import time
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

SIGNATURE_LENGTH = 64  # bytes of an Ed25519 signature


class SignatureRejected(Exception):
    """The request is not verifiably Discord's (the message says why, for the log; the caller sees 401)."""


@lru_cache(maxsize=4)
def public_key(hex_key: str) -> Ed25519PublicKey:
    """The public key of a hex setting (parsed once per process)."""
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except ValueError as error:
        raise SignatureRejected("DISCORD_PUBLIC_KEY is not a 32-byte key in hex") from error


def signature_verify(*, signature_hex: str, timestamp: str, body: bytes, now: float | None = None) -> None:
    """Raise SignatureRejected unless `signature_hex` is the application key's signature of timestamp + body
    and the timestamp is within DISCORD_TIMESTAMP_TOLERANCE_SECONDS of now."""
    if not settings.DISCORD_PUBLIC_KEY:
        raise SignatureRejected("DISCORD_PUBLIC_KEY is not set")
    if not signature_hex or not timestamp:
        raise SignatureRejected("missing X-Signature-Ed25519 or X-Signature-Timestamp")
    try:
        signature = bytes.fromhex(signature_hex)
        sent_at = int(timestamp)
    except ValueError as error:
        raise SignatureRejected("malformed signature or timestamp") from error
    if len(signature) != SIGNATURE_LENGTH:
        raise SignatureRejected("the signature is not 64 bytes")
    try:
        public_key(settings.DISCORD_PUBLIC_KEY).verify(signature, timestamp.encode() + body)
    except InvalidSignature as error:
        raise SignatureRejected("the signature does not verify") from error
    # after the signature: an attacker cannot pick the timestamp of a signed request, only replay it
    if abs((time.time() if now is None else now) - sent_at) > settings.DISCORD_TIMESTAMP_TOLERANCE_SECONDS:
        raise SignatureRejected("the timestamp is outside the replay window")
