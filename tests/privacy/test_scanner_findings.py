"""PII findings: flagged when bets come in, found in existing rows by `privacy_scan`, redacted or dismissed."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create, member_update
from apps.audit.models import AuditEvent
from apps.betting.choices import LegResult, Market, Selection
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.errors import ApplicationError, ConflictError
from apps.privacy.choices import FindingStatus, PiiKind
from apps.privacy.models import PiiFinding
from apps.privacy.services import pii_finding_dismiss, pii_finding_redact, pii_scan_bet, pii_scan_queryset
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

EMAIL = "jane.doe@example.com"
DESCRIPTION = f"Lakers -110 lock, questions to {EMAIL} or +44 20 7946 0958"


@pytest.fixture
def capper(tenant, actor):
    return capper_create(tenant=tenant, actor=actor, discord_user_id="800000000000000001", username="joe")


@pytest.fixture
def game(actor):
    game, _ = game_upsert(
        actor=actor,
        external_id="pii-game-1",
        sport="basketball",
        league="NBA",
        home_team="Lakers",
        away_team="Celtics",
        starts_at=timezone.now() + timezone.timedelta(hours=2),
    )
    return game


@pytest.fixture
def place(tenant, capper, game, actor):
    def _place(external_id: str, description: str) -> Bet:
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=external_id,
            capper=capper,
            stake_units=Decimal("1.00"),
            legs=[
                LegInput(
                    market=Market.MONEYLINE,
                    selection=Selection.HOME,
                    odds=-110,
                    game=game.external_id,
                    description=description,
                )
            ],
        )
        return bet

    return _place


def test_a_placed_bet_with_personal_data_is_flagged_after_commit(place, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bet = place("1001", DESCRIPTION)
    leg = bet.legs.get()
    findings = list(
        PiiFinding.objects.order_by("kind").values_list(
            "model_label", "object_id", "field_name", "kind", "masked_excerpt", "guild_id", "status"
        )
    )
    assert findings == [
        (
            "betting.BetLeg",
            str(leg.pk),
            "description",
            PiiKind.EMAIL,
            "j***@e***.com",
            tenant.guild_id,
            FindingStatus.OPEN,
        ),
        (
            "betting.BetLeg",
            str(leg.pk),
            "description",
            PiiKind.PHONE,
            "+** ** **** **58",
            tenant.guild_id,
            FindingStatus.OPEN,
        ),
    ]
    assert EMAIL not in str(list(PiiFinding.objects.values()))
    event = AuditEvent.objects.get(action="privacy.pii_found")
    assert event.changes == {"findings": 2, "kinds": ["email", "phone"]}


def test_a_clean_bet_is_not_flagged(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place("1002", "Lakers -110, o220.5 at -105 on 2026-11-30")
    assert PiiFinding.objects.count() == 0
    assert not AuditEvent.objects.filter(action="privacy.pii_found").exists()


def test_scanning_twice_records_nothing_new(place):
    bet = place("1003", DESCRIPTION)
    assert pii_scan_bet(bet_id=bet.pk) == 2
    assert pii_scan_bet(bet_id=bet.pk) == 0
    assert PiiFinding.objects.count() == 2


def test_privacy_scan_command_finds_existing_rows(place):
    place("1004", DESCRIPTION)
    place("1005", "card 4111 1111 1111 1111")
    out = StringIO()
    call_command("privacy_scan", "--model", "betting.BetLeg", stdout=out)
    assert "3 new finding(s) in 1 model(s)." in out.getvalue()
    assert sorted(PiiFinding.objects.values_list("kind", flat=True)) == ["card", "email", "phone"]
    out = StringIO()
    call_command("privacy_scan", stdout=out)  # every model with free text: nothing new
    assert "0 new finding(s)" in out.getvalue()


def test_privacy_scan_command_refuses_an_unknown_model():
    with pytest.raises(CommandError, match="No free-text fields declared on betting.Game"):
        call_command("privacy_scan", "--model", "betting.Game", stdout=StringIO())


def test_redact_rewrites_only_the_found_value_and_is_audited(place, actor):
    bet = place("1006", DESCRIPTION)
    pii_scan_bet(bet_id=bet.pk)
    finding = PiiFinding.objects.get(kind=PiiKind.EMAIL)
    pii_finding_redact(finding=finding, actor=actor)
    leg = BetLeg.objects.get(bet=bet)
    assert leg.description == "Lakers -110 lock, questions to [redacted email] or +44 20 7946 0958"
    finding.refresh_from_db()
    assert (finding.status, finding.resolved_by) == (FindingStatus.REDACTED, "test")
    assert PiiFinding.objects.get(kind=PiiKind.PHONE).status == FindingStatus.OPEN
    event = AuditEvent.objects.get(action="privacy.pii_redacted")
    assert (event.target_type, event.target_id) == ("betting.betleg", str(leg.pk))
    assert EMAIL not in str(event.changes)


def test_a_closed_finding_cannot_be_redacted_again(place, actor):
    bet = place("1007", DESCRIPTION)
    pii_scan_bet(bet_id=bet.pk)
    finding = PiiFinding.objects.get(kind=PiiKind.EMAIL)
    pii_finding_redact(finding=finding, actor=actor)
    with pytest.raises(ConflictError):
        pii_finding_redact(finding=finding, actor=actor)
    assert AuditEvent.objects.filter(action="privacy.pii_redacted").count() == 1


def test_dismiss_needs_a_reason(place, actor):
    bet = place("1008", DESCRIPTION)
    pii_scan_bet(bet_id=bet.pk)
    finding = PiiFinding.objects.get(kind=PiiKind.PHONE)
    with pytest.raises(ApplicationError, match="Say why"):
        pii_finding_dismiss(finding=finding, actor=actor, reason=" ")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    pii_finding_dismiss(finding=finding, actor=actor, reason="the club's public number")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED
    assert BetLeg.objects.get(bet=bet).description == DESCRIPTION
    assert AuditEvent.objects.get(action="privacy.pii_dismissed").reason == "the club's public number"


def test_append_only_fields_are_flagged_but_never_rewritten(place, actor):
    bet = place("1009", "clean")
    # the ledger refuses updates (a trigger) and the registry declares its reason KEEP
    bet_settle(
        bet=bet, actor=actor, leg_results={leg.pk: LegResult.WON for leg in bet.legs.all()}, reason=f"asked by {EMAIL}"
    )
    assert pii_scan_queryset(queryset=LedgerEntry.objects.all()) == 1
    finding = PiiFinding.objects.get(model_label="betting.LedgerEntry")
    with pytest.raises(ApplicationError) as refused:
        pii_finding_redact(finding=finding, actor=actor)
    assert refused.value.code == "field_not_redactable"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert EMAIL in LedgerEntry.objects.get(bet=bet).reason


def test_admin_actions_redact_and_dismiss(place, staff_user):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer")
    bet = place("1010", DESCRIPTION)
    pii_scan_bet(bet_id=bet.pk)
    email, phone = PiiFinding.objects.get(kind=PiiKind.EMAIL), PiiFinding.objects.get(kind=PiiKind.PHONE)
    client = verified_client(officer)
    url = reverse("admin:privacy_piifinding_changelist")
    page = client.get(url)
    assert page.status_code == 200 and EMAIL not in page.content.decode()
    response = client.post(url, {"action": "redact_selected", ACTION_CHECKBOX_NAME: [email.pk]})
    assert response.status_code == 302
    asked = client.post(url, {"action": "dismiss_selected", ACTION_CHECKBOX_NAME: [phone.pk]})
    assert asked.status_code == 200 and "Reason" in asked.content.decode()
    done = client.post(
        url, {"action": "dismiss_selected", ACTION_CHECKBOX_NAME: [phone.pk], "apply": "yes", "reason": "public"}
    )
    assert done.status_code == 302
    assert dict(PiiFinding.objects.values_list("kind", "status")) == {"email": "redacted", "phone": "dismissed"}
    assert EMAIL not in BetLeg.objects.get(bet=bet).description


def test_member_notes_are_scanned_where_the_restricted_key_is(tenant, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member = member_create(
            actor=actor, tenant=tenant, discord_user_id="800000000000000009", username="noted", notes=f"mail {EMAIL}"
        )
    [finding] = PiiFinding.objects.filter(model_label="accounts.Member")
    assert (finding.object_id, finding.field_name, finding.kind) == (str(member.pk), "notes", PiiKind.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        member_update(member=member, actor=actor, display_name="Noted")  # notes untouched: no scan queued
        member_update(member=member, actor=actor, notes=f"mail {EMAIL}, card 4111 1111 1111 1111")
    assert sorted(PiiFinding.objects.filter(model_label="accounts.Member").values_list("kind", flat=True)) == [
        "card",
        "email",
    ]


def test_member_notes_are_redacted_through_the_accounts_service(tenant, actor):
    member = member_create(
        actor=actor, tenant=tenant, discord_user_id="800000000000000010", username="noted", notes=f"mail {EMAIL} today"
    )
    assert pii_scan_queryset(queryset=type(member).objects.filter(pk=member.pk)) == 1
    pii_finding_redact(finding=PiiFinding.objects.get(model_label="accounts.Member"), actor=actor)
    member.refresh_from_db()
    assert member.notes == "mail [redacted email] today"
    assert AuditEvent.objects.filter(action="accounts.member_updated", target_id=str(member.pk)).exists()
    assert AuditEvent.objects.filter(action="privacy.pii_redacted", target_id=str(member.pk)).exists()
