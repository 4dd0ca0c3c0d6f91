"""Legal holds: a policy that would delete or anonymize held data does not; placing and releasing is audited."""

import pytest

from apps.accounts.models import Member
from apps.audit.models import AuditEvent
from apps.betting.models import Bet, Capper
from apps.core.errors import ApplicationError
from apps.fraud.models import FraudCase
from apps.privacy.models import LegalHold
from apps.privacy.services.retention import legal_hold_place, legal_hold_release, retention_run
from apps.security.models import SecurityEvent

pytestmark = pytest.mark.django_db


def _snapshot(guild) -> dict:
    return {
        "members": sorted(Member.objects.filter(tenant=guild.tenant).values_list("pk", "username")),
        "cappers": sorted(Capper.objects.filter(tenant=guild.tenant).values_list("pk", "display_name", "avatar_url")),
        "bets": sorted(Bet.objects.filter(tenant=guild.tenant).values_list("pk", "settled_by", "review_note")),
        "events": SecurityEvent.objects.filter(guild_id=guild.tenant.guild_id).count(),
        "case": FraudCase.objects.filter(pk=guild.fraud_case.pk).count(),
    }


def test_a_hold_on_a_tenant_keeps_all_its_data_while_the_other_tenant_is_processed(two_guilds, actor):
    held, free = two_guilds
    legal_hold_place(actor=actor, tenant=held.tenant, reason="litigation 2026-41")
    before = _snapshot(held)

    run = retention_run(actor=actor)

    assert _snapshot(held) == before
    assert SecurityEvent.objects.filter(guild_id=free.tenant.guild_id).count() == 0
    assert all(
        name.startswith("anon-")
        for name in Member.objects.filter(tenant=free.tenant).values_list("username", flat=True)
    )
    held_counts = {key: run.counts[key]["held"] for key in run.counts}
    assert held_counts == {
        "audit_events": 0,
        "data_subject_exports": 0,
        "fraud_cases_closed": 1,
        "memory_snapshots": 0,
        "offboarded_members": 2,
        "offboarded_settled_bets": 2,
        "security_events": 3,
        "slow_queries": 0,
    }
    # the case of the free guild went; the held guild's case stays
    assert list(FraudCase.objects.values_list("pk", flat=True)) == [held.fraud_case.pk]


def test_a_hold_on_a_member_keeps_that_members_data_only(two_guilds, actor):
    guild, _ = two_guilds
    held_member, other_member = guild.members
    legal_hold_place(actor=actor, member=held_member, reason="complaint by the member's bank")

    run = retention_run(actor=actor, kinds=["offboarded_members", "offboarded_settled_bets", "fraud_cases_closed"])

    held_member.refresh_from_db()
    other_member.refresh_from_db()
    assert held_member.username == "user810000000000000000"
    assert other_member.username.startswith("anon-")
    assert Capper.objects.get(member=held_member).display_name == "user810000000000000000"
    held_bet, other_bet = guild.settled_bets
    assert Bet.objects.get(pk=held_bet.pk).settled_by == "a moderator"
    assert Bet.objects.get(pk=other_bet.pk).settled_by == ""
    # the case names the held member's capper: it stays, whole
    assert FraudCase.objects.filter(pk=guild.fraud_case.pk).exists()
    assert (run.counts["offboarded_members"]["held"], run.counts["offboarded_members"]["acted"]) == (1, 3)


def test_a_dry_run_reports_what_the_hold_protects(two_guilds, actor):
    guild, _ = two_guilds
    legal_hold_place(actor=actor, tenant=guild.tenant, reason="regulator inquiry")

    run = retention_run(actor=actor, dry_run=True, kinds=["security_events"])

    assert {name: run.counts["security_events"][name] for name in ("matched", "held", "acted")} == {
        "matched": 6,
        "held": 3,
        "acted": 3,
    }


def test_a_released_hold_no_longer_protects(two_guilds, actor):
    guild, _ = two_guilds
    hold = legal_hold_place(actor=actor, tenant=guild.tenant, reason="litigation")
    legal_hold_release(hold=hold, actor=actor, reason="case closed")

    retention_run(actor=actor, kinds=["security_events"])

    assert SecurityEvent.objects.count() == 0


def test_placing_and_releasing_are_audited(two_guilds, actor):
    guild, _ = two_guilds
    hold = legal_hold_place(actor=actor, member=guild.members[0], reason="court order 17")
    legal_hold_release(hold=hold, actor=actor, reason="order lifted")

    events = AuditEvent.objects.filter(target_type="privacy.legalhold", target_id=str(hold.pk)).order_by("pk")
    assert [(event.action, event.reason, event.guild_id) for event in events] == [
        ("privacy.legal_hold_placed", "court order 17", guild.tenant.guild_id),
        ("privacy.legal_hold_released", "order lifted", guild.tenant.guild_id),
    ]
    hold.refresh_from_db()
    assert (hold.is_active, hold.release_reason, hold.released_by) == (False, "order lifted", actor.label)


@pytest.mark.parametrize(
    ("subject", "reason", "field"),
    [("none", "why", "tenant"), ("both", "why", "tenant"), ("tenant", "  ", "reason")],
)
def test_an_invalid_hold_is_refused_and_nothing_is_written(two_guilds, actor, subject, reason, field):
    guild, _ = two_guilds
    subjects = {
        "none": {},
        "both": {"tenant": guild.tenant, "member": guild.members[0]},
        "tenant": {"tenant": guild.tenant},
    }[subject]
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as error:
        legal_hold_place(actor=actor, reason=reason, **subjects)

    assert (error.value.status_code, list(error.value.fields)) == (400, [field])
    assert (LegalHold.objects.count(), AuditEvent.objects.count()) == (0, audit_before)


def test_a_second_active_hold_on_the_same_subject_is_a_conflict(two_guilds, actor):
    guild, _ = two_guilds
    legal_hold_place(actor=actor, tenant=guild.tenant, reason="first")

    with pytest.raises(ApplicationError) as error:
        legal_hold_place(actor=actor, tenant=guild.tenant, reason="second")

    assert (error.value.status_code, error.value.code, LegalHold.objects.count()) == (409, "hold_exists", 1)


def test_releasing_twice_or_without_a_reason_is_refused(two_guilds, actor):
    guild, _ = two_guilds
    hold = legal_hold_place(actor=actor, tenant=guild.tenant, reason="first")
    with pytest.raises(ApplicationError) as error:
        legal_hold_release(hold=hold, actor=actor, reason="")
    assert error.value.code == "invalid_hold"
    legal_hold_release(hold=hold, actor=actor, reason="done")

    with pytest.raises(ApplicationError) as error:
        legal_hold_release(hold=hold, actor=actor, reason="again")

    assert (error.value.status_code, error.value.code) == (409, "hold_released")
