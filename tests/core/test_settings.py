"""The two configurations are chosen by the environment only; production passes check --deploy."""

import os
import secrets
import subprocess
import sys

import pytest

from dbsbm.settings.base import BASE_DIR

# What the test process sets that a real deployment would not.
TEST_ONLY_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _run(args: list[str], env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in TEST_ONLY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def _run_python(code: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", code], env_overrides)


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], env_overrides)


PRINT_CONFIGURATION = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'], "
    "settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER, "
    "settings.DATABASES['default'].get('OPTIONS', {}).get('pool') is not None, "
    "settings.DATABASES['default'].get('CONN_MAX_AGE'))"
)


def test_nothing_set_means_the_embedded_configuration(tmp_path):
    result = _run_python(
        PRINT_CONFIGURATION, DJANGO_SETTINGS_MODULE="dbsbm.settings.local", DBSBM_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "channels.layers.InMemoryChannelLayer",
        "True",
        "False",
        "0",
    ]


def test_database_and_redis_urls_mean_the_full_configuration():
    result = _run_python(
        PRINT_CONFIGURATION,
        DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/dbsbm",
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "django_redis.cache.RedisCache",
        "channels_redis.core.RedisChannelLayer",
        "False",
        "True",  # Django's native psycopg pool
        "0",  # CONN_MAX_AGE must stay 0 with the pool
    ]


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "dbsbm.settings.production",
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/dbsbm",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    # encryption at rest (apps/keyring): production refuses to start without them (tests/keyring/test_settings.py)
    "DBSBM_MASTER_KEY": "ZGJzYm0tdGVzdC1tYXN0ZXIta2V5LW5vdC1zZWNyZXQ=",
    "DBSBM_RESTRICTED_PUBLIC_KEY_FILE": "/run/secrets/restricted_public.pem",
}


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must name the hosts"),
        ("DATABASE_URL", "Production needs DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_its_configuration(missing, message):
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    env.pop(missing)
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr
