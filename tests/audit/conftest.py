"""Fixtures of the audit tests: recording events the way services do."""

import pytest
from django.db import transaction

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.actors import Actor


@pytest.fixture
def record_events(db, actor):
    """record_events(count, **audit_record kwargs) -> events, recorded in one transaction.

    Each event gets a distinct reason ("event 0", "event 1", …) so that no two rows hash alike.
    """

    def _record(
        count: int = 1, *, actor: Actor = actor, action: str = "tests.thing_done", **kwargs
    ) -> list[AuditEvent]:
        reason = kwargs.pop("reason", None)
        with transaction.atomic():
            return [
                audit_record(
                    actor=actor, action=action, reason=f"event {index}" if reason is None else reason, **kwargs
                )
                for index in range(count)
            ]

    return _record
