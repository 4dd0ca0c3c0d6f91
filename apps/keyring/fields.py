"""Encrypted model fields, for every app (a public module across apps, like models).

    email = EncryptedTextField(blank=True, default="")
    email_index = BlindIndexField(source="email", normalizer="email")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    notes = HybridEncryptedTextField(blank=True, default="")   # highly restricted

Values are stored as text: "v<key version>:<base64 AES-GCM>" (the data key ring) or "h1:..." (the
restricted RSA key pair). The column and field name are bound into each ciphertext (associated
data), so a value copied into another column does not decrypt. "" and NULL are stored as they are.

Encrypted fields cannot be filtered by value (each encryption uses a random nonce): search by exact
value through a `BlindIndexField` (`blind_index_for`). Any lookup but `isnull` raises a FieldError
that says so. A value that cannot be decrypted raises a `DecryptionError` naming model, field and
row when the attribute is read; saving such an instance keeps the stored ciphertext unchanged.
"""

import datetime
import ipaddress
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from apps.keyring import crypto
from apps.keyring.errors import (
    CorruptedCiphertext,
    DecryptionError,
    KeyringError,
    MasterKeyMismatch,
    MasterKeyMissing,
    RestrictedKeyUnavailable,
    UnknownKeyVersion,
)
from apps.keyring.master import MasterKey, master_key
from apps.keyring.restricted import hybrid_decrypt, hybrid_encrypt, private_key
from apps.keyring.ring import key_ring

SEALED_TEXT = "[sealed: highly restricted, needs the restricted private key]"


class Undecryptable(str):
    """Stands in for a stored value that did not decrypt (reading the attribute raises)."""

    def __new__(cls, ciphertext: str, error: DecryptionError) -> "Undecryptable":
        value = super().__new__(cls, f"[undecryptable: {error.reason or error.message}]")
        value.ciphertext = ciphertext
        value.error = error
        return value


class SealedValue(str):
    """A highly restricted value this process cannot open; saving it back keeps the ciphertext."""

    def __new__(cls, ciphertext: str, *, is_final: bool = False) -> "SealedValue":
        value = super().__new__(cls, SEALED_TEXT)
        value.ciphertext = ciphertext
        value.is_final = is_final  # False: not tried yet (opened lazily, when a model attribute is read)
        return value


def is_sealed(value: Any) -> bool:
    """Whether a value read from a highly restricted field could not be opened by this process."""
    return isinstance(value, SealedValue)


def _row_error(field: models.Field, error: DecryptionError, pk: Any) -> DecryptionError:
    row = f"row {pk}" if pk is not None else "a row (read without its primary key)"
    message = f"{field.model._meta.label}.{field.name} of {row} cannot be decrypted: {error.message}"
    return type(error)(message, model_label=field.model._meta.label, field_name=field.name, pk=pk, reason=error.reason)


class EncryptedAttribute(DeferredAttribute):
    """Raises the decryption error of an undecryptable value, naming the row, when it is read."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, SealedValue) and self.field.is_hybrid and not value.is_final:
            value = self.field.unseal(value)
            instance.__dict__[self.field.attname] = value
        if isinstance(value, Undecryptable):
            raise _row_error(self.field, value.error, instance.pk)
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedFieldMixin:
    """Shared by every encrypted field: text column, no lookups by value, ciphertext in, value out."""

    descriptor_class = EncryptedAttribute
    is_hybrid = False

    def get_internal_type(self) -> str:
        return "TextField"

    @cached_property
    def encryption_context(self) -> bytes:
        """Associated data of every value: a ciphertext moved to another column does not decrypt."""
        return f"{self.model._meta.label}.{self.name}".encode()

    def get_lookup(self, lookup_name: str):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{type(self).__name__} {self.model._meta.label}.{self.name} cannot be filtered with "
            f"'{lookup_name}': every value is encrypted with a random nonce. Filter on its BlindIndexField "
            "(blind_index_for) for exact matches."
        )

    def get_transform(self, lookup_name: str):
        return None

    def value_to_text(self, value: Any) -> str:
        return str(value)

    def text_to_value(self, text: str) -> Any:
        return text

    def encrypt_text(self, text: str) -> str:
        return key_ring.encrypt(text, self.encryption_context)

    def decrypt_text(self, text: str) -> Any:
        return key_ring.decrypt(text, self.encryption_context)

    def pre_save(self, model_instance, add):
        # the stored form as loaded: an unread highly restricted value is not opened just to be saved,
        # and an undecryptable one is written back unchanged instead of raising
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Undecryptable | SealedValue):
            return value.ciphertext  # never overwrite what could not be read
        value = self.to_python(value)
        if value is None:
            return None
        text = self.value_to_text(value)
        return self.encrypt_text(text) if text != "" else ""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.empty_value_from_db(value)
        try:
            return self.text_to_value(self.decrypt_text(value))
        except DecryptionError as error:
            return Undecryptable(value, error)

    def empty_value_from_db(self, value):
        return value


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Free text or a short identifier, encrypted with the active data key."""

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)


class EncryptedDateField(EncryptedFieldMixin, models.TextField):
    """A date (Python `datetime.date`), stored encrypted as its ISO text."""

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a date in YYYY-MM-DD format.") % {"value": value}, code="invalid_date"
            ) from None

    def value_to_text(self, value: datetime.date) -> str:
        return value.isoformat()

    def text_to_value(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)

    def empty_value_from_db(self, value):
        return None

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.DateField, **kwargs})


