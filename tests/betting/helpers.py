"""Helpers of the betting tests: the scopes of the bot's key, and threads released together (real
transactions racing each other)."""

import threading
from collections.abc import Callable

from django.db import connection

BETTING_SCOPES = ["bets:read", "bets:write", "bets:settle"]


def in_thread(target: Callable[[], object], outcomes: list, index: int, start: threading.Barrier | None = None):
    """A started thread that stores ("ok", value) or ("error", exception) in outcomes[index]."""

    def run() -> None:
        try:
            if start is not None:
                start.wait()
            outcomes[index] = ("ok", target())
        except Exception as error:  # noqa: BLE001 - the test asserts on what each thread got
            outcomes[index] = ("error", error)
        finally:
            connection.close()  # each thread has its own connection: give it back

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=30)
    assert all(not thread.is_alive() for thread in threads)


def run_at_once(*targets: Callable[[], object]) -> list[tuple[str, object]]:
    """Run each target in its own thread, released together; returns ("ok", value) or ("error", exception)."""
    start = threading.Barrier(len(targets))
    outcomes: list = [None] * len(targets)
    join([in_thread(target, outcomes, index, start) for index, target in enumerate(targets)])
    return outcomes
