"""The master key: where it comes from, and the keys derived from it (never stored anywhere)."""

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from apps.keyring.errors import MasterKeyMissing

logger = logging.getLogger(__name__)

MASTER_KEY_BYTES = 32


@dataclass(frozen=True)
class MasterKey:
    """The master key's derived keys: one wraps data keys, one keys the blind indexes."""

    wrapping_key: bytes
    blind_index_key: bytes
    fingerprint: str  # identifies the key without revealing it (stored beside each wrapped data key)
    source: str


def generate_master_key() -> str:
    """A new master key, as DBSBM_MASTER_KEY expects it (url-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode()


def _derive(material: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dbsbm-keyring", info=purpose).derive(material)


def _decode(text: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != MASTER_KEY_BYTES:
        raise MasterKeyMissing(
            _(
                "The master key from %(source)s is not url-safe base64 of %(bytes)s bytes; generate one with "
                "`python manage.py keyring_generate_master_key`."
            )
            % {"source": source, "bytes": MASTER_KEY_BYTES}
        )
    return raw


def _create_development_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use that one
    with os.fdopen(descriptor, "w") as handle:
        handle.write(generate_master_key() + "\n")
    logger.warning(
        "Created a development master key at %s (git-ignored). Back it up or lose the encrypted data; "
        "production must set DBSBM_MASTER_KEY or DBSBM_MASTER_KEY_FILE.",
        path,
    )


def _read_configured() -> tuple[bytes, str]:
    if settings.DBSBM_MASTER_KEY:
        return _decode(settings.DBSBM_MASTER_KEY, "DBSBM_MASTER_KEY"), "DBSBM_MASTER_KEY"
    configured_file = settings.DBSBM_MASTER_KEY_FILE
    if not configured_file and settings.DBSBM_MASTER_KEY_CREATE_FOR_DEVELOPMENT:
        configured_file = settings.DBSBM_MASTER_KEY_DEVELOPMENT_FILE
        if not Path(configured_file).exists():
            _create_development_key(Path(configured_file))
    if not configured_file:
        raise MasterKeyMissing(_("No master key: set DBSBM_MASTER_KEY or DBSBM_MASTER_KEY_FILE."))
    path = Path(configured_file)
    try:
        text = path.read_text()
    except OSError as error:
        raise MasterKeyMissing(
            _("The master key file %(path)s cannot be read (%(strerror)s).")
            % {"path": path, "strerror": error.strerror}
        ) from None
    source = f"the file {path}"
    return _decode(text, source), source


@lru_cache(maxsize=1)
def master_key() -> MasterKey:
    """The configured master key (read once per process; `reset_master_key` forgets it)."""
    material, source = _read_configured()
    return _master_from_material(material, source)


def master_key_from_text(text: str, *, source: str) -> MasterKey:
    """A master key given as text (url-safe base64 of 32 bytes), e.g. the new one of a rotation."""
    return _master_from_material(_decode(text, source), source)


def _master_from_material(material: bytes, source: str) -> MasterKey:
    fingerprint_key = _derive(material, b"fingerprint v1")
    return MasterKey(
        wrapping_key=_derive(material, b"data key wrapping v1"),
        blind_index_key=_derive(material, b"blind index v1"),
        fingerprint=hmac.new(fingerprint_key, b"dbsbm master key", hashlib.sha256).hexdigest()[:16],
        source=source,
    )


def reset_master_key() -> None:
    master_key.cache_clear()
