"""Builders of the data-subject request tests (tests/privacy/conftest.py wraps them in fixtures).

`build_person` makes a member with data in every model the classification registry can find a member's rows in:
a full profile, a capper with two settled bets (ledger) and a pending one, a PII finding, a fraud case
with history and a verdict, a behavioural baseline, a pseudonym, consents and a data-subject request.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import Member
from apps.accounts.services import member_create
from apps.betting.choices import LegResult, Market, Selection
from apps.betting.models import Bet, Capper
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.services import fraud_case_record, fraud_case_triage
from apps.incidents.models import CustodyEvent, Evidence, FollowUp, Review, StepRun
from apps.incidents.services.incidents import incident_declare, incident_note, incident_update
from apps.privacy.choices import ConsentAction
from apps.privacy.models import DataSubjectRequest
from apps.privacy.services.consent import consent_record
from apps.privacy.services.findings import pii_scan_bet
from apps.privacy.services.pseudonyms import pseudonymize
from apps.privacy.services.requests import request_complete, request_verify_identity
from apps.privacy.services.retention import legal_hold_place, legal_hold_release
from apps.security.models import Baseline
from tests.incidents.playbook_support import playbook_make

PERSON_ID = "712345678901234567"
PROFILE = {
    "display_name": "Jane Q. Bettor",
    "email": "jane.bettor@example.org",
    "date_of_birth": date(1990, 4, 17),
    "country": "GB",
    "notes": "Asked for lower limits after a bad month.",
}


@dataclass
class Person:
    member: Member
    capper: Capper
    bets: list[Bet]
    other_capper: Capper


PRIVACY_SCOPES = ["privacy:read", "privacy:write"]


@dataclass
class Desk:
    """The privacy desk of the tests: the bot's key files and reads requests over the API; one officer
    verifies the requester, another completes (four eyes), and an officer with a verified second factor
    downloads the export from the portal."""

    client: object  # the API client of the platform key
    verifier: Actor
    completer: Actor
    portal: object  # a portal client with a verified second factor

    def file(self, guild_id: str, kind: str = "access", discord_user_id: str = PERSON_ID) -> dict:
        body = {"guild_id": guild_id, "discord_user_id": discord_user_id, "kind": kind}
        created = self.client.post("/api/v1/privacy/requests/", body, format="json")
        assert created.status_code == 201, created.json()
        return created.json()

    def verify(self, dsr_id: int, method: str = "id_document") -> None:
        request_verify_identity(request=DataSubjectRequest.objects.get(pk=dsr_id), actor=self.verifier, method=method)

    def complete(self, dsr_id: int, resolution: str = "") -> dict:
        """Complete as the second officer; the request as the API shows it afterwards."""
        request_complete(request=DataSubjectRequest.objects.get(pk=dsr_id), actor=self.completer, resolution=resolution)
        return self.client.get(f"/api/v1/privacy/requests/{dsr_id}/").json()

    def download(self, dsr_id: int):
        """POST the portal's download form (a zip, or a redirect with the refusal as a message)."""
        return self.portal.post(f"/portal/privacy/requests/{dsr_id}/export/")


def _settled_bet(*, tenant, capper, actor, game, number: int, won: bool, description: str = "") -> Bet:
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=f"msg-{capper.pk}-{number}",
        capper=capper,
        stake_units=Decimal("2.00"),
        legs=[
            LegInput(
                market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=game.external_id,
                description=description,
            )
        ],
    )  # fmt: skip
    if won is not None:
        result = LegResult.WON if won else LegResult.LOST
        bet_settle(bet=bet, actor=actor, leg_results={leg.pk: result for leg in bet.legs.all()})
    return bet


