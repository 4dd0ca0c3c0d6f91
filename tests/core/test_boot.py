"""The embedded configuration boots: `make run` on a fresh data directory serves the portal."""

import base64
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django_otp.oath import totp

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


def _form_post(opener, url: str, fields: dict, page: str | None = None) -> tuple[int, str, str]:
    """POST `fields` to `url` with the CSRF token of its form (`page`, or fetched now); (status, final URL,
    body) after redirects."""
    page = page if page is not None else opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310 - localhost only
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.url, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.url, error.read().decode()


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
        # migrate, seed_demo and seed_showcase (the demo story) run before the server starts
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log, deadline_seconds=600)
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
    _the_generated_login_enrols_and_gets_in(base_url, output)
    assert "Demo data: " in output


def _the_generated_login_enrols_and_gets_in(base_url: str, output: str) -> None:
    """The printed staff login, on its first visit: password, the enrolment page (QR code and key), a code
    computed from that key, and the admin index."""
    password = re.search(r"Staff login for /admin/: admin / (\S+)", output).group(1)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = f"{base_url}/admin/login/?next=/admin/"
    status, url, enrol = _form_post(opener, login, {"username": "admin", "password": password, "next": "/admin/"})
    assert (status, url) == (200, f"{base_url}/admin/login/enrol/")
    assert "<svg" in enrol and "otpauth://totp/" in enrol
    secret = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', enrol).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    # posted with the page just shown: loading the enrolment page again would make a new secret
    status, url, index = _form_post(opener, f"{base_url}/admin/login/enrol/", {"token": f"{totp(key):06d}"}, enrol)
    assert (status, url) == (200, f"{base_url}/admin/")
    assert "Site administration" in index
