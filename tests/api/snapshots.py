"""Database snapshots for API tests: prove a denied call changed nothing, and what an allowed one did."""

from typing import Any

from apps.accounts.models import ApiKey, Member
from apps.audit.models import AuditEvent, AuditSeal
from apps.betting.models import Bet, BetLeg, Game
from apps.incidents.models import Incident, IncidentRule, TimelineEntry
from apps.tenants.models import Tenant

# last_used_at is usage telemetry the authentication layer refreshes on every authenticated call,
# allowed or not; it is not a state change anyone made, so it is left out of the snapshot.
_MODELS = {
    "tenant": (Tenant, ()),
    "api_key": (ApiKey, ("last_used_at",)),
    "audit_event": (AuditEvent, ()),
    "audit_seal": (AuditSeal, ()),
    "member": (Member, ()),
    "game": (Game, ()),
    "bet": (Bet, ()),
    "bet_leg": (BetLeg, ()),
    "incident": (Incident, ()),
    "incident_timeline": (TimelineEntry, ()),
    "incident_rule": (IncidentRule, ()),
    # an incident's many-to-many rows (assignees, affected tenants and members, links)
    **{f"incident_{field.name}": (field.remote_field.through, ()) for field in Incident._meta.many_to_many},
}

Snapshot = dict[str, dict[Any, dict[str, Any]]]


def take_snapshot(extra: dict[str, tuple[Any, tuple[str, ...]]] | None = None) -> Snapshot:
    """Every row of the models an API call could touch, as {model: {pk: {field: value}}}; `extra` adds a
    suite's own models (label: (model, ignored fields)) without changing what the other suites compare."""
    snapshot: Snapshot = {}
    for label, (model, ignored) in {**_MODELS, **(extra or {})}.items():
        fields = [field.attname for field in model._meta.concrete_fields if field.attname not in ignored]
        pk_name = model._meta.pk.attname
        snapshot[label] = {row[pk_name]: row for row in model.objects.values(*fields)}
    return snapshot


def snapshot_diff(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    """What changed, per model: {"added": {pk: row}, "removed": {pk: row}, "changed": {pk: {field: (old, new)}}}."""
    diff: dict[str, dict[str, Any]] = {}
    for label in before:
        old_rows, new_rows = before[label], after[label]
        added = {pk: row for pk, row in new_rows.items() if pk not in old_rows}
        removed = {pk: row for pk, row in old_rows.items() if pk not in new_rows}
        changed = {}
        for pk in old_rows.keys() & new_rows.keys():
            fields = {
                name: (value, new_rows[pk][name]) for name, value in old_rows[pk].items() if new_rows[pk][name] != value
            }
            if fields:
                changed[pk] = fields
        if added or removed or changed:
            diff[label] = {"added": added, "removed": removed, "changed": changed}
    return diff
