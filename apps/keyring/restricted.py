"""The restricted key pair of "highly restricted" fields: hybrid RSA-OAEP + AES-256-GCM.

Sealing a value needs only the public key, which every process has. Opening it needs the private
key from DBSBM_RESTRICTED_PRIVATE_KEY_FILE, which only the processes that must read such values
are given (not the web process, normally). No plaintext length limit: RSA wraps a fresh AES key per
value, AES-GCM carries the text. Stored as "h1:<key id>:<base64 wrapped key>:<base64 nonce+ciphertext>".
"""

import base64
import binascii
import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.utils.translation import gettext as _

from apps.keyring import crypto
from apps.keyring.errors import CorruptedCiphertext, RestrictedKeyUnavailable

logger = logging.getLogger(__name__)

RSA_KEY_BITS = 3072
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key) -> str:
    return hashlib.sha256(_public_der(public_key)).hexdigest()[:12]


def _write_new_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    try:
        os.link(temporary, path)  # atomic and refuses to replace: the first process to get here wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _create_development_pair(private_path: Path, public_path: Path) -> None:
    if not private_path.exists():
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_new_file(private_path, pem)
        logger.warning(
            "Created a development key pair for highly restricted fields at %s (git-ignored); "
            "production keeps the private key away from the web process.",
            private_path,
        )
    private_key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new_file(public_path, public_pem)


@lru_cache(maxsize=1)
def public_key():
    path = Path(settings.DBSBM_RESTRICTED_PUBLIC_KEY_FILE)
    if not path.exists() and settings.DBSBM_RESTRICTED_KEYPAIR_CREATE_FOR_DEVELOPMENT:
        _create_development_pair(Path(settings.DBSBM_RESTRICTED_PRIVATE_KEY_FILE), path)
    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError):
        raise RestrictedKeyUnavailable(
            _(
                "The public key for highly restricted fields (%(path)s, DBSBM_RESTRICTED_PUBLIC_KEY_FILE) is "
                "missing or not a PEM public key."
            )
            % {"path": path}
        ) from None


@lru_cache(maxsize=1)
def private_key():
    """The private key, or None when this process is not given it (values then read as sealed)."""
    configured = settings.DBSBM_RESTRICTED_PRIVATE_KEY_FILE
    if not configured or not Path(configured).exists():
        return None
    try:
        return serialization.load_pem_private_key(Path(configured).read_bytes(), password=None)
    except (OSError, ValueError):
        logger.error("DBSBM_RESTRICTED_PRIVATE_KEY_FILE is set but is not a readable PEM private key")
        return None


def reset_restricted_keys() -> None:
    public_key.cache_clear()
    private_key.cache_clear()


def hybrid_encrypt(plaintext: str, context: bytes) -> str:
    key = public_key()
    data_key = crypto.new_data_key()
    wrapped = key.encrypt(data_key, _OAEP)
    sealed = crypto.seal(data_key, plaintext.encode(), context)
    return (
        f"{crypto.HYBRID_PREFIX}{key_id(key)}:{base64.b64encode(wrapped).decode()}:{base64.b64encode(sealed).decode()}"
    )


def hybrid_decrypt(text: str, context: bytes, private) -> str:
    try:
        prefix, kid, wrapped_text, sealed_text = text.split(":")
        wrapped, sealed = base64.b64decode(wrapped_text, validate=True), base64.b64decode(sealed_text, validate=True)
    except (ValueError, binascii.Error):
        raise CorruptedCiphertext(_("not a hybrid ciphertext"), reason="format") from None
    if f"{prefix}:" != crypto.HYBRID_PREFIX:
        raise CorruptedCiphertext(_("unknown hybrid format %(prefix)r") % {"prefix": prefix}, reason="format")
    if kid != key_id(private.public_key()):
        raise RestrictedKeyUnavailable(
            _("the value was sealed for restricted key %(kid)s, and this process holds key %(held_kid)s")
            % {"kid": kid, "held_kid": key_id(private.public_key())}
        )
    try:
        data_key = private.decrypt(wrapped, _OAEP)
        return crypto.open_sealed(data_key, sealed, context).decode()
    except (ValueError, InvalidTag, crypto.CiphertextFormatError):
        raise CorruptedCiphertext(
            _("the hybrid ciphertext does not authenticate"), reason="authentication failed"
        ) from None
