"""Rows behind the playbook and address-block admin pages (tests/admin/conftest.py:admin_rows)."""

from datetime import timedelta

from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.choices import IncidentKind
from apps.security.services import address_block
from tests.incidents.playbook_support import playbook_make


def playbook_admin_rows(*, actor: Actor, rows: int) -> None:
    kinds = IncidentKind.values
    for number in range(rows):
        playbook_make(
            kind=kinds[number % len(kinds)],
            steps=[
                {"slug": "block", "action": "block_address", "params": {"hours": 1}},
                {"slug": "task", "action": "manual", "owner_role": "ops", "due_minutes": 30},
            ],
        )
        address_block(
            address=f"198.51.100.{number + 1}",
            until=timezone.now() + timedelta(hours=number + 1),
            reason=f"INC-{number}",
            actor=actor,
        )
