"""Rows behind the registry admin pages for the admin smoke tests (tests/admin/conftest.py:admin_rows)."""

from apps.core.actors import Actor
from apps.integration.registry.runners import Probe
from apps.integration.registry.services import CheckSpec, check_result_record, registry_register


def registry_admin_rows(*, actor: Actor, rows: int) -> None:
    del actor  # the registry writes as itself (REGISTRY_ACTOR)
    for number in range(rows):
        instance = registry_register(
            service=f"worker.queue-{number:02}",
            kind="worker",
            instance_id=f"celery@host-{number:02}",
            queues=[f"queue-{number:02}"],
            host=f"host-{number:02}",
            checks=[CheckSpec(name="ping", kind="celery_ping", target={"node": f"celery@host-{number:02}"})],
        )
        check = instance.checks.get()
        check_result_record(check=check, probe=Probe(status="passing", output="pong", duration_ms=3))
