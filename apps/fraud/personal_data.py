"""What the fraud app holds about people (apps/core/personal_data.py).

Decisions: a case names cappers (through FraudCaseMember) and carries the detector's evidence and
explanation about them: confidential behavioural data. History notes and labels are the analysts'.
"""

from django.db.models import Q

from apps.core.personal_data import DataCategory, DataClass, declare_personal_data


def _cases_of(member) -> Q:
    return Q(members__capper__member=member)


def _case_history_of(member) -> Q:
    return Q(case__members__capper__member=member)


declare_personal_data(
    "fraud.FraudCase",
    subject=_cases_of,
    kind="fraud_cases",
    fields={
        "member_key": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "which cappers the case is about"),
        "score": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "how strongly the evidence points at fraud"),
        "explanation": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "what the detector found"),
        "evidence": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "the numbers behind the finding"),
        "assignee": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst handling it"),
    },
    not_personal=[
        "id",
        "kind",
        "status",
        "detection_count",
        "first_detected_at",
        "last_detected_at",
        "created_at",
        "updated_at",
    ],
)

declare_personal_data(
    "fraud.FraudCaseMember",
    subject="capper__member",
    kind="fraud_cases",
    fields={"capper": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "a capper under suspicion")},
    not_personal=["id", "case"],
)

declare_personal_data(
    "fraud.FraudCaseEvent",
    subject=_case_history_of,
    kind="fraud_cases",
    fields={
        "actor_label": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst"),
        "note": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the analyst's note"),
        "score": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "the score at detection"),
    },
    not_personal=["id", "case", "action", "from_status", "to_status", "created_at"],
)

declare_personal_data(
    "fraud.FraudLabel",
    subject=_case_history_of,
    kind="fraud_cases",
    fields={
        "verdict": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "the analyst's verdict about the cappers"),
        "labelled_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "the analyst"),
    },
    not_personal=["id", "case", "kind", "created_at"],
)
