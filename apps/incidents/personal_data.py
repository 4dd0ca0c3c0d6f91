"""What incident response holds about people (apps/core/personal_data.py).

Decisions: incidents name staff (owner, acknowledger, assignees, evidence collectors, custody actors,
approvers) and, through `affected_members`, the members they touched; the evidence files themselves may hold
anything, so they are confidential and reached only through the custody log. The data-subject export lists
the incidents a member is affected by; erasure leaves them (legal hold: the record of a security incident
is kept for the regulator, GDPR Art. 17(3)(e)).
"""

from django.db.models import Q

from apps.core.personal_data import DataCategory, DataClass, declare_personal_data
from apps.incidents.choices import INCIDENT_TIMES


def _incidents_of(member) -> Q:
    return Q(affected_members=member)


def _incident_rows_of(member) -> Q:
    return Q(incident__affected_members=member)


def _evidence_rows_of(member) -> Q:
    return Q(evidence__incident__affected_members=member)


def _review_rows_of(member) -> Q:
    return Q(review__incident__affected_members=member)


_STAFF = (DataClass.INTERNAL, DataCategory.IDENTIFIER)

declare_personal_data(
    "incidents.Incident",
    subject=_incidents_of,
    kind="incidents",
    fields={
        "title": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "what happened (may name a person)"),
        "description": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the responders' account"),
        "owner": (*_STAFF, "the staff member who owns the response"),
        "acknowledged_by": (*_STAFF, "who acknowledged the escalation"),
        "declared_by_label": (*_STAFF, "who declared it, or the rule"),
        "correlation_key": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "the user, address or key it is about"),
    },
    not_personal=[
        "id",
        "kind",
        "severity",
        "status",
        "guild_id",
        "affected_systems",
        "personal_data_involved",
        "rule",
        *INCIDENT_TIMES,
        "reopened_count",
        "escalation_policy",
        "escalation_levels",
        "escalation_level",
        "escalation_token",
        "next_escalation_at",
        "created_at",
        "updated_at",
    ],
)

declare_personal_data(
    "incidents.TimelineEntry",
    subject=_incident_rows_of,
    kind="incidents",
    fields={
        "actor_label": (*_STAFF, "who made the change"),
        "message": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "what changed, or the responder's note"),
        "data": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "the change's details"),
    },
    not_personal=["id", "incident", "occurred_at", "kind"],
)

declare_personal_data(
    "incidents.StepRun",
    subject=_incident_rows_of,
    kind="incidents",
    fields={
        "assignee": (*_STAFF, "who carries out a manual task"),
        "result": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "what the action did (keys, addresses)"),
        "undo": (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL, "what reversing it needs"),
        "undone_by_label": (*_STAFF, "who undid it"),
    },
    not_personal=[
        "id",
        "incident",
        "step",
        "position",
        "status",
        "attempts",
        "error",
        "owner_role",
        "due_at",
        "next_attempt_at",
        "started_at",
        "finished_at",
        "undone_at",
    ],
)

declare_personal_data(
    "incidents.Evidence",
    subject=_incident_rows_of,
    kind="incidents",
    fields={
        "file": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the evidence itself (logs, screenshots, snapshots)"),
        "original_name": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the uploaded file's name"),
        "title": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "what the evidence is"),
        "description": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "how it relates to the incident"),
        "collected_by": (*_STAFF, "who collected it"),
        "collected_by_label": (*_STAFF, "who or what collected it"),
    },
    not_personal=[
        "id",
        "incident",
        "kind",
        "content_type",
        "size",
        "sha256",
        "collection_method",
        "collected_at",
        "custody_head_hash",
    ],
)

declare_personal_data(
    "incidents.CustodyEvent",
    subject=_evidence_rows_of,
    kind="incidents",
    fields={
        "actor_label": (*_STAFF, "who accessed the evidence"),
        "actor_user": (*_STAFF, "who accessed the evidence"),
        "ip_address": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "from where"),
        "purpose": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "why"),
        "recipient": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "the party it was transferred to"),
    },
    not_personal=[
        "id",
        "evidence",
        "sequence",
        "action",
        "observed_sha256",
        "hash_verified",
        "previous_hash",
        "event_hash",
        "occurred_at",
    ],
)

declare_personal_data(
    "incidents.Review",
    subject=_incident_rows_of,
    kind="incidents",
    fields={
        "approved_by": (*_STAFF, "who approved the review"),
        "summary": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "the review's account"),
        "root_cause": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "why it happened"),
        "lessons_learned": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "what was learned"),
        "cost_notes": (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT, "what it cost"),
    },
    not_personal=[
        "id",
        "incident",
        "status",
        "generated_at",
        "durations",
        "actions",
        "impact",
        "cost_amount",
        "cost_currency",
        "approved_at",
        "updated_at",
    ],
)

declare_personal_data(
    "incidents.FollowUp",
    subject=_review_rows_of,
    kind="incidents",
    fields={
        "owner": (*_STAFF, "who carries out the recommendation"),
        "recommendation": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "what is to be done"),
    },
    not_personal=["id", "review", "due_on", "status", "done_at", "created_at"],
)
