"""What an incident names: the addresses, staff users, API keys, tenants and cappers its actions act on.

Found from the step's parameters (the playbook's YAML) and from what is linked to the incident: its
security alerts (their group key is the address, user or key prefix they are about, their events carry
the address and the actor) and its fraud cases (their cappers).
"""

import ipaddress
from typing import Any

from apps.accounts.models import ApiKey, User
from apps.betting.models import Capper
from apps.incidents.models import Incident, StepRun
from apps.tenants.models import Tenant


def _listed(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name, [])
    return [str(item) for item in (value if isinstance(value, list) else [value]) if str(item).strip()]


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _alerts(incident: Incident) -> list:
    return list(incident.security_alerts.prefetch_related("events").order_by("pk"))


def incident_addresses(run: StepRun) -> list[str]:
    """Addresses to block: the step's `addresses`, the linked alerts' address group keys, and the addresses
    their events came from (a per-user brute force groups by username, its events carry the address)."""
    found = _listed(run.step.params, "addresses")
    for alert in _alerts(run.incident):
        if _is_address(alert.group_key):
            found.append(alert.group_key)
        found += [str(event.ip_address) for event in alert.events.all() if event.ip_address]
    return list(dict.fromkeys(found))


def incident_staff_users(run: StepRun) -> list[User]:
    """Staff users whose sessions to end: the step's `usernames`, the user a linked alert is about (its
    group key), and the users who acted in the alert's events."""
    usernames, user_ids = _listed(run.step.params, "usernames"), []
    for alert in _alerts(run.incident):
        if alert.group_key:
            usernames.append(alert.group_key)
        for event in alert.events.all():
            if event.actor_kind == "user" and event.actor_identifier.isdigit():
                user_ids.append(int(event.actor_identifier))
            if isinstance(event.details, dict) and event.details.get("username"):
                usernames.append(str(event.details["username"]))
    users = User.objects.filter(is_staff=True, is_active=True)
    return list((users.filter(username__in=usernames) | users.filter(pk__in=user_ids)).distinct().order_by("pk"))


def incident_api_keys(run: StepRun) -> list[ApiKey]:
    """Keys to revoke: the step's `key_prefixes`, the linked alerts' key-prefix group keys and details,
    and the keys that acted in their events."""
    prefixes, key_ids = _listed(run.step.params, "key_prefixes"), []
    for alert in _alerts(run.incident):
        details = alert.details if isinstance(alert.details, dict) else {}
        prefixes += [alert.group_key, *_listed(details, "key_prefix"), *_listed(details, "key_prefixes")]
        for event in alert.events.all():
            if event.actor_kind == "api_key" and event.actor_identifier.isdigit():
                key_ids.append(int(event.actor_identifier))
    prefixes = [prefix for prefix in prefixes if prefix]
    keys = ApiKey.objects.filter(prefix__in=prefixes) | ApiKey.objects.filter(pk__in=key_ids)
    return list(keys.distinct().order_by("pk"))


def incident_tenants(run: StepRun) -> list[Tenant]:
    """Tenants to suspend: the step's `guild_ids`, the incident's guild and its affected tenants."""
    guild_ids = [*_listed(run.step.params, "guild_ids"), run.incident.guild_id]
    tenants = Tenant.objects.filter(guild_id__in=[guild for guild in guild_ids if guild])
    return list((tenants | run.incident.affected_tenants.all()).distinct().order_by("pk"))


def incident_cappers(run: StepRun) -> list[Capper]:
    """Cappers to freeze: those of the linked fraud cases, and the step's `capper_ids`."""
    capper_ids = [int(value) for value in _listed(run.step.params, "capper_ids") if value.isdigit()]
    cases = run.incident.fraud_cases.all()
    cappers = Capper.objects.filter(pk__in=capper_ids) | Capper.objects.filter(fraud_cases__in=cases)
    return list(cappers.distinct().select_related("tenant").order_by("pk"))
