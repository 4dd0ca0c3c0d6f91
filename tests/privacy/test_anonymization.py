"""Anonymization building blocks and k-anonymous exports (pure functions, no database)."""

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.privacy import anonymization, kanonymity
from apps.privacy.anonymization import (
    age_band,
    generalize_date,
    generalize_ip,
    keyed_hash,
    mask,
    mask_card,
    mask_email,
    mask_phone,
    perturb,
)
from apps.privacy.kanonymity import anonymized_export, enforce_k, k_anonymity

# --- keyed hashing -----------------------------------------------------------------------------


@override_settings(PRIVACY_HASHING_SECRET="a fixed test secret")
def test_keyed_hash_is_stable_across_processes():
    # computed once, independently (HKDF-SHA256 + HMAC-SHA256): a restart or another worker agrees
    expected = "9ce921b96e1e813177b619e736eb14621613b55704810a672b31beb61e5f9265"
    assert keyed_hash("612345678901234567", purpose="exports") == expected
    assert keyed_hash(612345678901234567, purpose="exports") == expected


def test_keyed_hash_depends_on_purpose_secret_and_is_not_a_plain_hash():
    value = "612345678901234567"
    exports = keyed_hash(value, purpose="exports")
    assert exports != keyed_hash(value, purpose="analytics")
    assert exports != hashlib.sha256(value.encode()).hexdigest()
    with override_settings(PRIVACY_HASHING_SECRET="another secret"):
        assert keyed_hash(value, purpose="exports") != exports
    assert len(keyed_hash(value, purpose="exports", length=16)) == 16


@pytest.mark.parametrize("length", [15, 65])
def test_keyed_hash_refuses_lengths_out_of_range(length):
    with pytest.raises(ValueError, match="length"):
        keyed_hash("x", length=length)


def test_keyed_hash_refuses_none():
    with pytest.raises(ValueError, match="None"):
        keyed_hash(None)


# --- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jane.doe@example.com", "j***@e***.com"),
        ("a@b.co", "a***@b***.co"),
        ("not-an-email", "************"),
        ("x@localhost", "x***@***"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+44 20 7946 0958", "+** ** **** **58"), ("(212) 555-0123", "(***) ***-**23"), ("7", "*")],
)
def test_mask_phone_keeps_the_last_two_digits_and_the_layout(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_card_keeps_the_last_four():
    assert mask_card("4111 1111 1111 1111") == "**** **** **** 1111"


@pytest.mark.parametrize(
    ("value", "kwargs", "masked"),
    [
        ("secretvalue", {}, "*******alue"),
        ("secretvalue", {"keep_start": 2, "keep_end": 0}, "se*********"),
        ("abc", {}, "***"),  # shorter than what would be kept: masked entirely
        ("", {}, ""),
    ],
)
def test_mask_generic(value, kwargs, masked):
    assert mask(value, **kwargs) == masked


@given(st.text(max_size=40), st.integers(0, 5), st.integers(0, 5))
def test_mask_shows_at_most_the_kept_ends_and_nothing_of_a_short_value(value, keep_start, keep_end):
    masked = mask(value, keep_start=keep_start, keep_end=keep_end)

    assert len(masked) == len(value)
    shown = [index for index, character in enumerate(masked) if character != "*"]
    if len(value) <= keep_start + keep_end:
        assert shown == []  # a value no longer than what would be kept is hidden entirely
    else:
        kept = set(range(keep_start)) | set(range(len(value) - keep_end, len(value)))
        assert set(shown) <= kept  # (a masked part that already held only "*" looks the same: it hides nothing)


# --- generalization ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "month"),
    [(date(1990, 7, 14), "1990-07"), (datetime(2026, 11, 30, 23, 59), "2026-11"), ("2001-02-03", "2001-02")],
)
def test_generalize_date_to_month(value, month):
    assert generalize_date(value) == month


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        (" 10.1.2.3 ", "10.1.2.0/24"),
    ],
)
def test_generalize_ip(address, network):
    assert generalize_ip(address) == network


