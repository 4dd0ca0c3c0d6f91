"""`make bench-incidents`: incident response speed (issue 13, "Speed").

Real processes: a redis-server of our own (the broker, on a free port), the Procfile's two Celery workers
(`worker`: prefork, 2 processes, every queue, urgent first; `urgent`: threads, 4, the urgent queue alone; README
"Processes and queues"; BENCH_INCIDENTS_URGENT_WORKER=0 leaves out the urgent one) and a Celery beat on its own
re-created database (BENCH_INCIDENTS_DATABASE, default dbsbm_bench_incidents); beat runs only the outbox
dispatcher and the escalation sweep (the other periodic jobs are disabled so they do not load the workers).
Level-1 and level-2 targets are webhooks on a local HTTP receiver (127.0.0.1) that verifies each Standard
Webhooks signature.

1. alert -> incident -> level 1 webhook received: BENCH_INCIDENTS_ALERTS (50) high brute-force alerts
   raised through the security service (`alert_raise`), one after another; target p95 < 2 s. Then where that
   time goes, hop by hop (`hop_timings`, bench/incidents_setup.py; information only).
2. escalation lateness: BENCH_INCIDENTS_ESCALATIONS (10) incidents with a 2 s level-1 timeout; how long after
   the timeout level 2 is notified (the step, and the webhook received); target < 5 s. Three runs: the workers
   running; one of two general workers SIGKILLed after level 1 (the eta timers it took are lost with it:
   beat's sweep catches them on another); every worker SIGKILLed and restarted (information only: it includes
   the new workers' start-up). Each run also counts incidents notified twice at level 2 (the fencing token: 0).
3. 1,000 open incidents: the escalation sweep over them (nothing due) — and the list/board page timings,
   through the portal (`measure_pages`, bench/incidents_pages.py).

The incidents are opened by the shipped incident rules (an urgent task after each alert's commit, which also
notifies level 1 in its transaction), as in production.
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_INCIDENTS_DATABASE", "dbsbm_bench_incidents")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
ALERTS = int(os.environ.get("BENCH_INCIDENTS_ALERTS", "50"))
ESCALATIONS = int(os.environ.get("BENCH_INCIDENTS_ESCALATIONS", "10"))
OPEN_INCIDENTS = int(os.environ.get("BENCH_INCIDENTS_OPEN", "1000"))
URGENT_WORKER = os.environ.get("BENCH_INCIDENTS_URGENT_WORKER", "1") != "0"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
RESULTS = BASE_DIR / "bench" / "results-incidents.md"
LAYOUT = (
    "the Procfile's two Celery workers: `worker` (prefork, 2, every queue, urgent first) and `urgent` (threads, 4, "
    "queue urgent)"
    if URGENT_WORKER
    else "the Procfile's `worker` alone (prefork, 2, every queue, urgent first)"
)
KEEP_BEAT = {"incidents: escalation sweep", "core: dispatch the task outbox"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BROKER_PORT = _free_port()
os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=f"redis://127.0.0.1:{BROKER_PORT}/0",
    DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
    DJANGO_DEBUG="false",
    DJANGO_ALLOWED_HOSTS="testserver,localhost",  # localhost: the page timings (bench/incidents_pages.py)
)
os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")


class Receiver:
    """Local Standard Webhooks receiver: verifies the signature, records (reference, level) -> receipt time."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.received: dict[tuple[str, int], float] = {}
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                from standardwebhooks import Webhook

                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = Webhook(receiver.secrets[self.path]).verify(body, dict(self.headers.items()))
                except Exception:  # noqa: BLE001 - a bad signature is a 401
                    receiver.refused += 1
                    self.send_response(401)
                else:
                    data = payload["data"]
                    receiver.received.setdefault((data["reference"], data["level"]), time.time())
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def wait(self, keys, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while not all(key in self.received for key in keys):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def _recreate_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def _start(arguments: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(arguments, cwd=BASE_DIR, env=dict(os.environ), **kwargs)


def _start_broker() -> subprocess.Popen:
    process = _start(
        [REDIS_SERVER, "--port", str(BROKER_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", BROKER_PORT), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


WORKER_NAMES = iter(range(1, 100))


def _spawn_worker(*, queues: str, pool: str, concurrency: int) -> tuple[subprocess.Popen, str]:
    name = f"bench{next(WORKER_NAMES)}@{socket.gethostname()}"
    arguments = ["worker", f"--pool={pool}", f"--concurrency={concurrency}", "-Q", queues, "-n", name, "-l", "ERROR"]
    return _start([sys.executable, "-m", "celery", "-A", "dbsbm", *arguments]), name


def _ready(worker: subprocess.Popen, name: str) -> subprocess.Popen:
    """The worker, once it (not any other) answers a ping."""
    from dbsbm.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")
    return worker


def _general_queues() -> str:
    """The Procfile's general `worker`: every queue of CELERY_QUEUE_NAMES, in its order (urgent first; README
    "Processes and queues"), read from the settings once Django is set up, so a queue added there is taken here."""
    from django.conf import settings  # noqa: PLC0415 - main() sets Django up first

    return ",".join(settings.CELERY_QUEUE_NAMES)


def _start_workers() -> tuple[subprocess.Popen, subprocess.Popen | None]:
    """The Procfile's `worker` and (unless BENCH_INCIDENTS_URGENT_WORKER=0) `urgent`, started together as a
    supervisor starts them; returned once both answer a ping."""
    spawned = [_spawn_worker(queues=_general_queues(), pool="prefork", concurrency=2)]
    if URGENT_WORKER:
        spawned.append(_spawn_worker(queues="urgent", pool="threads", concurrency=4))
    ready = [_ready(worker, name) for worker, name in spawned]
    return ready[0], (ready[1] if URGENT_WORKER else None)


def _start_worker() -> subprocess.Popen:
    """One more of the Procfile's `worker`."""
    return _ready(*_spawn_worker(queues=_general_queues(), pool="prefork", concurrency=2))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _summary(label: str, values: list[float], unit: str = "s") -> str:
    if not values:
        return f"{label:<64} no samples"
    return (
        f"{label:<64} n={len(values):<4} p50 {statistics.median(values):7.3f} {unit}   "
        f"p95 {_percentile(values, 0.95):7.3f} {unit}   max {max(values):7.3f} {unit}"
    )


def measure_pages(*, open_incidents: int) -> list[tuple[str, list[float]]]:
    """The incident list and board pages (bench/incidents_pages.py), rendered by the portal with a verified
    analyst's session, on the `open_incidents` open incidents seeded above: [(label, timings in ms)]."""
    from bench.incidents_pages import page_timings

    return page_timings()


def main() -> int:  # noqa: C901, PLR0915 - one scripted run, read top to bottom
    _recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()
    from django_celery_beat.models import PeriodicTask

    from bench.incidents_setup import (
        escalation_lateness,
        hop_timings,
        open_incidents_bulk,
        raise_alerts,
        sweep_timings,
        two_level_policy,
    )

    PeriodicTask.objects.exclude(name__in=KEEP_BEAT).update(enabled=False)
    receiver = Receiver()
    broker = _start_broker()
    worker, urgent = _start_workers()
    beat = _start([sys.executable, "-m", "celery", "-A", "dbsbm", "beat", "--max-interval=1", "-l", "ERROR"])
    lines: list[str] = []
    verdicts: list[str] = []
    spare: list[subprocess.Popen] = []
    try:
        lines.append("opening: the shipped incident rules (an urgent task after each alert's commit)")
        # the default policy: the rule-opened incidents take it
        two_level_policy(name="bench fast", receiver=receiver, timeout=600, default=True)
        started = raise_alerts(count=ALERTS)
        ok = receiver.wait([(reference, 1) for reference in started], timeout=120)
        latencies = [receiver.received[(ref, 1)] - at for ref, at in started.items() if (ref, 1) in receiver.received]
        lines.append(_summary("alert -> level 1 webhook received", latencies))
        p95 = _percentile(latencies, 0.95) if latencies else float("inf")
        verdicts.append(f"alert -> level 1 p95 {p95:.3f} s < 2 s: {'PASS' if ok and p95 < 2 else 'MISS'}")
        lines.append("  where the time goes (information only: each hop's share, from the rows the run left):")
        lines.extend(
            f"  {_summary(label, seconds)}"
            for label, seconds in hop_timings(started=started, received=receiver.received)
        )

        def second_worker() -> None:
            spare.append(_start_worker())

        def kill_first_worker() -> None:
            """SIGKILL the first of two general workers after level 1: the eta timers it took are lost with it,
            beat's sweep must catch them on another worker."""
            nonlocal worker
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            worker = spare.pop()

        def kill_then_restart() -> None:
            """A crash of every worker: nothing runs until the new ones are up (their start-up time)."""
            nonlocal worker, urgent
            for process in filter(None, (worker, urgent)):
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
            worker, urgent = _start_workers()

        phases = [
            ("workers running", None, None, True),
            ("one of two general workers killed", second_worker, kill_first_worker, True),
            ("every worker killed, then restarted", None, kill_then_restart, False),
        ]
        for phase, before, after, judged in phases:
            if before is not None:
                before()
            slow = two_level_policy(name=f"bench 2 s ({phase})", receiver=receiver, timeout=2, default=False)
            steps, received, twice = escalation_lateness(
                count=ESCALATIONS, policy=slow, receiver=receiver, after_level_1=after
            )
            lines.append(_summary(f"escalation step after timeout ({phase})", steps))
            lines.append(_summary(f"level 2 webhook after timeout ({phase})", received))
            worst = max(received, default=float("inf"))
            complete = len(received) == ESCALATIONS and twice == 0
            lines.append(f"  notified at level 2 more than once: {twice} of {ESCALATIONS}")
            if judged:
                verdict = "PASS" if complete and worst < 5 else "MISS"
                verdicts.append(f"escalation ({phase}) max {worst:.3f} s < 5 s: {verdict}")
            else:
                lines.append("  (information only: includes the new workers' start-up time)")

        open_incidents_bulk(count=OPEN_INCIDENTS)
        lines.append(_summary(f"escalation sweep, {OPEN_INCIDENTS} open incidents", sweep_timings(), unit="ms"))
        pages = measure_pages(open_incidents=OPEN_INCIDENTS)
        for label, timings in pages:
            lines.append(_summary(label, timings, unit="ms"))
            worst = _percentile(timings, 0.95)
            verdicts.append(f"{label} p95 {worst:.1f} ms < 300 ms: {'PASS' if worst < 300 else 'MISS'}")
        if not pages:
            lines.append("list and board pages: not measured here yet (hook `measure_pages` for the portal part)")
        lines.append(f"receiver refused {receiver.refused} request(s) (bad signature)")
    finally:
        for process in filter(None, (beat, worker, urgent, *spare)):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.kill()
        receiver.server.shutdown()
    report = "\n".join([*lines, "", *verdicts])
    print(report)
    RESULTS.write_text(
        "# Incident response benchmark (`make bench-incidents`)\n\n"
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{', '.join(f'{value:.2f}' for value in os.getloadavg())}; {LAYOUT}, beat "
        "(outbox dispatcher and escalation sweep only), a local signed-webhook receiver.\n\n"
        f"```\n{report}\n```\n"
    )
    return 0 if all(verdict.endswith("PASS") for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
