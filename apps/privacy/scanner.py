"""Finding personal data in free text: emails, phone numbers, card numbers, IBANs, IP addresses.

Pure functions over a string. Each kind has a pattern that finds candidates and a check that
confirms them (Luhn for cards, mod-97 and the country's length for IBANs, ``ipaddress`` for IPs, a
digit count for phones), so betting text — American odds (-110, +150), lines (+3.5), scores (24-17),
dates (2026-11-30), times, Discord ids — does not light up.

Known limits, chosen for this domain: an unseparated run of 17 or more digits is taken for a Discord
id (a snowflake), never for a card number; a phone number needs an international ``+`` prefix, a
national trunk ``0``, or the North American ``(212) 555-0123`` shape (``555-0199`` alone is not
flagged); odds followed by bare numbers that add up to a phone number's shape ("+250 10 10 1000")
are flagged, and an analyst dismisses them.
"""

import ipaddress
import re
from dataclasses import dataclass

from apps.privacy import anonymization
from apps.privacy.choices import PiiKind


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int
    masked: str


_BEFORE = r"(?<![\w@.+\-/:])"  # not glued to a word, an address, a number or a URL path
_AFTER = r"(?![\w@\-/]|[.:]\w)"

_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-])"
)
# groups of 3 to 6 digits joined by single spaces or dashes, or one unseparated run
_CARD = re.compile(_BEFORE + r"(?:\d{13,16}|\d{3,6}(?:[ \-]\d{3,6}){2,5})" + _AFTER)
# where an IBAN may start; its end is found by counting characters (see _ibans)
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(r"(?<![\w.])" + r"\.".join([_IPV4_OCTET] * 4) + r"(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:]|\.\d)")
_PHONE = re.compile(
    _BEFORE
    + r"(?:"
    # international: +, country code, then digits in groups (spaces, dots, dashes, a bracketed area)
    + r"\+[1-9]\d{0,3}(?:[ .\-]?\(?\d{1,5}\)?){2,6}"
    # North American: (212) 555-0123, 212-555-0123, 212.555.0123
    + r"|\(?[2-9]\d{2}\)?[ .\-][2-9]\d{2}[ .\-]\d{4}|\([2-9]\d{2}\)\s?[2-9]\d{2}[ .\-]?\d{4}"
    # national with a trunk prefix: 020 7946 0958, 07700 900123, 030-1234567, 06 12 34 56 78
    + r"|0\d{1,4}(?:[ .\-/]?\d{2,8}){1,4}"
    + r")"
    + _AFTER
)

# IBAN lengths of the SEPA countries and a few others (ISO 13616 registry)
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23,
    "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22,
}  # fmt: skip

# first digits of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro)
_CARD_PREFIX = re.compile(r"^(?:4|5[0-5]|2[2-7]|3[47]|6|35|3[0689])")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits (payment card numbers carry one)."""
    if not digits.isdigit():
        return False
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: the country's length (when known) and the mod-97 check of the rearranged IBAN."""
    iban = candidate.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97 == 1


def _ibans(text: str):
    """(start, end) of each valid IBAN, printed compact or in groups separated by single spaces."""
    for match in _IBAN_START.finditer(text):
        start, compact_positions = match.start(), []
        index = start
        while index < len(text) and len(compact_positions) < 34:
            character = text[index]
            if character.isascii() and character.isalnum():
                compact_positions.append(index)
            elif not (character == " " and index + 1 < len(text) and text[index + 1].isalnum()):
                break
            index += 1
        expected = IBAN_LENGTHS.get(text[start : start + 2].upper())
        lengths = [expected] if expected else range(min(len(compact_positions), 34), 14, -1)
        for length in lengths:
            if length > len(compact_positions):
                continue
            end = compact_positions[length - 1] + 1
            if end < len(text) and text[end].isalnum():
                continue  # the IBAN would end inside a word
            if iban_valid(text[start:end]):
                yield start, end
                break


def _card_ok(text: str) -> bool:
    digits = re.sub(r"[ \-]", "", text)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn_valid(digits)


_DATE_LIKE = re.compile(r"\b\d{1,4}([./\-])\d{1,2}\1\d{1,4}\b")


