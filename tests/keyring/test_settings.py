"""Production settings: no start without the master key; Redis over TLS (rediss://) is accepted by the
cache, the channel layer and Celery (checked in a fresh process; nothing connects)."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "dbsbm.settings.production",
    "DJANGO_SECRET_KEY": "x" * 64,
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.example.org:5432/portal",
    "DATABASE_SSLMODE": "verify-full",
    "REDIS_URL": "rediss://cache.example.org:6380/0",
    "DBSBM_MASTER_KEY": "ZGJzYm0tdGVzdC1tYXN0ZXIta2V5LW5vdC1zZWNyZXQ=",
    "DBSBM_RESTRICTED_PUBLIC_KEY_FILE": "/run/secrets/restricted_public.pem",
}

CHECK_TLS = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from channels_redis.utils import create_pool
from dbsbm.celery import app

pool = cache.client.get_client().connection_pool
channel_pool = create_pool(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0])
backend = app.backend  # Celery refuses a rediss:// URL without certificate settings here
print(pool.connection_class.__name__, pool.connection_kwargs["ssl_cert_reqs"])
print(channel_pool.connection_class.__name__, channel_pool.connection_kwargs["ssl_cert_reqs"])
database_tls = settings.DATABASES["default"]["OPTIONS"]["sslmode"]
print(type(backend).__name__, app.conf.broker_use_ssl["ssl_cert_reqs"].name, database_tls)
print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0)
"""


def _run(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DBSBM_", "DJANGO_", "REDIS_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_master_key():
    environment = {key: value for key, value in PRODUCTION.items() if key != "DBSBM_MASTER_KEY"}
    result = _run("import django; django.setup()", **environment)
    assert result.returncode == 1
    assert "ImproperlyConfigured: Production needs the encryption master key: set DBSBM_MASTER_KEY" in result.stderr


def test_production_accepts_redis_over_tls_everywhere():
    result = _run(CHECK_TLS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SSLConnection required",
        "SSLConnection required",
        "RedisBackend CERT_REQUIRED verify-full",
        "True True True",
    ]
