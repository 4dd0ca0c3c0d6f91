"""Anonymization building blocks: keyed hashing, masking, generalization and bounded perturbation.

Pure functions (no ORM): exports, erasure and retention compose them. Keyed hashes use a key
derived from the deployment's secret with a purpose string (HKDF-SHA256), so a hash is stable across
restarts and processes but cannot be recomputed by someone holding only the data, and hashes made
for one purpose do not link to another purpose's.
"""

import hashlib
import hmac
import ipaddress
import random
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MASK_CHARACTER = "*"
# age bands of official statistics (the youngest band groups minors together)
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, None),
)


def hashing_key(purpose: str) -> bytes:
    """The 32-byte HMAC key of one purpose, derived from the deployment's secret (stable across restarts).

    ``settings.PRIVACY_HASHING_SECRET`` wins when set (so rotating DJANGO_SECRET_KEY, which signs
    sessions, need not change every pseudonymous hash); otherwise ``settings.SECRET_KEY``.
    """
    secret = getattr(settings, "PRIVACY_HASHING_SECRET", "") or settings.SECRET_KEY
    return _derive(secret, purpose)


@lru_cache(maxsize=64)
def _derive(secret: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"dbsbm.privacy.keyed-hash.v1",
        info=purpose.encode(),
    ).derive(secret.encode())


def keyed_hash(value: object, *, purpose: str = "default", length: int = 64) -> str:
    """HMAC-SHA256 of ``value`` (as text) under the purpose's key, hex, cut to ``length`` characters."""
    if not 16 <= length <= 64:
        raise ValueError("length must be between 16 and 64 hex characters")
    message = _text(value).encode()
    return hmac.new(hashing_key(purpose), message, hashlib.sha256).hexdigest()[:length]


def _text(value: object) -> str:
    if value is None:
        raise ValueError("cannot hash None")
    return value if isinstance(value, str) else str(value)


# --- masking -----------------------------------------------------------------------------------


def mask(value: str, *, keep_start: int = 0, keep_end: int = 4, character: str = MASK_CHARACTER) -> str:
    """Replace all but the first ``keep_start`` and last ``keep_end`` characters; short values fully.

    A value not longer than what would be kept is masked entirely, so masking never returns it whole.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if len(value) <= keep_start + keep_end:
        return character * len(value)
    end = value[len(value) - keep_end :] if keep_end else ""
    return value[:keep_start] + character * (len(value) - keep_start - keep_end) + end


def mask_email(email: str) -> str:
    """``jane.doe@example.com`` → ``j***@e***.com``: the first letters and the top-level domain stay."""
    local, separator, domain = email.rpartition("@")
    if not separator or not local or not domain:
        return mask(email, keep_end=0)
    name, dot, top_level = domain.rpartition(".")
    masked_domain = f"{name[:1]}***.{top_level}" if dot and name else "***"
    return f"{local[:1]}***@{masked_domain}"


def mask_phone(phone: str, *, keep_last: int = 2) -> str:
    """Every digit but the last ``keep_last`` becomes ``*``; a leading ``+`` and separators stay."""
    digits_seen = sum(character.isdigit() for character in phone)
    keep_from = digits_seen - keep_last if digits_seen > keep_last else digits_seen
    result, index = [], 0
    for character in phone:
        if character.isdigit():
            result.append(character if index >= keep_from else MASK_CHARACTER)
            index += 1
        else:
            result.append(character)
    return "".join(result)


def mask_card(number: str) -> str:
    """A payment card number with only its last four digits (PCI DSS display rule)."""
    return mask_phone(number, keep_last=4)


# --- generalization ----------------------------------------------------------------------------


def generalize_date(value: date | datetime | str) -> str:
    """A date (or datetime, or ISO text) as its month, ``YYYY-MM``."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year:04d}-{value.month:02d}"


def generalize_ip(address: str, *, ipv4_prefix: int = 24, ipv6_prefix: int = 48) -> str:
    """An address as its network: IPv4 ``/24``, IPv6 ``/48`` (IPv4-mapped IPv6 counts as IPv4)."""
    parsed = ipaddress.ip_address(address.strip())
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    prefix = ipv4_prefix if parsed.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def age_on(birth_date: date, today: date) -> int:
    """Completed years between a birth date and ``today``."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def age_band(age: int | date, *, today: date | None = None, bands=AGE_BANDS) -> str:
    """An age (or a birth date, measured on ``today``) as its band: ``25-34``, ``65+``."""
    if isinstance(age, date):
        age = age_on(age, today or date.today())
    if age < 0:
        raise ValueError("an age cannot be negative")
    for low, high in bands:
        if high is None and age >= low:
            return f"{low}+"
        if high is not None and low <= age <= high:
            return f"{low}-{high}"
    raise ValueError(f"no band covers age {age}")


# --- perturbation ------------------------------------------------------------------------------


def perturb(value: int | float | Decimal, *, bound: int | float | Decimal, seed: object = None):
    """``value`` plus uniform noise in ``[-bound, +bound]``, of the same type as ``value``.

    With a ``seed`` the noise is deterministic (the same seed gives the same noise in every process,
    so re-running an export does not let the noise be averaged away); without one it is random.
    Integers get integer noise; Decimals keep their number of decimal places.
    """
    if bound < 0:
        raise ValueError("bound must not be negative")
    if seed is None:
        rng = random.SystemRandom()
    else:
        # a reproducible stream is the point here; the seed is keyed, so the noise cannot be recomputed
        rng = random.Random(keyed_hash(seed, purpose="perturbation"))  # noqa: S311
    if isinstance(value, bool):
        raise TypeError("cannot perturb a boolean")
    if isinstance(value, int):
        return value + rng.randint(-int(bound), int(bound))
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        step = Decimal(1).scaleb(-places)
        steps = int(Decimal(bound) / step)
        return value + step * rng.randint(-steps, steps)
    return value + rng.uniform(-float(bound), float(bound))