def build_person(*, tenant, actor) -> Person:
    member = member_create(actor=actor, tenant=tenant, discord_user_id=PERSON_ID, username="janeb", **PROFILE)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=PERSON_ID, username="janeb",
                           display_name="Jane the Capper", avatar_url="https://cdn.example.org/jane.png")  # fmt: skip
    other = capper_create(tenant=tenant, actor=actor, discord_user_id="712345678900000001", username="other")
    games = [
        game_upsert(
            actor=actor, external_id=f"dsr-game-{number}", sport="basketball", league="nba",
            home_team=f"Home {number}", away_team=f"Away {number}", starts_at=timezone.now() + timedelta(hours=2),
        )[0]
        for number in range(3)
    ]  # fmt: skip
    bets = [
        _settled_bet(tenant=tenant, capper=capper, actor=actor, game=games[0], number=1, won=True,
                     description="tail me, questions to jane.bettor@example.org"),
        _settled_bet(tenant=tenant, capper=capper, actor=actor, game=games[1], number=2, won=False),
        _settled_bet(tenant=tenant, capper=capper, actor=actor, game=games[2], number=3, won=None),
    ]  # fmt: skip
    _settled_bet(tenant=tenant, capper=other, actor=actor, game=games[0], number=4, won=False)
    pii_scan_bet(bet_id=bets[0].pk, actor=actor)
    case, _ = fraud_case_record(
        finding=Finding(FraudKind.COPY_RING, (capper.pk, other.pk), 0.8, "Copied 5 times.", {"meetings": 5}),
        actor=actor,
    )
    fraud_case_triage(case=case, actor=actor, status=CaseStatus.CONFIRMED, note="clear pattern")
    Baseline.objects.create(
        subject_kind="capper", subject_id=str(capper.pk), subject_label=capper.display_name, guild_id=tenant.guild_id,
        window_start=timezone.now() - timedelta(days=30), window_end=timezone.now(), sample_size=3,
        profile={"hour_counts": [1] * 24}, computed_at=timezone.now(),
    )  # fmt: skip
    pseudonymize(PERSON_ID, purpose="analytics-export")
    # a hold that was placed and released: a row about the member that no longer blocks an erasure
    hold = legal_hold_place(actor=actor, member=member, reason="chargeback dispute")
    legal_hold_release(hold=hold, actor=actor, reason="dispute settled")
    consent_record(member=member, actor=actor, code="data_processing", action=ConsentAction.GRANTED)
    consent_record(member=member, actor=actor, code="marketing", action=ConsentAction.GRANTED)
    consent_record(member=member, actor=actor, code="marketing", action=ConsentAction.WITHDRAWN)
    _incident_about(member=member, capper=capper, case=case, tenant=tenant, actor=actor)
    return Person(member=Member.objects.get(pk=member.pk), capper=capper, bets=bets, other_capper=other)


def _incident_about(*, member, capper, case, tenant, actor) -> None:
    """An incident the member is affected by, with a note, and a row in each of its parts' models: a playbook
    step run, evidence with a custody event, a review with a follow-up (written directly: those parts'
    services are tested in tests/incidents)."""
    incident = incident_declare(
        actor=actor, title="Copy ring around janeb", kind="fraud_ring", severity="high", guild_id=tenant.guild_id,
        fraud_cases=[case],
    )  # fmt: skip
    incident_update(incident=incident, actor=actor, affected_members=[member])
    incident_note(incident=incident, actor=actor, text="Told the member's guild about the ring.")
    now = timezone.now()
    playbook = playbook_make(
        kind="fraud_ring", steps=[{"slug": "freeze-capper", "title": "Freeze the capper", "action": "freeze_capper"}]
    )
    step = playbook.steps.get()
    StepRun.objects.create(
        incident=incident, step=step, position=1, status="succeeded", result={"capper_id": capper.pk},
        undo={"capper_id": capper.pk}, started_at=now, finished_at=now,
    )  # fmt: skip
    evidence = Evidence.objects.create(
        incident=incident, kind="file", title="Ring picks", file="incidents/evidence/ring-picks.csv",
        original_name="ring-picks.csv", content_type="text/csv", size=12, sha256="a" * 64,
        collected_by_label="test", collection_method="upload from the portal", collected_at=now,
    )  # fmt: skip
    CustodyEvent.objects.create(
        evidence=evidence, sequence=1, action="collected", actor_label="test", ip_address="192.0.2.10",
        purpose="collection", observed_sha256="a" * 64, hash_verified=True, previous_hash="0" * 64,
        event_hash="b" * 64, occurred_at=now,
    )  # fmt: skip
    review = Review.objects.create(incident=incident, generated_at=now, summary="A copy ring around janeb.")
    owner = get_user_model().objects.create_user(username="incident-follow-up", is_staff=True)
    FollowUp.objects.create(
        review=review, recommendation="Watch copied picks.", owner=owner, due_on=now.date() + timedelta(days=14)
    )
