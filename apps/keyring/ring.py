"""The in-process key ring: unwrapped data keys by version, and which one is active.

Keys are read from the database and unwrapped with the master key once, then cached. The active
version is re-read every DBSBM_KEY_RING_CACHE_SECONDS so that a rotation done by another process
is picked up; an unknown version or a failing tag triggers one reload before giving up (a key
created since, or a test database flushed and re-seeded).
"""

import base64
import threading
import time

from django.conf import settings
from django.utils.translation import gettext as _

from apps.keyring import crypto
from apps.keyring.choices import DataKeyStatus
from apps.keyring.errors import (
    CorruptedCiphertext,
    DecryptionError,
    KeyringError,
    MasterKeyMismatch,
    NoActiveDataKey,
    UnknownKeyVersion,
)
from apps.keyring.master import MasterKey, master_key
from apps.keyring.models import DataKey


def wrap_data_key(master: MasterKey, version: int, key: bytes) -> str:
    return base64.b64encode(crypto.seal(master.wrapping_key, key, _wrap_context(version))).decode()


def _wrap_context(version: int) -> bytes:
    return f"dbsbm data key v{version}".encode()


def _unwrap(master: MasterKey, version: int, wrapped: str, fingerprint: str) -> bytes:
    if fingerprint != master.fingerprint:
        raise MasterKeyMismatch(
            _(
                "The master key from %(source)s (fingerprint %(master_fingerprint)s) is not the one data key "
                "v%(version)s was wrapped with (fingerprint %(fingerprint)s): configure the original "
                "DBSBM_MASTER_KEY. Nothing was decrypted or changed."
            )
            % {
                "source": master.source,
                "master_fingerprint": master.fingerprint,
                "version": version,
                "fingerprint": fingerprint,
            }
        )
    try:
        return crypto.open_sealed(master.wrapping_key, base64.b64decode(wrapped), _wrap_context(version))
    except (crypto.InvalidTag, crypto.CiphertextFormatError, ValueError):
        raise KeyringError(
            _(
                "Data key v%(version)s cannot be unwrapped although the master key fingerprint matches: its "
                "stored form (keyring_datakey.wrapped_key) is damaged."
            )
            % {"version": version}
        ) from None


class KeyRing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget every cached key (after a rotation in this process, a flush, or a master key change)."""
        with self._lock:
            self._keys: dict[int, crypto.AESGCM] = {}
            self._active: int | None = None
            self._loaded_at = 0.0

    @property
    def cached_active_version(self) -> int | None:
        """The active version this process believes in (None before the first load)."""
        return self._active

    def _load(self) -> None:
        master = master_key()
        keys, active = {}, None
        for version, wrapped, fingerprint, status in DataKey.objects.values_list(
            "version", "wrapped_key", "master_key_fingerprint", "status"
        ):
            keys[version] = crypto.cipher(_unwrap(master, version, wrapped, fingerprint))
            if status == DataKeyStatus.ACTIVE:
                active = version
        with self._lock:
            self._keys, self._active, self._loaded_at = keys, active, time.monotonic()

    def active_version(self) -> int:
        if self._active is None or time.monotonic() - self._loaded_at > settings.DBSBM_KEY_RING_CACHE_SECONDS:
            self._load()
        if self._active is None:
            raise NoActiveDataKey(
                _(
                    "There is no active data key: run `python manage.py migrate` (creates the first one) or "
                    "`python manage.py rotate_keys --new-key`."
                )
            )
        return self._active

    def _key(self, version: int, *, reload: bool) -> crypto.AESGCM:
        if reload or version not in self._keys:
            self._load()
        key = self._keys.get(version)
        if key is None:
            raise UnknownKeyVersion(
                _("data key v%(version)s does not exist (deleted, or the row comes from another database)")
                % {"version": version},
                reason="missing key version",
            )
        return key

    def encrypt(self, plaintext: str, context: bytes) -> str:
        version = self.active_version()
        return crypto.encode_versioned(version, crypto.seal(self._keys[version], plaintext.encode(), context))

    def decrypt(self, text: str, context: bytes) -> str:
        """Raises a DecryptionError (without row details: callers add them) or a ring-level KeyringError."""
        try:
            version, sealed = crypto.split_versioned(text)
        except crypto.CiphertextFormatError as error:
            raise CorruptedCiphertext(str(error), reason=str(error)) from None
        for attempt in (False, True):
            key = self._key(version, reload=attempt)
            try:
                return crypto.open_sealed(key, sealed, context).decode()
            except (crypto.InvalidTag, crypto.CiphertextFormatError):
                continue
        raise CorruptedCiphertext(
            _(
                "the ciphertext does not authenticate under data key v%(version)s (altered, truncated or "
                "moved from another column)"
            )
            % {"version": version},
            reason="authentication failed",
        )


key_ring = KeyRing()

__all__ = ["DecryptionError", "KeyRing", "key_ring", "wrap_data_key"]
