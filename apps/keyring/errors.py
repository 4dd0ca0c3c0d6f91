"""What can go wrong with encrypted data, each error naming what it is about (never a plaintext).

Every error is an `ApplicationError`, so the API answers it in the one error shape with a stable
code instead of a 500 page; `apps.keyring.fields` re-exports them for other apps.
"""

from apps.core.errors import ApplicationError


class KeyringError(ApplicationError):
    """The key ring cannot do what was asked (no key, wrong master key, undecryptable value)."""

    status_code = 503
    code = "keyring_unavailable"


class MasterKeyMissing(KeyringError):
    code = "master_key_missing"


class MasterKeyMismatch(KeyringError):
    """The configured master key is not the one the stored data keys were wrapped with."""

    code = "master_key_mismatch"


class NoActiveDataKey(KeyringError):
    code = "no_active_data_key"


class DecryptionError(KeyringError):
    """One stored value cannot be decrypted; the message names model, field and row."""

    code = "undecryptable_value"

    def __init__(self, message: str, *, model_label: str = "", field_name: str = "", pk=None, reason: str = ""):
        super().__init__(message)
        self.model_label = model_label
        self.field_name = field_name
        self.pk = pk
        self.reason = reason


class UnknownKeyVersion(DecryptionError):
    code = "key_version_missing"


class CorruptedCiphertext(DecryptionError):
    status_code = 409
    code = "corrupted_ciphertext"


class RestrictedKeyUnavailable(KeyringError):
    code = "restricted_key_unavailable"
