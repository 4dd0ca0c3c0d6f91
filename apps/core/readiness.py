"""Where /readyz may read the platform's dependencies from besides checking them itself.

The service registry (apps/integration/registry, far above core) registers a source here when it starts:
a function answering, for some of `database`, `cache`, `broker`, the finding of a recent health check
("ok" or "down: …"). /readyz uses a finding it is given and checks the others directly (all of them when
no source is registered, the source fails, or it has nothing recent: the registry never ran).
"""

from collections.abc import Callable

ReadinessSource = Callable[[], dict[str, str]]

_source: ReadinessSource | None = None


def readiness_source_register(source: ReadinessSource | None) -> None:
    """Install (or, with None, remove) the one readiness source."""
    global _source
    _source = source


def readiness_source() -> ReadinessSource | None:
    return _source
