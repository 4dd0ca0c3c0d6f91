"""Plain helpers of the registry tests: a registered check of any kind, a port nothing listens on."""

import socket

from apps.integration.models import HealthCheck
from apps.integration.registry.services import CheckSpec, registry_register


def dead_port() -> int:
    """A port that was free a moment ago and has no listener: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def a_check(kind: str, target: dict, *, service: str = "probe", instance_id: str = "one", **spec) -> HealthCheck:
    """Register one instance with one check `kind` on `target`; the check row."""
    instance = registry_register(
        service=service,
        kind="other",
        instance_id=instance_id,
        checks=[CheckSpec(name=kind, kind=kind, target=target, timeout_seconds=1, **spec)],
    )
    return instance.checks.get()
