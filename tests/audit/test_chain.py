from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.audit import services, verification
from apps.audit.hashing import GENESIS_HASH, event_content_hash, seal_chain_hash
from apps.audit.keys import audit_chain_keys
from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_record, audit_seal_pending
from apps.audit.verification import audit_verify
from apps.core.actors import Actor
from tests.audit.tampering import TAMPER_KINDS, delete_seal, edit_event, edit_seal, swap_events, tamper

pytestmark = pytest.mark.django_db


def test_verify_of_an_empty_trail_is_intact():
    result = audit_verify()

    assert (result.checked, result.sealed_now, result.first_bad_event_id, result.is_intact) == (0, 0, None, True)


def test_verify_checks_every_event_of_an_intact_chain(record_events, tenant, other_tenant):
    events = record_events(20, guild_id=tenant.guild_id, target=tenant, changes={"name": {"before": "a", "after": "b"}})
    events += record_events(5, guild_id=other_tenant.guild_id, action="tests.other_thing")

    result = audit_verify()

    assert (result.checked, result.sealed_now, result.first_bad_event_id, result.problem) == (25, 25, None, "")
    assert result.is_intact


def test_seals_chain_every_event_in_id_order(record_events):
    events = record_events(6)

    audit_seal_pending()

    seals = list(AuditSeal.objects.order_by("sequence"))
    key = audit_chain_keys().seal_key
    assert [seal.sequence for seal in seals] == [1, 2, 3, 4, 5, 6]
    assert {seal.algorithm for seal in seals} == {"hmac-sha256"}
    assert [seal.event_id for seal in seals] == [event.pk for event in events]
    previous_hash = GENESIS_HASH
    for seal, event in zip(seals, events, strict=True):
        assert seal.content_hash == event.content_hash
        assert seal.previous_hash == previous_hash
        assert seal.chain_hash == seal_chain_hash(
            sequence=seal.sequence,
            event_id=event.pk,
            content_hash=event.content_hash,
            previous_hash=previous_hash,
            key=key,
        )
        previous_hash = seal.chain_hash


def test_sealing_twice_seals_nothing_more(record_events):
    record_events(4)

    assert audit_seal_pending() == 4
    assert audit_seal_pending() == 0
    assert AuditSeal.objects.count() == 4


def test_events_recorded_after_a_verify_are_sealed_by_the_next_run(record_events):
    record_events(3)
    assert audit_verify().checked == 3
    later = record_events(2)

    result = audit_verify()

    assert (result.checked, result.sealed_now, result.is_intact) == (5, 2, True)
    assert list(AuditSeal.objects.filter(sequence__gt=3).values_list("event_id", flat=True)) == [e.pk for e in later]


def test_the_periodic_sealer_skips_old_events_but_verify_seals_them(actor):
    old = AuditEvent(
        occurred_at=timezone.now() - services.SEAL_LOOKBACK - timedelta(minutes=1),
        actor_kind=actor.kind,
        actor_identifier=actor.identifier,
        actor_label=actor.label,
        action="tests.old_thing",
    )
    old.content_hash = event_content_hash(vars(old))
    old.save(force_insert=True)

    assert audit_seal_pending() == 0
    result = audit_verify()

    assert (result.checked, result.sealed_now, result.is_intact) == (1, 1, True)
    assert AuditSeal.objects.get().event_id == old.pk


@pytest.mark.parametrize("tampered_index", [0, 4, 9])
def test_verify_streams_the_chain_in_chunks(record_events, monkeypatch, tampered_index):
    monkeypatch.setattr(services, "SEAL_BATCH_SIZE", 3)
    monkeypatch.setattr(verification, "VERIFY_CHUNK_SIZE", 4)
    events = record_events(10)
    assert audit_verify().checked == 10

    edit_event(events[tampered_index].pk)
    result = audit_verify()

    assert (result.checked, result.first_bad_event_id) == (tampered_index, events[tampered_index].pk)


@pytest.mark.parametrize(
    ("column", "expression"),
    [
        ("reason", "'nothing happened'"),
        ("action", "'tests.harmless_thing'"),
        ("changes", """'{"amount": {"before": "1", "after": "1000"}}'::jsonb"""),
        ("occurred_at", "occurred_at + interval '1 microsecond'"),
        ("actor_label", "'someone else'"),
        ("ip_address", "'198.51.100.1'::inet"),
        ("content_hash", "repeat('0', 64)"),
    ],
)
@pytest.mark.parametrize("sealed_before_the_edit", [True, False])
def test_verify_names_an_edited_event(record_events, column, expression, sealed_before_the_edit):
    events = record_events(8)
    if sealed_before_the_edit:
        audit_seal_pending()

    edit_event(events[3].pk, column=column, expression=expression)
    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 3, events[3].pk)
    assert result.problem == f"event {events[3].pk} was altered or reordered (its content no longer matches its seal)"


