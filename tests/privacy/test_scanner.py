"""The PII scanner: what it finds in free text, what it must not (betting text), and redaction."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.privacy.scanner import iban_valid, luhn_valid, redact, scan_text


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(finding.kind, text[finding.start : finding.end]) for finding in scan_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe@example.com now", [("email", "jane.doe@example.com")]),
        ("<first.last+tips@sub.example.co.uk>", [("email", "first.last+tips@sub.example.co.uk")]),
        ("call +44 20 7946 0958", [("phone", "+44 20 7946 0958")]),
        ("call +14155552671.", [("phone", "+14155552671")]),
        ("call +49 (30) 1234567", [("phone", "+49 (30) 1234567")]),
        ("call (212) 555-0123", [("phone", "(212) 555-0123")]),
        ("call 212-555-0123", [("phone", "212-555-0123")]),
        ("call 212.555.0123", [("phone", "212.555.0123")]),
        ("mobile 07700 900123", [("phone", "07700 900123")]),
        ("tel 06 12 34 56 78", [("phone", "06 12 34 56 78")]),
        ("call +44 20 7946 0958 -110 Lakers", [("phone", "+44 20 7946 0958")]),
        ("card 4111 1111 1111 1111", [("card", "4111 1111 1111 1111")]),
        ("card 4111 1111 1111 1111 2026-11-30", [("card", "4111 1111 1111 1111")]),
        ("card 4111111111111111", [("card", "4111111111111111")]),
        ("card 5500-0000-0000-0004", [("card", "5500-0000-0000-0004")]),
        ("amex 3782 822463 10005", [("card", "3782 822463 10005")]),
        ("iban GB82 WEST 1234 5698 7654 32 thanks", [("iban", "GB82 WEST 1234 5698 7654 32")]),
        ("iban DE89370400440532013000", [("iban", "DE89370400440532013000")]),
        ("iban fr1420041010050500013m02606", [("iban", "fr1420041010050500013m02606")]),
        ("from 203.0.113.7 today", [("ipv4", "203.0.113.7")]),
        ("from 2001:db8::ff00:42:8329", [("ipv6", "2001:db8::ff00:42:8329")]),
        ("from ::ffff:192.0.2.1", [("ipv6", "::ffff:192.0.2.1")]),
        ("from fe80::1%", [("ipv6", "fe80::1")]),
        (
            "dm me at joe@example.com or +1 415 555 2671, pay to GB82WEST12345698765432",
            [("email", "joe@example.com"), ("phone", "+1 415 555 2671"), ("iban", "GB82WEST12345698765432")],
        ),
    ],
)
def test_finds_personal_data(text, expected):
    assert _kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Lakers -110, Celtics +150, o220.5 at -105",
        "spread +3.5 (-110) and total u 47.5",
        "parlay: 3 legs at +600, 2u to win 12u",
        "final 24-17, 2OT 131-129",
        "game on 2026-11-30 at 19:30, 30.11.2026, 11/30/2026, 01.12.2026",
        "kickoff 10:30:45 UTC",
        "message id 1234567890123456789 and user 612345678901234567",
        "card-like but Luhn-invalid 4111 1111 1111 1112",
        "a 16-digit id with a bad Luhn 4111111111111112",
        "IBAN with a wrong check GB83 WEST 1234 5698 7654 32",
        "version 1.2.3.4.5 and 999.1.1.1 and 1.2.3",
        "odds 1.91 and 2.05, units 1,000",
        "ticket 1234567890 (no area code shape)",
        "http://example.com/path and @mention and email-less text",
        "short local number 555-0199",
        "ratio 3:1 and 12:30 and a::b is text",
        "",
    ],
)
def test_betting_text_is_not_flagged(text):
    assert scan_text(text) == []


def test_findings_are_masked_never_the_value():
    text = "jane.doe@example.com 4111 1111 1111 1111 +44 20 7946 0958 GB82WEST12345698765432 203.0.113.7"
    masked = {finding.kind: finding.masked for finding in scan_text(text)}
    assert masked == {
        "email": "j***@e***.com",
        "card": "**** **** **** 1111",
        "phone": "+** ** **** **58",
        "iban": "GB****************5432",
        "ipv4": "203.0.113.*",
    }


def test_redact_replaces_each_finding_and_keeps_the_rest():
    text = "Lakers -110, write jane@example.com or call +44 20 7946 0958."
    assert redact(text) == "Lakers -110, write [redacted email] or call [redacted phone]."
    assert redact("") == ""
    assert redact(None) == ""


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("79927398713", True), ("4111111111111112", False), ("12a4", False)],
)
def test_luhn(digits, valid):
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89370400440532013000", True),
        ("DE8937040044053201300", False),  # one character short for Germany
        ("GB82WEST12345698765433", False),  # checksum
        ("XX00", False),
    ],
)
def test_iban_mod_97(iban, valid):
    assert iban_valid(iban) is valid


def _with_luhn_digit(prefix: str) -> str:
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("a Luhn check digit always exists")


BETTING_WORDS = st.sampled_from(["Lakers", "o220.5", "u47.5", "ML", "parlay", "2u", "lock", "(-110)", "+3.5", "24-17"])
ODDS = st.integers(min_value=100, max_value=99999).flatmap(lambda odds: st.sampled_from([f"-{odds}", f"+{odds}"]))
DATES = st.dates().map(
    lambda day: st.sampled_from([day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y")])
)


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.one_of(BETTING_WORDS, ODDS, DATES.flatmap(lambda dates: dates)), max_size=12))
def test_betting_vocabulary_never_flagged(words):
    assert scan_text(" ".join(words)) == []


@settings(max_examples=150, deadline=None)
@given(
    body=st.text(alphabet="0123456789", min_size=14, max_size=14),
    before=st.lists(BETTING_WORDS, max_size=3),
    after=st.lists(BETTING_WORDS, max_size=3),
)
def test_any_visa_number_is_found_among_betting_words(body, before, after):
    card = _with_luhn_digit("4" + body)
    text = " ".join([*before, card, *after])
    assert [(finding.kind, text[finding.start : finding.end]) for finding in scan_text(text)] == [("card", card)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_findings_are_ordered_within_the_text_and_do_not_overlap(text):
    findings = scan_text(text)
    previous_end = 0
    for finding in findings:
        assert previous_end <= finding.start < finding.end <= len(text)
        previous_end = finding.end


@settings(max_examples=100, deadline=None)
@given(
    pieces=st.lists(
        st.one_of(
            BETTING_WORDS,
            st.emails().filter(lambda email: len(email) < 80),
            st.ip_addresses(v=4).map(str),
            st.ip_addresses(v=6).map(str),
        ),
        max_size=8,
    )
)
def test_redacted_text_has_nothing_left_to_find(pieces):
    assert scan_text(redact(" ".join(pieces))) == []
