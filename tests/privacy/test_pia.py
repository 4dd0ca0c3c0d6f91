"""Privacy impact assessments: questionnaire validation, scoring rules, workflow, reviewer ≠ author, reminders."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.privacy.assessments import assess, questionnaire_validate
from apps.privacy.choices import PiaStatus, PrivacyAlertKind, RiskLevel
from apps.privacy.models import PrivacyAlert, PrivacyImpactAssessment
from apps.privacy.services.assessments import pia_create, pia_decide, pia_mark_reviewed, pia_submit, pia_update
from apps.privacy.services.sla import privacy_deadlines_check
from tests.factories import UserFactory
from tests.privacy.pia_data import LOW

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("pia test")
HIGH = {
    **LOW,
    "data_categories": ["identifier", "financial", "behavioural", "technical"],
    "subject_scale": "over_1m",
    "profiling": True,
    "automated_decisions": True,
    "cross_border_transfer": True,
    "transfer_countries": ["US"],
    "retention_days": 3650,
}


@pytest.fixture
def author():
    return UserFactory(username="author")


@pytest.fixture
def reviewer():
    return UserFactory(username="reviewer")


@pytest.fixture
def draft(author):
    return pia_create(actor=ACTOR, author=author, title="Leaderboards", processing="Rank cappers.", questionnaire=LOW)


@pytest.mark.parametrize(
    ("answers", "score", "level", "mitigations"),
    [
        (LOW, 2, RiskLevel.LOW, 0),
        ({**LOW, "profiling": True, "subject_scale": "under_100k"}, 22, RiskLevel.LOW, 1),
        ({**LOW, "special_categories": True, "new_technology": True}, 35, RiskLevel.MEDIUM, 2),
        (HIGH, 88, RiskLevel.HIGH, 6),
        ({**HIGH, "special_categories": True, "new_technology": True}, 100, RiskLevel.HIGH, 8),
    ],
)
def test_the_rules_score_level_and_suggest_mitigations(answers, score, level, mitigations):
    assert assess(questionnaire_validate(answers))[:2] == (score, level)
    assert len(assess(questionnaire_validate(answers))[2]) == mitigations


def test_high_risk_answers_bring_their_mitigations(author):
    pia = pia_create(actor=ACTOR, author=author, title="Tipster ML", processing="Predict.", questionnaire=HIGH)

    assert (pia.score, pia.level) == (88, RiskLevel.HIGH)
    assert any("standard contractual clauses" in item for item in pia.mitigations)
    assert any("human review" in item for item in pia.mitigations)
    assert pia.questionnaire["transfer_countries"] == ["US"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"data_categories": []}, "data_categories"),
        ({"data_categories": ["secrets"]}, "data_categories"),
        ({"subject_scale": "lots"}, "subject_scale"),
        ({"profiling": "yes"}, "profiling"),
        ({"retention_days": -1}, "retention_days"),
        ({"retention_days": True}, "retention_days"),
        ({"cross_border_transfer": True}, "transfer_countries"),
        ({"transfer_countries": ["usa"]}, "transfer_countries"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_an_invalid_questionnaire_is_refused_and_nothing_is_written(author, change, field):
    with pytest.raises(ApplicationError) as refused:
        pia_create(actor=ACTOR, author=author, title="x", processing="y", questionnaire={**LOW, **change})

    assert field in refused.value.fields["questionnaire"][0]
    assert PrivacyImpactAssessment.objects.count() == 0


def test_draft_submitted_approved_by_someone_else_with_a_review_date(draft, reviewer, settings):
    pia_submit(pia=draft, actor=ACTOR)
    approved = pia_decide(pia=draft, actor=ACTOR, reviewer=reviewer, approve=True)

    assert approved.status == PiaStatus.APPROVED and approved.reviewer == reviewer
    assert approved.next_review_at - approved.decided_at == timedelta(days=settings.PRIVACY_PIA_REVIEW_DAYS)
    assert list(AuditEvent.objects.filter(target_id=str(draft.pk), action__startswith="privacy.pia_")
                .order_by("id").values_list("action", flat=True)) == [
        "privacy.pia_created", "privacy.pia_submitted", "privacy.pia_approved",
    ]  # fmt: skip


def test_the_author_cannot_review_their_own_assessment(draft, author):
    pia_submit(pia=draft, actor=ACTOR)

    with pytest.raises(PermissionDeniedError) as refused:
        pia_decide(pia=draft, actor=ACTOR, reviewer=author, approve=True)

    assert refused.value.code == "reviewer_is_author" and refused.value.status_code == 403
    assert PrivacyImpactAssessment.objects.get(pk=draft.pk).status == PiaStatus.SUBMITTED


def test_the_database_also_refuses_the_author_as_reviewer(draft, author):
    with pytest.raises(IntegrityError), transaction.atomic():
        PrivacyImpactAssessment.objects.filter(pk=draft.pk).update(reviewer=author)


def test_a_rejection_needs_a_note_and_sends_it_back_for_revision(draft, reviewer):
    pia_submit(pia=draft, actor=ACTOR)
    with pytest.raises(ApplicationError):
        pia_decide(pia=draft, actor=ACTOR, reviewer=reviewer, approve=False)

    rejected = pia_decide(pia=draft, actor=ACTOR, reviewer=reviewer, approve=False, note="Retention too long.")
    revised = pia_update(pia=rejected, actor=ACTOR, title="Leaderboards", processing="Rank.", questionnaire=HIGH)

    assert rejected.decision_note == "Retention too long."
    assert (revised.status, revised.level) == (PiaStatus.DRAFT, RiskLevel.HIGH)


@pytest.mark.parametrize("step", ["decide_draft", "submit_twice", "edit_submitted"])
def test_out_of_order_steps_are_conflicts(draft, reviewer, step):
    with pytest.raises(ConflictError):
        if step == "decide_draft":
            pia_decide(pia=draft, actor=ACTOR, reviewer=reviewer, approve=True)
        elif step == "submit_twice":
            pia_submit(pia=draft, actor=ACTOR)
            pia_submit(pia=draft, actor=ACTOR)
        else:
            pia_submit(pia=draft, actor=ACTOR)
            pia_update(pia=draft, actor=ACTOR, title="x", processing="y", questionnaire=LOW)


def test_a_review_past_due_raises_a_reminder_until_someone_reviews_it(draft, reviewer):
    pia_submit(pia=draft, actor=ACTOR)
    pia_decide(pia=draft, actor=ACTOR, reviewer=reviewer, approve=True)
    PrivacyImpactAssessment.objects.filter(pk=draft.pk).update(next_review_at=timezone.now() - timedelta(days=1))

    privacy_deadlines_check()
    reminder = PrivacyAlert.objects.get(kind=PrivacyAlertKind.PIA_REVIEW_DUE)
    pia_mark_reviewed(pia=draft, actor=ACTOR, reviewer=reviewer, note="still valid")
    privacy_deadlines_check()

    reminder.refresh_from_db()
    assert reminder.assessment_id == draft.pk and reminder.resolved_at is not None
    assert PrivacyAlert.objects.filter(resolved_at__isnull=True).count() == 0
    assert PrivacyImpactAssessment.objects.get(pk=draft.pk).next_review_at > timezone.now()