def _phone_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if _DATE_LIKE.search(text):
        return False  # 2026-11-30, 01.12.2026: dates, however many digits they add up to
    if text.startswith("+"):
        # "+150 24-17" is odds and a score: spaces and dashes mix only around a bracketed area code
        separators = set(re.findall(r"[ .\-]", text))
        if not (8 <= len(digits) <= 15 and (len(separators) <= 1 or "(" in text)):
            return False
        first = re.match(r"\+(\d+)", text).group(1)
        if first == text[1:]:
            return True  # written without separators: +14155552671
        if len(digits) < 10:
            return False  # written in groups, a real number has 10 digits or more ("+200 10 100" is odds)
        # a separated number starts with its country code (1 to 3 digits; North America's is "1"),
        # which tells it from odds followed by numbers ("+1000 10 10", "+150 2 2 2")
        groups = re.findall(r"\d+", text)[1:]
        if sum(len(group) == 1 for group in groups) > 1:
            return False  # "+200 0 0 100": a number is not written in single digits
        return first == "1" or (len(first) <= 3 and not first.startswith("1")) or len(first) >= 7
    if text.startswith("0"):
        return 10 <= len(digits) <= 11  # a trunk-prefixed national number
    return len(digits) == 10


def _ipv6_ok(text: str) -> bool:
    # two groups at least, one of them 3+ characters (or a dotted IPv4 tail): "a::b" or "::1" is not worth a flag
    groups = [group for group in text.split(":") if group]
    if len(groups) < 2 or not (any(len(group) >= 3 for group in groups) or "." in text):
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _mask(kind: str, text: str) -> str:
    if kind == PiiKind.EMAIL:
        return anonymization.mask_email(text)
    if kind == PiiKind.PHONE:
        return anonymization.mask_phone(text)
    if kind == PiiKind.CARD:
        return anonymization.mask_card(text)
    if kind == PiiKind.IBAN:
        compact = text.replace(" ", "").upper()
        return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    if kind == PiiKind.IPV4:
        return anonymization.generalize_ip(text).replace(".0/24", ".*")
    return anonymization.generalize_ip(text)


# (kind, pattern, check); IBANs (found by _ibans) and then earlier kinds win where candidates overlap
_DETECTORS = [
    (PiiKind.EMAIL, _EMAIL, None),
    (PiiKind.CARD, _CARD, _card_ok),
    (PiiKind.IPV6, _IPV6, _ipv6_ok),
    (PiiKind.IPV4, _IPV4, None),
    (PiiKind.PHONE, _PHONE, _phone_ok),
]


def _confirmed(value: str, check) -> str:
    """The candidate, or its longest prefix of whole digit groups that passes the check ("" if none).

    A pattern is greedy: "+44 20 7946 0958 -110" takes the odds along and then fails the check,
    while "+44 20 7946 0958" alone passes.
    """
    if check is None or check(value):
        return value
    # cut only between words (at a space), never inside a token such as a date or a score
    for boundary in reversed([found.start() for found in re.finditer(r" [ .\-/]*(?=\(?\d)", value)]):
        prefix = value[:boundary]
        if check(prefix):
            return prefix
    return ""


def scan_text(text: str | None) -> list[Finding]:
    """The personal data found in ``text``, in order of position, without overlaps."""
    if not text:
        return []
    candidates = [(0, start, end, PiiKind.IBAN) for start, end in _ibans(text)]
    for priority, (kind, pattern, check) in enumerate(_DETECTORS, start=1):
        for match in pattern.finditer(text):
            value = _confirmed(match.group(0).rstrip(" .-"), check)
            if value:
                candidates.append((priority, match.start(), match.start() + len(value), kind))
    taken: list[tuple[int, int]] = []
    findings = []
    for _, start, end, kind in sorted(candidates):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        findings.append(Finding(str(kind), start, end, _mask(kind, text[start:end])))
    return sorted(findings, key=lambda finding: finding.start)


def redact(text: str | None, *, findings: list[Finding] | None = None) -> str:
    """``text`` with every finding replaced by ``[redacted <kind>]``."""
    if not text:
        return text or ""
    for finding in sorted(findings if findings is not None else scan_text(text), key=lambda f: -f.start):
        text = f"{text[: finding.start]}[redacted {finding.kind}]{text[finding.end :]}"
    return text
