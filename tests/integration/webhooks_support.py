"""Real parts for the webhook tests and the benchmark: a local receiver (an HTTP server in a thread) that
verifies each request with the `standardwebhooks` reference implementation, and a real Celery worker
subprocess on a given database."""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR


class Receiver:
    """A webhook receiver on 127.0.0.1 (a free port). `mode`: "ok" (verify, then 200; 401 when the signature
    is wrong), "down" (503), "hang" (hold the request until `release()` or `hang_seconds`). `received` lists the
    verified events as (monotonic time, headers, envelope)."""

    def __init__(self, *, secret: str = "") -> None:
        self.secret = secret
        self.mode = "ok"
        self.hang_seconds = 30.0
        self.received: list[tuple[float, dict, dict]] = []
        self.refused = 0
        self.hits = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status = receiver.handle(body, {name.lower(): value for name, value in self.headers.items()})
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def handle(self, body: bytes, headers: dict) -> int:
        with self.lock:
            self.hits += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return self._answer(body, headers)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, body: bytes, headers: dict) -> int:
        if self.mode == "down":
            return 503
        if self.mode == "hang":
            self.released.wait(self.hang_seconds)
        try:
            envelope = Webhook(self.secret).verify(body, headers)
        except Exception:  # noqa: BLE001 - any failure of the reference verifier is a refusal
            with self.lock:
                self.refused += 1
            return 401
        with self.lock:
            self.received.append((time.monotonic(), headers, envelope))
        return 200

    def release(self) -> None:
        self.released.set()

    def types(self) -> list[str]:
        with self.lock:
            return [envelope["type"] for _, _, envelope in self.received]

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def queue_names() -> str:
    from django.conf import settings  # noqa: PLC0415 - read when called, with the caller's settings

    return ",".join(queue.name for queue in settings.CELERY_TASK_QUEUES)


def start_worker(*, database_url: str, env: dict[str, str], concurrency: int, name: str) -> subprocess.Popen:
    """A `celery worker --pool=threads` on every queue, on `database_url`, once it answers a ping."""
    command = [
        sys.executable, "-m", "celery", "-A", "dbsbm", "worker", "--pool=threads", f"--concurrency={concurrency}",
        "-Q", queue_names(), "-n", f"{name}@%h", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    worker = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "false", **env},
    )
    deadline = time.monotonic() + 60
    while not any(name in json.dumps(reply) for reply in celery_app.control.ping(timeout=0.5)):
        assert worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the worker did not answer a ping within 60 s"
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def wait_until(condition, *, timeout: float = 20, step: float = 0.05, what: str = "the condition") -> float:
    """Poll until `condition()` is true; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)
    return time.monotonic()
