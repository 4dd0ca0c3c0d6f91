"""The embedded configuration boots: `make run` on a fresh data directory serves the portal."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dbsbm.settings.base import BASE_DIR

pytestmark = pytest.mark.boot

EMBEDDED_ENV_DROPPED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_for(url: str, process: subprocess.Popen, log: Path, deadline_seconds: float = 180) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer 200 in time:\n{log.read_text()[-3000:]}")


@pytest.fixture
def embedded_portal(tmp_path):
    """`make run` with nothing configured (SQLite, local memory), on a free port; yields its base URL."""
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if name not in EMBEDDED_ENV_DROPPED}
    env["DBSBM_DATA_DIR"] = str(tmp_path / "data")
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, uvicorn and children stop together
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        yield f"http://127.0.0.1:{port}", log, tmp_path / "data"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_make_run_serves_the_portal_on_the_embedded_configuration(embedded_portal):
    base_url, log, data_dir = embedded_portal

    assert _get(f"{base_url}/healthz") == (200, b'{"status": "ok"}')
    status, body = _get(f"{base_url}/readyz")
    assert status == 200, body
    assert _get(f"{base_url}/admin/login/")[0] == 200
    status, docs = _get(f"{base_url}/api/docs/")
    assert status == 200
    assert b"/static/drf_spectacular_sidecar/" in docs  # Swagger UI from our own static files, no CDN
    assert _get(f"{base_url}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")[0] == 200
    assert _get(f"{base_url}/api/schema/")[0] == 200
    assert (data_dir / "dbsbm.sqlite3").exists()  # SQLite, in the data directory it was given
    output = log.read_text()
    assert "Staff login for /admin/: admin / " in output
    assert "Demo data: " in output
