"""Work a serving process does once, in the background, right after it starts, so that the first request or task
needing it does not wait: the bet-text parser's language models (apps/ml/nlp: about 4 s of loading, and 180 MiB,
that the first parse in a process would otherwise spend).

Apps register a warm-up in their AppConfig.ready() — registration only: nothing runs at import, in tests, in
migrations or in management commands. It runs where a server or a worker starts serving:

* "web": the ASGI lifespan's startup (apps/core/scheduler.py `lifespan_application`, dbsbm/asgi.py) — uvicorn
  under `make run` and `make up`, in both configurations;
* "worker": Celery's `worker_process_init` (apps/core/receivers.py), in each pool process — only for warm-ups
  registered with worker=True.

The registered callables run one after another in one daemon thread (the server answers meanwhile; a request
that needs a half-built model waits on that model's own lock); a failure is logged, never raised.
`DBSBM_WARM_UP=false` (settings WARM_UP_ENABLED) turns it off; the test settings keep it off unless a test turns
it on.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger(__name__)
KINDS = ("web", "worker")


@dataclass(frozen=True)
class WarmUp:
    name: str
    run: Callable[[], None]
    web: bool
    worker: bool


@dataclass
class WarmUpState:
    warmed: list[str] = field(default_factory=list)  # names done in this process, in order (tests read it)
    failed: list[str] = field(default_factory=list)


_warm_ups: dict[str, WarmUp] = {}
state = WarmUpState()


def register_warm_up(name: str, run: Callable[[], None], *, web: bool = True, worker: bool = False) -> None:
    """Run `run` in the background when a web process (and, with worker=True, a Celery pool process) starts."""
    _warm_ups[name] = WarmUp(name=name, run=run, web=web, worker=worker)


def unregister_warm_up(name: str) -> None:
    _warm_ups.pop(name, None)


def warm_up_start(kind: str) -> threading.Thread | None:
    """Start this process's warm-ups of `kind` ("web" or "worker") in a daemon thread; None when there is none
    or warm-ups are off."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    jobs = [job for job in _warm_ups.values() if getattr(job, kind)]
    if not jobs or not settings.WARM_UP_ENABLED:
        return None
    thread = threading.Thread(target=_run, args=(jobs,), name=f"warm-up-{kind}", daemon=True)
    thread.start()
    return thread


def _run(jobs: list[WarmUp]) -> None:
    for job in jobs:
        started = time.monotonic()
        try:
            job.run()
        except Exception:  # noqa: BLE001 - a warm-up that fails only leaves the first use slow
            state.failed.append(job.name)
            logger.exception("warm-up %s failed", job.name)
            continue
        state.warmed.append(job.name)
        logger.info("warm-up: %s in %.1f s", job.name, time.monotonic() - started)
