"""Browser tests: Debian's chromium driven by Playwright against a real ASGI server (uvicorn) that
serves the pytest test database, so websockets and the Redis channel layer are the production ones.

Run in their own pytest process (`pytest -m e2e`, TOOLCHAIN.md). One browser for the session
(pytest-playwright's `browser` fixture); never `playwright install`.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps as installed_apps
from django.conf import settings
from django.db import connection
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO = Path(settings.BASE_DIR)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}, "accept_downloads": True}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(name: str) -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """uvicorn serving dbsbm.asgi against the test database (and this run's Redis); its base URL."""

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict["NAME"]),
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
        "DATABASE_POOL_MIN_SIZE": "1",
        "DATABASE_POOL_MAX_SIZE": "4",
    }
    log = tmp_path_factory.mktemp("asgi") / "uvicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [sys.executable, "-m", "uvicorn", "dbsbm.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310 - local server
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"uvicorn did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.25)
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser test saves its screenshots of the main pages: docs/screenshots/ (shown in the
    README, refreshed by every `make test`), or DBSBM_SCREENSHOT_DIR to leave the checkout untouched."""
    directory = Path(os.environ.get("DBSBM_SCREENSHOT_DIR") or REPO / "docs" / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(autouse=True)
def _shipped_rows(request):
    """Each browser test starts with the rows the data migrations ship (the default detection rules, incident
    rules, regulatory clocks): an earlier browser test's flush (transaction=True) removed them, and post_migrate
    restores only what its receivers seed. The migrations' `create_*` functions are idempotent."""
    if "django_db_setup" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        for operation in loader.disk_migrations[key].operations:
            if isinstance(operation, RunPython) and operation.code.__name__.startswith("create_"):
                operation.code(installed_apps, None)