def test_verify_names_a_deleted_event(record_events):
    events = record_events(8)
    audit_seal_pending()

    tamper("deleted", events)
    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 2, events[2].pk)
    assert result.problem == f"event {events[2].pk} was deleted"


def test_verify_names_the_first_of_two_swapped_events(record_events):
    events = record_events(8)
    audit_seal_pending()

    tamper("swapped", events)
    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 2, events[2].pk)
    swapped = AuditEvent.objects.get(pk=events[2].pk)
    assert swapped.reason == "event 5"
    assert event_content_hash(vars(swapped)) == swapped.content_hash  # each row is self-consistent


@pytest.mark.parametrize("kind", TAMPER_KINDS)
def test_every_later_verify_still_reports_the_tamper(record_events, kind):
    events = record_events(8)
    audit_seal_pending()
    first_bad = tamper(kind, events)

    results = [audit_verify(), audit_verify()]

    assert [(r.checked, r.first_bad_event_id) for r in results] == [(2, first_bad), (2, first_bad)]


def test_swapping_adjacent_events_is_caught_at_the_first(record_events):
    events = record_events(4)
    audit_seal_pending()

    swap_events(events[1].pk, events[2].pk)

    assert audit_verify().first_bad_event_id == events[1].pk


def test_verify_detects_a_deleted_seal_in_the_middle(record_events):
    events = record_events(8)
    audit_seal_pending()

    delete_seal(4)  # the seal of events[3]; verify re-seals the event at the tail but the gap stays
    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 3, events[4].pk)
    assert result.problem == f"seal 4 is missing before event {events[4].pk} (a seal was deleted)"


@pytest.mark.parametrize(
    ("column", "expression"),
    [
        ("chain_hash", "repeat('f', 64)"),
        ("previous_hash", "repeat('0', 64)"),
        ("content_hash", "repeat('a', 64)"),
        ("sealed_at", "sealed_at - interval '1 day'"),
    ],
)
def test_verify_detects_an_altered_seal(record_events, column, expression):
    events = record_events(8)
    audit_seal_pending()

    edit_seal(5, column=column, expression=expression)
    result = audit_verify()

    if column == "sealed_at":  # not part of the chain: when it was sealed proves nothing
        assert result.is_intact
    else:
        assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 4, events[4].pk)


def test_a_forged_seal_for_an_edited_event_is_detected(record_events):
    """Rewriting an event and recomputing its own seal without the chain's key breaks that very seal."""
    events = record_events(6)
    audit_seal_pending()
    edit_event(events[2].pk)
    forged = AuditEvent.objects.get(pk=events[2].pk)
    forged_hash = event_content_hash(vars(forged))
    seal = AuditSeal.objects.get(event_id=forged.pk)
    chain_hash = seal_chain_hash(
        sequence=seal.sequence, event_id=forged.pk, content_hash=forged_hash, previous_hash=seal.previous_hash
    )
    edit_event(forged.pk, column="content_hash", expression=f"'{forged_hash}'")
    edit_seal(seal.sequence, column="content_hash", expression=f"'{forged_hash}'")
    edit_seal(seal.sequence, column="chain_hash", expression=f"'{chain_hash}'")

    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 2, events[2].pk)
    assert "the chain breaks" in result.problem


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_raises(actor):
    assert not connection.in_atomic_block

    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(actor=actor, action="tests.thing_done")

    assert not AuditEvent.objects.exists()


def test_audit_record_refuses_an_action_without_an_app(actor):
    with pytest.raises(ValueError, match="must look like 'app.verb'"), transaction.atomic():
        audit_record(actor=actor, action="thing_done")

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000::0001", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::102:304", "::102:304"),  # stored encrypted in our canonical spelling (was inet's)
        ("fe80::1%eth0", "fe80::1"),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_any_spelling_of_the_client_address_verifies(record_events, given, stored):
    """PostgreSQL's inet respells addresses; a forged X-Forwarded-For must not fail the change."""
    request_actor = Actor(kind="api_key", identifier="9", label="dbsbm_abc", ip_address=given)
    [event] = record_events(1, actor=request_actor)

    assert AuditEvent.objects.values_list("ip_address", flat=True).get(pk=event.pk) == stored
    assert audit_verify().is_intact


@pytest.mark.parametrize("value", [1.5, 5.0, 1e-7, 1e20, -1e300, -0.0, 10**20, "1e20"])
def test_any_number_in_the_changes_verifies(record_events, value):
    """jsonb stores numbers as numeric and respells some floats (1e+20 comes back as an integer)."""
    record_events(1, changes={"odds": {"before": None, "after": [value, {"nested": value}]}})

    assert audit_verify().is_intact


# PostgreSQL text and jsonb cannot hold NUL or lone surrogates; the API refuses both in input.
TEXT = st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON_VALUES)
def test_any_json_change_verifies(record_events, value):
    record_events(1, changes={"field": {"before": None, "after": value}})

    assert audit_verify().is_intact