def test_generalize_ip_refuses_what_is_not_an_address():
    with pytest.raises(ValueError):
        generalize_ip("999.1.1.1")


@pytest.mark.parametrize(
    ("age", "band"), [(0, "0-17"), (17, "0-17"), (18, "18-24"), (34, "25-34"), (64, "55-64"), (65, "65+"), (120, "65+")]
)
def test_age_band(age, band):
    assert age_band(age) == band


def test_age_band_of_a_birth_date_counts_completed_years():
    assert age_band(date(2008, 12, 1), today=date(2026, 11, 30)) == "0-17"  # 17 until tomorrow's birthday
    assert age_band(date(2008, 11, 30), today=date(2026, 11, 30)) == "18-24"


def test_age_band_refuses_a_negative_age():
    with pytest.raises(ValueError, match="negative"):
        age_band(-1)


# --- perturbation ------------------------------------------------------------------------------


@settings(max_examples=200)
@given(value=st.integers(-(10**6), 10**6), bound=st.integers(0, 1000), seed=st.one_of(st.none(), st.text(max_size=8)))
def test_perturb_integer_stays_within_bound(value, bound, seed):
    noisy = perturb(value, bound=bound, seed=seed)
    assert isinstance(noisy, int)
    assert abs(noisy - value) <= bound


@settings(max_examples=200)
@given(
    value=st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
    bound=st.decimals(min_value=0, max_value=10, places=2, allow_nan=False),
)
def test_perturb_decimal_keeps_its_places_and_bound(value, bound):
    noisy = perturb(value, bound=bound, seed="row-1")
    assert isinstance(noisy, Decimal)
    assert abs(noisy - value) <= bound
    assert noisy == noisy.quantize(Decimal("0.01"))


@given(value=st.floats(-1e6, 1e6), bound=st.floats(0, 100))
def test_perturb_float_stays_within_bound(value, bound):
    assert abs(perturb(value, bound=bound) - value) <= bound + 1e-6


def test_perturb_with_a_seed_is_deterministic_and_seeds_differ():
    first = [perturb(1000, bound=100, seed=f"member-{number}") for number in range(20)]
    assert first == [perturb(1000, bound=100, seed=f"member-{number}") for number in range(20)]
    assert len(set(first)) > 1


@pytest.mark.parametrize(("value", "bound"), [(True, 1), (5, -1)])
def test_perturb_refuses_booleans_and_negative_bounds(value, bound):
    with pytest.raises((TypeError, ValueError)):
        perturb(value, bound=bound)


# --- k-anonymity -------------------------------------------------------------------------------

ROWS = [
    {"id": 1, "birth_month": "1990-01", "country": "DE", "units": 5},
    {"id": 2, "birth_month": "1990-01", "country": "DE", "units": 7},
    {"id": 3, "birth_month": "1990-02", "country": "DE", "units": 1},
    {"id": 4, "birth_month": "1985-06", "country": "FR", "units": 2},
    {"id": 5, "birth_month": "1985-06", "country": "FR", "units": 3},
]


def test_k_anonymity_is_the_smallest_group():
    assert k_anonymity(ROWS, ["birth_month", "country"]) == 1
    assert k_anonymity(ROWS, ["country"]) == 2
    assert k_anonymity([], ["country"]) == 0


def test_k_anonymity_needs_a_quasi_identifier():
    with pytest.raises(ValueError, match="quasi-identifier"):
        k_anonymity(ROWS, [])


def test_enforce_k_suppresses_small_groups_without_generalizers():
    result = enforce_k(ROWS, ["birth_month", "country"], 2)
    assert [row["id"] for row in result.rows] == [1, 2, 4, 5]
    assert (result.k, result.suppressed) == (2, 1)
    assert ROWS[2]["birth_month"] == "1990-02"  # the input is left alone