def canonical_ip(value: Any) -> str | None:
    """One spelling per address (IPv4-mapped IPv6 spelled ::ffff:a.b.c.d), None for no address."""
    if value in (None, ""):
        return None
    address = ipaddress.ip_address(str(value).split("/")[0])
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(int(address))
        if address.ipv4_mapped:
            return f"::ffff:{address.ipv4_mapped}"
    return str(address)


class EncryptedIPAddressField(EncryptedFieldMixin, models.TextField):
    """An IPv4 or IPv6 address, validated and canonicalized, stored encrypted."""

    def to_python(self, value: Any) -> Any:
        try:
            return canonical_ip(value)
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not an IPv4 or IPv6 address.") % {"value": value}, code="invalid_ip"
            ) from None

    def empty_value_from_db(self, value):
        return None

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.GenericIPAddressField, **kwargs})


class HybridEncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Highly restricted text: sealed with the restricted RSA public key (hybrid RSA-OAEP + AES-GCM).

    Reads as a `SealedValue` (text SEALED_TEXT, `is_sealed(value)` is True) in a process without the
    private key. Not part of data key rotation: it does not use the data key ring.
    """

    is_hybrid = True

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def encrypt_text(self, text: str) -> str:
        return hybrid_encrypt(text, self.encryption_context)

    def from_db_value(self, value, expression, connection):
        # Opened lazily (RSA costs about a millisecond): a list that never shows the field, or a
        # select_related through it, pays nothing. `.values()` gives the SealedValue: use `unseal`.
        if value is None or value == "":
            return value
        return SealedValue(value)

    def unseal(self, value: Any) -> Any:
        """The plaintext of a stored value, a final SealedValue without the private key, or Undecryptable."""
        if not isinstance(value, SealedValue):
            return value
        private = private_key()
        if private is None:
            return SealedValue(value.ciphertext, is_final=True)
        try:
            return hybrid_decrypt(value.ciphertext, self.encryption_context, private)
        except RestrictedKeyUnavailable:
            return SealedValue(value.ciphertext, is_final=True)
        except DecryptionError as error:
            return Undecryptable(value.ciphertext, error)


_NORMALIZERS = {
    "exact": lambda value: str(value),
    "email": lambda value: str(value).strip().casefold(),
    "ip": canonical_ip,
}


class BlindIndexField(models.CharField):
    """Keyed HMAC-SHA256 of another field's normalized value, for exact-match search.

    Kept in sync on every save that writes it (a save with `update_fields` must name it too). The
    key is derived from the master key and never stored; `purpose` separates indexes of different
    fields so equal values in two fields do not match each other.
    """

    def __init__(self, *args, source: str = "", purpose: str = "", normalizer: str = "exact", **kwargs) -> None:
        self.source, self.purpose, self.normalizer = source, purpose, normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose, normalizer=self.normalizer)
        for option, default in (("max_length", 64), ("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(option) == default:
                kwargs.pop(option)
        kwargs["db_index"] = self.db_index
        return name, path, args, kwargs

    def index_of(self, value: Any, *, master: MasterKey | None = None) -> str | None:
        """The index of a value (None for no value; an invalid value gets no index), keyed by the
        configured master key or by `master` (a master key rotation computes the new indexes)."""
        if value in (None, ""):
            return None
        try:
            normalized = _NORMALIZERS[self.normalizer](value)
        except ValueError:
            return None
        if normalized in (None, ""):
            return None
        purpose = self.purpose or f"{self.model._meta.label}.{self.source}"
        return crypto.blind_index((master or master_key()).blind_index_key, purpose, normalized)

    def pre_save(self, model_instance, add):
        source_value = model_instance.__dict__.get(model_instance._meta.get_field(self.source).attname)
        if not isinstance(source_value, Undecryptable | SealedValue):
            setattr(model_instance, self.attname, self.index_of(source_value))
        return getattr(model_instance, self.attname)


def blind_index_for(model: type[models.Model], index_field: str, value: Any) -> str | None:
    """The blind index of `value` for `model.<index_field>`: filter(**{index_field: ...})."""
    return model._meta.get_field(index_field).index_of(value)


def is_encrypted_field(field: Any) -> bool:
    """Whether a model field stores its values encrypted (compliance checks, the data map)."""
    return isinstance(field, EncryptedFieldMixin)


def encrypted_fields(*, include_hybrid: bool = True) -> list[models.Field]:
    """Every encrypted concrete field of every installed model, in a stable order."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if is_encrypted_field(field) and (include_hybrid or not field.is_hybrid):
                found.append(field)
    return sorted(found, key=lambda field: (field.model._meta.label, field.name))


__all__ = [
    "BlindIndexField",
    "CorruptedCiphertext",
    "DecryptionError",
    "EncryptedDateField",
    "EncryptedIPAddressField",
    "EncryptedTextField",
    "HybridEncryptedTextField",
    "KeyringError",
    "MasterKeyMismatch",
    "MasterKeyMissing",
    "SealedValue",
    "Undecryptable",
    "UnknownKeyVersion",
    "blind_index_for",
    "canonical_ip",
    "encrypted_fields",
    "is_encrypted_field",
    "is_sealed",
]
