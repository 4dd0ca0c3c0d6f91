"""A broker, Celery workers and a beat of our own for the incident tests that need real processes
(the pattern of tests/core/test_outbox.py: a redis-server on a free port, subprocesses on the test database)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection

from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """A redis-server without persistence; workers and a beat started and killed on demand."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.redis: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def _env(self) -> dict[str, str]:
        database = connection.settings_dict
        return {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
            "CELERY_BROKER_URL": self.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }

    def start_worker(self, *, pool: str = "solo", queues: str = "") -> subprocess.Popen:
        """A worker on `queues` (default: all of them, urgent first, as the Procfile's general worker), once it
        answers a ping; `pool=prefork` runs one child process."""
        queues = queues or ",".join(settings.CELERY_QUEUE_NAMES)
        command = [sys.executable, "-m", "celery", "-A", "dbsbm", "worker", f"--pool={pool}", "--concurrency=1"]
        worker = subprocess.Popen(
            [*command, "-Q", queues, "--loglevel=WARNING"],
            cwd=BASE_DIR,
            env=self._env(),
        )
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 60 s"
        return worker

    def kill_worker(self, worker: subprocess.Popen) -> None:
        """SIGKILL: what the worker held (an eta task) is lost with it, as in a crash."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    def start_beat(self) -> None:
        self.beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dbsbm", "beat", "--loglevel=WARNING", "--max-interval=1"],
            cwd=BASE_DIR,
            env=self._env(),
        )

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait(timeout=10)


def wait_until(condition, *, timeout: float = 60, step: float = 0.05) -> float:
    """Poll until `condition()` is true; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)
    return time.monotonic()
