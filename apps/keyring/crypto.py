"""Primitives: AES-256-GCM with a version prefix, key wrapping, blind indexes (no ORM, no settings)."""

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
DATA_KEY_BYTES = 32
# "v3:<base64 of nonce + ciphertext + tag>": the version names the data key that sealed the value.
VERSIONED = re.compile(r"^v(\d{1,9}):")
# "h1:<base64 of RSA-OAEP wrapped key + nonce + ciphertext + tag>": a highly restricted value.
HYBRID_PREFIX = "h1:"


class CiphertextFormatError(ValueError):
    """Not a value this module wrote (truncated, edited, or plaintext in an encrypted column)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def cipher(key: bytes) -> AESGCM:
    """The AES-GCM object of a key (its key schedule is the costly part: callers keep it)."""
    return AESGCM(key)


def seal(key: bytes | AESGCM, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    return nonce + aead.encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes | AESGCM, sealed: bytes, associated_data: bytes) -> bytes:
    """Raises InvalidTag when the key is wrong or the bytes were altered."""
    if len(sealed) < NONCE_BYTES + 16:
        raise CiphertextFormatError("too short to be a sealed value")
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)


def encode_versioned(version: int, sealed: bytes) -> str:
    return f"v{version}:" + base64.b64encode(sealed).decode()


def split_versioned(text: str) -> tuple[int, bytes]:
    match = VERSIONED.match(text)
    if match is None:
        raise CiphertextFormatError("no key version prefix (is this plaintext in an encrypted column?)")
    try:
        return int(match.group(1)), binascii.a2b_base64(text[match.end() :], strict_mode=True)
    except (binascii.Error, ValueError):
        raise CiphertextFormatError("the ciphertext is not valid base64") from None


def blind_index(key: bytes, purpose: str, normalized: str) -> str:
    """Keyed HMAC-SHA256 of a normalized value: equal values match, nothing else is revealed."""
    return hmac.new(key, f"{purpose}\x00{normalized}".encode(), hashlib.sha256).hexdigest()


__all__ = ["AESGCM", "InvalidTag"]
