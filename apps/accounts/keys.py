"""API key material: generation and hashing (pure, no ORM).

A key looks like `dbsbm_<8 hex>_<43 urlsafe chars>`: the first 14 characters are the public
prefix used to find the row, the whole string is hashed with SHA-256. A fast hash is right here:
keys carry 256 bits of randomness, so there is nothing to brute-force, and checking must be cheap
on every request (password hashers are for low-entropy secrets).
"""

import hashlib
import secrets

KEY_NAMESPACE = "dbsbm"
PREFIX_LENGTH = len(KEY_NAMESPACE) + 1 + 8


def generate_key() -> tuple[str, str, str]:
    """A new key: (the full secret to show once, its prefix, its hash)."""
    prefix = f"{KEY_NAMESPACE}_{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    return secret, prefix, hash_key(secret)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def prefix_of(secret: str) -> str | None:
    """The prefix of a well-formed key, or None when the string cannot be one of ours."""
    if len(secret) < PREFIX_LENGTH + 2 or not secret.startswith(KEY_NAMESPACE + "_"):
        return None
    if secret[PREFIX_LENGTH] != "_":
        return None
    return secret[:PREFIX_LENGTH]
