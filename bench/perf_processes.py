"""The processes `make bench` starts and watches: its own redis-server, the uvicorn web servers, and
what /proc says about them and the machine."""

import json
import os
import platform as host_platform
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.perf_config import BASE_DIR, REDIS_SERVER, WORK, WORKERS, WRK


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---- processes we own --------------------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server without persistence; kill() and start() again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(WORK), "--logfile", str(WORK / "redis.log")],
        )  # fmt: skip
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

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"pid": {"format": "%(process)d"}, "plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {
        "access": {"class": "logging.FileHandler", "formatter": "pid", "filename": "PLACEHOLDER"},
        "error": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["error"], "level": "WARNING", "propagate": False},
    },
}


class WebServer:
    """`uvicorn dbsbm.asgi:application --workers N` (the Procfile's web process) on a free port.

    The access log holds one line per request with the worker's pid, so requests per worker are known.
    """

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.port = _free_port()
        self.application_name = f"dbsbm-bench-{name}-{self.port}"
        env = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name={self.application_name}"}
        self.access_log = WORK / f"access-{name}-{self.port}.log"
        log_config = WORK / f"log-{name}-{self.port}.json"
        config = json.loads(json.dumps(LOG_CONFIG))
        config["handlers"]["access"]["filename"] = str(self.access_log)
        log_config.write_text(json.dumps(config))
        self.stderr = open(WORK / f"server-{name}-{self.port}.err", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BASE_DIR / ".venv/bin/uvicorn"), "dbsbm.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(WORKERS), "--log-config", str(log_config)],
            cwd=BASE_DIR, env=env, stdout=self.stderr, stderr=self.stderr,
        )  # fmt: skip
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn ({self.name}) exited; see {self.stderr.name}")
            if len(self.workers()) == WORKERS:
                try:
                    with urllib.request.urlopen(f"{self.base}/healthz", timeout=5):  # noqa: S310
                        return
                except OSError:
                    pass
            time.sleep(0.3)
        raise RuntimeError(f"uvicorn ({self.name}) did not start")

    def workers(self) -> list[int]:
        """The worker processes (children of the supervisor running the app, not multiprocessing's helpers)."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        workers = []
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline and b"semaphore_tracker" not in cmdline:
                workers.append(pid)
        return sorted(workers)

    def cpu_seconds(self) -> float:
        """utime + stime of the workers, in seconds."""
        return sum(_process_cpu(pid) for pid in self.workers())

    def database_cpu(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving this server (found by its application_name)."""
        import psycopg

        from bench.ledger import SERVER_URL

        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
            pids = [row[0] for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.application_name]
            )]  # fmt: skip
        return {pid: _process_cpu(pid) for pid in pids}

    def requests_per_worker(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        with open(self.access_log, "rb") as log:
            for line in log:
                pid = int(line)
                counts[pid] = counts.get(pid, 0) + 1
        return counts

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def _process_cpu(pid: int) -> float:
    """utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), host_platform.processor())
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": memory_kb / 1024 / 1024,
        "python": host_platform.python_version(),
        "redis": subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True).stdout.split()[2],
        "wrk": subprocess.run([WRK, "--version"], capture_output=True, text=True).stdout.split("[")[0].strip() or "wrk",
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ensure_wrk() -> None:
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install -y wrk)")


def server_env(redis_url: str, *, cache_enabled: bool) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
        DJANGO_DEBUG="false",
        DBSBM_CACHE_ENABLED="true" if cache_enabled else "false",
        RATELIMIT_ENABLED="true",
        RATELIMIT_PLATFORM_KEY_PER_MINUTE="1000000000",
        WEB_CONCURRENCY=str(WORKERS),
        PYTHONUNBUFFERED="1",
    )
    return env
