"""Announcements: each running process (web, worker, beat) says who it is and that it is alive, in one
Redis hash, keyed `<service>/<instance id>`. A write is a few bytes and never touches the database, so a
process announces from a thread or a Celery signal without slowing a request or a task; beat's sync turns
the announcements into registry rows and the TTL checks read their age (apps/integration/registry/runners.py).

Best effort, like the worker heartbeats (apps/core/monitoring/workers.py): an announcement that cannot reach
Redis is skipped, and the next one tries again.
"""

import contextlib
import functools
import json
import logging
import os
import socket
import subprocess
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings

from apps.core.cache.store import CACHE_ERRORS, default_store

logger = logging.getLogger(__name__)

ANNOUNCEMENTS_HASH = "registry:announcements"


@dataclass(frozen=True)
class Announcement:
    """What a process says about itself; `at` is the unix time of its latest heartbeat."""

    service: str
    kind: str
    instance_id: str
    address: str = ""
    host: str = ""
    pid: int | None = None
    version: str = ""
    git_commit: str = ""
    queues: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    started_at: float | None = None
    at: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.service}/{self.instance_id}"


@functools.cache
def git_commit() -> str:
    """The commit this process runs: GIT_COMMIT (the deployment sets it), else the checkout's HEAD."""
    if settings.REGISTRY_GIT_COMMIT:
        return settings.REGISTRY_GIT_COMMIT
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        found = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 - git from PATH, like every tool here
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
        if found.returncode == 0:
            return found.stdout.strip()
    return ""


_PROCESS_STARTED_AT = time.time()


def this_process(**values) -> Announcement:
    """An announcement of this process (host, pid, version, commit, start time filled in)."""
    defaults = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "version": settings.REGISTRY_APP_VERSION,
        "git_commit": git_commit(),
        "started_at": _PROCESS_STARTED_AT,
    }
    return Announcement(**{**defaults, **values})


def announce(announcement: Announcement, *, now: float | None = None) -> Announcement | None:
    """Write (or refresh) the announcement; None when Redis could not be reached."""
    stamped = Announcement(**{**asdict(announcement), "at": time.time() if now is None else now})
    ttl = max(settings.REGISTRY_HEARTBEAT_TTL_SECONDS * 10, 3600)  # the hash outlives a quiet hour
    try:
        default_store().hash_set(ANNOUNCEMENTS_HASH, stamped.key, json.dumps(asdict(stamped)), ttl=ttl)
    except CACHE_ERRORS as error:
        logger.debug("registry announcement skipped: %s", type(error).__name__)
        return None
    return stamped


def announcements() -> dict[str, Announcement]:
    """Every announcement by key (old ones too: the TTL check judges their age); unreadable ones are left out."""
    raw = default_store().hash_read(ANNOUNCEMENTS_HASH)
    found = {}
    for key, value in raw.items():
        try:
            found[key] = Announcement(**json.loads(value))
        except (ValueError, TypeError):
            logger.warning("unreadable registry announcement %s", key)
    return found


def announcement_forget(key: str) -> None:
    """Remove one announcement (its process is shutting down cleanly, or it was deregistered)."""
    with contextlib.suppress(*CACHE_ERRORS):
        default_store().hash_delete(ANNOUNCEMENTS_HASH, [key])


BEAT_KEY = "beat/beat"


def beat_heartbeat(*, now: float | None = None) -> Announcement | None:
    """Refresh beat's announcement (written with beat's own pid and host by its `beat_init` receiver); run
    by a task beat sends, so its age is the time since beat last sent anything."""
    try:
        current = announcements().get(BEAT_KEY)
    except CACHE_ERRORS:
        return None
    base = current or Announcement(service="beat", kind="beat", instance_id="beat", host="", pid=None)
    return announce(base, now=now)
