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
_TEXT = (DataClass.CONFIDENTIAL, DataCategory.FREE_TEXT)
_DETAILS = (DataClass.CONFIDENTIAL, DataCategory.BEHAVIOURAL)


def _declare(model: str, subject, fields: dict, not_personal: list[str]) -> None:
    declare_personal_data(
        f"incidents.{model}", subject=subject, kind="incidents", fields=fields, not_personal=not_personal
    )


_declare(
    "Incident",
    _incidents_of,
    {
        "title": (*_TEXT, "what happened (may name a person)"),
        "description": (*_TEXT, "the responders' account"),
        "owner": (*_STAFF, "the staff member who owns the response"),
        "acknowledged_by": (*_STAFF, "who acknowledged the escalation"),
        "declared_by_label": (*_STAFF, "who declared it, or the rule"),
        "correlation_key": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "the user, address or key it is about"),
    },
    [
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

_declare(
    "TimelineEntry",
    _incident_rows_of,
    {
        "actor_label": (*_STAFF, "who made the change"),
        "message": (*_TEXT, "what changed, or the responder's note"),
        "data": (*_DETAILS, "the change's details"),
    },
    ["id", "incident", "occurred_at", "kind"],
)

_declare(
    "StepRun",
    _incident_rows_of,
    {
        "assignee": (*_STAFF, "who carries out a manual task"),
        "result": (*_DETAILS, "what the action did (keys, addresses)"),
        "undo": (*_DETAILS, "what reversing it needs"),
        "undone_by_label": (*_STAFF, "who undid it"),
    },
    [
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

_declare(
    "Evidence",
    _incident_rows_of,
    {
        "file": (*_TEXT, "the evidence itself (logs, screenshots, snapshots)"),
        "original_name": (*_TEXT, "the uploaded file's name"),
        "title": (*_TEXT, "what the evidence is"),
        "description": (*_TEXT, "how it relates to the incident"),
        "collected_by": (*_STAFF, "who collected it"),
        "collected_by_label": (*_STAFF, "who or what collected it"),
    },
    [
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

_declare(
    "CustodyEvent",
    _evidence_rows_of,
    {
        "actor_label": (*_STAFF, "who accessed the evidence"),
        "actor_user": (*_STAFF, "who accessed the evidence"),
        "ip_address": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "from where"),
        "purpose": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "why"),
        "recipient": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "the party it was transferred to"),
    },
    [
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

_declare(
    "Review",
    _incident_rows_of,
    {
        "approved_by": (*_STAFF, "who approved the review"),
        "summary": (*_TEXT, "the review's account"),
        "root_cause": (*_TEXT, "why it happened"),
        "lessons_learned": (*_TEXT, "what was learned"),
        "cost_notes": (*_TEXT, "what it cost"),
    },
    [
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

_declare(
    "FollowUp",
    _review_rows_of,
    {
        "owner": (*_STAFF, "who carries out the recommendation"),
        "recommendation": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "what is to be done"),
    },
    ["id", "review", "due_on", "status", "done_at", "created_at"],
)