def test_enforce_k_generalizes_before_it_suppresses():
    result = enforce_k(ROWS, ["birth_month", "country"], 2, generalizers={"birth_month": [lambda month: month[:4]]})
    assert result.suppressed == 0
    assert result.k == 2
    assert result.generalization_levels == {"birth_month": 1, "country": 0}
    assert {row["birth_month"] for row in result.rows} == {"1990", "1985"}


def test_enforce_k_refuses_to_suppress_more_than_allowed():
    with pytest.raises(ValueError, match="suppress 5 of 5"):
        enforce_k(ROWS, ["birth_month", "country"], 6, max_suppression=0.5)


@settings(max_examples=100)
@given(
    rows=st.lists(
        st.fixed_dictionaries({"a": st.integers(0, 3), "b": st.sampled_from("xyz"), "v": st.integers()}), max_size=40
    ),
    k=st.integers(1, 5),
)
def test_enforce_k_output_is_always_k_anonymous(rows, k):
    result = enforce_k(rows, ["a", "b"], k, generalizers={"a": [lambda value: value // 2, lambda value: "*"]})
    assert len(result.rows) + result.suppressed == len(rows)
    assert result.rows == [] or k_anonymity(result.rows, ["a", "b"]) >= k


def test_anonymized_export_transforms_drops_and_enforces_k():
    rows = [
        {
            "discord_user_id": f"6000000000000000{number:02}",
            "email": f"user{number}@example.com",
            "date_of_birth": date(1990 + number % 2, 1 + number % 3, 5),
            "ip_address": f"203.0.113.{number}",
            "units": Decimal("10.00"),
            "notes": "never exported",
        }
        for number in range(12)
    ]
    spec = {
        "discord_user_id": kanonymity.hashed(purpose="test-export"),
        "email": kanonymity.masked("email"),
        "date_of_birth": kanonymity.month(),
        "ip_address": kanonymity.ip_network(),
        "units": kanonymity.perturbed(bound=Decimal("1.00"), seed="export-1"),
    }
    result = anonymized_export(rows, spec, k=3)
    assert result.columns == list(spec)
    assert result.quasi_identifiers == ["date_of_birth"]
    assert result.k >= 3
    assert len(result.rows) + result.suppressed == 12
    first = result.rows[0]
    assert "notes" not in first
    assert first["discord_user_id"] == anonymization.keyed_hash(rows[0]["discord_user_id"], purpose="test-export")
    assert first["email"] == "u***@e***.com"
    assert first["ip_address"] == "203.0.113.0/24"
    assert abs(first["units"] - Decimal("10.00")) <= Decimal("1.00")
    # six birth months among twelve rows: groups of two, so k=3 coarsened the month to the year
    assert {row["date_of_birth"] for row in result.rows} == {"1990", "1991"}


def test_anonymized_export_without_quasi_identifiers_refuses_k_above_one():
    with pytest.raises(ValueError, match="quasi-identifier"):
        anonymized_export([{"a": 1}], {"a": kanonymity.keep()}, k=2)
    assert anonymized_export([{"a": 1, "b": 2}], {"a": kanonymity.keep()}).rows == [{"a": 1}]


def test_age_column_coarsens_to_minor_and_adult():
    rows = [{"age": age} for age in (16, 17, 30, 45, 70, 52)]
    result = anonymized_export(rows, {"age": kanonymity.age()}, k=2)
    assert sorted(row["age"] for row in result.rows) == ["adult", "adult", "adult", "adult", "minor", "minor"]


def test_seeded_perturbed_column_repeats_per_value_and_varies_between_values():
    column = kanonymity.perturbed(bound=50, seed="export-7")
    values = list(range(1000, 1020))
    first = [column.transform(value) for value in values]
    assert first == [column.transform(value) for value in values]
    assert len({noisy - value for noisy, value in zip(first, values, strict=True)}) > 1
    assert all(abs(noisy - value) <= 50 for noisy, value in zip(first, values, strict=True))
