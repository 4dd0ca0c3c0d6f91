"""Checks of what an incident is declared or changed with: each refusal an ApplicationError a person can act
on, raised before anything is written; and the policy an incident gets."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.core.errors import ApplicationError
from apps.incidents.choices import IncidentKind, IncidentSeverity
from apps.incidents.models import EscalationPolicy, Incident, IncidentRule
from apps.tenants.models import Tenant

User = get_user_model()


def check_choice(value: str, choices, field: str) -> None:
    if value not in choices.values:
        raise ApplicationError(
            _("Unknown %(field)s %(value)s; use one of: %(choices)s.")
            % {"field": field, "value": repr(value), "choices": ", ".join(choices.values)},
            code=f"invalid_{field}",
            fields={field: [_("Not one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]},
        )


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ApplicationError(
            _("Give the incident a title of 1 to 200 characters."),
            code="invalid_title",
            fields={"title": [_("1 to 200 characters.")]},
        )
    return title


def check_guild(guild_id: str) -> str:
    if guild_id and not Tenant.objects.filter(guild_id=guild_id).exists():
        raise ApplicationError(
            _("No tenant with guild id %(guild_id)s: give the guild id of a registered tenant, or none.")
            % {"guild_id": guild_id},
            code="unknown_guild",
            fields={"guild_id": [_("No tenant with this guild id.")]},
        )
    return guild_id


def check_systems(systems: Any) -> list[str]:
    if isinstance(systems, str) or not all(isinstance(name, str) and 0 < len(name) <= 100 for name in systems):
        raise ApplicationError(
            _("Affected systems are a list of names (1 to 100 characters each), such as api, portal, bot."),
            code="invalid_affected_systems",
            fields={"affected_systems": [_("A list of names.")]},
        )
    return sorted(set(systems))


def check_staff(user, field: str):
    if user is not None and not (user.is_active and user.is_staff):
        raise ApplicationError(
            _("%(user)s is not an active staff user and cannot be %(field)s of an incident.")
            % {"user": user.get_username(), "field": field},
            code=f"invalid_{field}",
            fields={field: [_("Not an active staff user.")]},
        )
    return user


def resolve_policy(escalation_policy: EscalationPolicy | int | None, rule: IncidentRule | None):
    """The declaration's policy, else the rule's, else the default one, else none."""
    if isinstance(escalation_policy, EscalationPolicy):
        return escalation_policy
    if escalation_policy is not None:
        policy = EscalationPolicy.objects.filter(pk=escalation_policy).first()
        if policy is None:
            raise ApplicationError(
                _("No escalation policy %(policy)s: name an existing policy or leave it empty for the default one.")
                % {"policy": escalation_policy},
                code="unknown_escalation_policy",
                fields={"escalation_policy": [_("No such escalation policy.")]},
            )
        return policy
    if rule is not None and rule.escalation_policy_id is not None:
        return rule.escalation_policy
    return EscalationPolicy.objects.filter(is_default=True).first()


def escalation_levels_copy(policy: EscalationPolicy | None) -> list[dict[str, Any]]:
    """The policy's levels as the incident keeps them (a copy: later policy edits change nothing)."""
    if policy is None:
        return []
    return [
        {"level": level.level, "ack_timeout_seconds": level.ack_timeout_seconds, "targets": list(level.targets)}
        for level in policy.levels.order_by("level")
    ]


def _set_members(incident: Incident, members: Iterable[Any]) -> None:
    members = list(members)
    if not all(isinstance(member, Member) for member in members):
        raise ApplicationError(_("Affected members are members."), code="invalid_affected_members")
    incident.affected_members.set(members)


def _set_kind(incident: Incident, value: str) -> None:
    check_choice(value, IncidentKind, "kind")
    incident.kind = value


def _set_severity(incident: Incident, value: str) -> None:
    check_choice(value, IncidentSeverity, "severity")
    incident.severity = value


def _set_guild(incident: Incident, value: str) -> None:
    incident.guild_id = check_guild(value or "")


# field -> how incident_update applies a value (checked first; many-to-many fields are set at once)
SETTERS = {
    "title": lambda incident, value: setattr(incident, "title", check_title(value)),
    "description": lambda incident, value: setattr(incident, "description", str(value or "")),
    "kind": _set_kind,
    "severity": _set_severity,
    "guild_id": _set_guild,
    "affected_systems": lambda incident, value: setattr(incident, "affected_systems", check_systems(value)),
    "owner": lambda incident, value: setattr(incident, "owner", check_staff(value, "owner")),
    "assignees": lambda incident, value: incident.assignees.set([check_staff(user, "assignee") for user in value]),
    "personal_data_involved": lambda incident, value: setattr(incident, "personal_data_involved", bool(value)),
    "affected_tenants": lambda incident, value: incident.affected_tenants.set(list(value)),
    "affected_members": _set_members,
}


def staff_by_username(usernames: Iterable[str], *, field: str) -> list:
    """The active staff users the API names by username, in order; an unknown name is refused."""
    usernames = list(usernames)
    users = {user.get_username(): user for user in User.objects.filter(username__in=usernames)}
    missing = [name for name in usernames if name not in users]
    if missing:
        raise ApplicationError(
            _("No staff user named %(names)s.") % {"names": ", ".join(repr(name) for name in missing)},
            code=f"invalid_{field}",
            fields={field: [_("Unknown user.")]},
        )
    return [check_staff(users[name], field) for name in usernames]
