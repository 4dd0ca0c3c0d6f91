"""Each kind of process announcing itself: a web process from its first request on (a daemon thread
heartbeats every REGISTRY_HEARTBEAT_SECONDS, whatever the traffic), a Celery worker when it is ready and
then on Celery's own heartbeat (so a hung worker goes quiet), beat when it starts (its heartbeat task keeps
it fresh). The signal receivers that call these are in receivers.py."""

import os
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from apps.integration.registry.heartbeats import Announcement, announce, announcement_forget, this_process

UNSPECIFIED_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - a bind address, not a bind


@dataclass
class _ProcessAnnouncement:
    pid: int
    announcement: Announcement | None = None
    last_at: float = float("-inf")
    thread: threading.Thread | None = None
    stop: threading.Event | None = None


_state = _ProcessAnnouncement(pid=os.getpid())
_lock = threading.Lock()


def _process_state() -> _ProcessAnnouncement:
    global _state
    if _state.pid != os.getpid():  # a forked child announces itself, if it ever does
        _state = _ProcessAnnouncement(pid=os.getpid())
    return _state


def web_address(server: tuple[str, int] | None) -> str:
    """host:port other processes can reach this server at (the bind address, or this host's name)."""
    if not server or server[1] is None:
        return ""
    host = server[0] if server[0] not in UNSPECIFIED_HOSTS else socket.gethostname()
    return f"[{host}]:{server[1]}" if ":" in host else f"{host}:{server[1]}"


def _web_loop(announcement: Announcement, stop: threading.Event) -> None:
    while True:
        announce(announcement)
        if stop.wait(settings.REGISTRY_HEARTBEAT_SECONDS):
            return


def web_announce_start(*, server: tuple[str, int] | None) -> bool:
    """Start this web process's heartbeat thread (once per process); whether it started now."""
    state = _process_state()
    if state.thread is not None or not settings.REGISTRY_WEB_HEARTBEAT_ENABLED:
        return False
    with _lock:
        if state.thread is not None:
            return False
        address = web_address(server)
        state.announcement = this_process(
            service="web", kind="web", instance_id=f"{socket.gethostname()}:{os.getpid()}", address=address
        )
        state.stop = threading.Event()
        state.thread = threading.Thread(
            target=_web_loop, args=(state.announcement, state.stop), name="registry-heartbeat", daemon=True
        )
        state.thread.start()
    return True


def web_announce_stop() -> None:
    """Stop the heartbeat thread and withdraw the announcement (a clean shutdown; tests)."""
    state = _process_state()
    if state.stop is not None and state.thread is not None:
        state.stop.set()
        state.thread.join(timeout=5)
    process_announcement_forget()
    state.thread, state.stop, state.announcement = None, None, None


def worker_announce(*, node: str, queues: list[str]) -> Announcement | None:
    """A worker is ready: announce it under its node name with the queues it consumes."""
    state = _process_state()
    state.announcement = this_process(service="worker", kind="worker", instance_id=node, queues=sorted(queues))
    state.last_at = time.monotonic()
    return announce(state.announcement)


def worker_announce_maybe() -> Announcement | None:
    """On Celery's heartbeat (every 2 s): refresh the announcement every REGISTRY_HEARTBEAT_SECONDS."""
    state = _process_state()
    if state.announcement is None or time.monotonic() - state.last_at < settings.REGISTRY_HEARTBEAT_SECONDS:
        return None
    state.last_at = time.monotonic()
    return announce(state.announcement)


def process_announcement_forget() -> None:
    """This process stops cleanly: its announcement goes (its TTL check turns critical at the next run)."""
    state = _process_state()
    if state.announcement is not None:
        announcement_forget(state.announcement.key)


def beat_announce() -> Announcement | None:
    return announce(this_process(service="beat", kind="beat", instance_id="beat"))
