"""Seed rows of the incident admin pages (called by tests/admin/conftest.py:_seed)."""

from apps.core.actors import Actor
from apps.incidents.services.incidents import incident_declare
from apps.incidents.services.policies import escalation_policy_create


def escalation_policy_admin_rows(*, actor: Actor, rows: int) -> None:
    """Escalation policies with two levels each (an e-mail and a webhook target), through the service."""
    for number in range(rows):
        escalation_policy_create(
            actor=actor,
            name=f"policy {number:02}",
            levels=[
                {"level": 1, "ack_timeout_seconds": 300, "targets": [{"kind": "email", "address": "a@example.org"}]},
                {
                    "level": 2,
                    "ack_timeout_seconds": 600,
                    "targets": [{"kind": "webhook", "url": f"https://pager.example.org/{number}"}],
                },
            ],
        )


def incident_admin_rows(*, actor: Actor, rows: int) -> None:
    """Incidents declared through the service (each with its opening line and, being high, NIS2's clock)."""
    for number in range(rows):
        incident_declare(actor=actor, title=f"Incident {number:02}", kind="account_takeover", severity="high")
