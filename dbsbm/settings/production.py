"""Production settings: the full configuration, HTTPS only, refusing insecure defaults."""

from django.core.exceptions import ImproperlyConfigured

from dbsbm.settings.base import *  # noqa: F403
from dbsbm.settings.base import DATABASE_URL, REDIS_URL, SECRET_KEY
from dbsbm.settings.environment import env_bool, env_int, env_str

DEBUG = False

if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
if not env_str("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this portal answers.")
if not (DATABASE_URL and REDIS_URL):
    raise ImproperlyConfigured("Production needs DATABASE_URL (PostgreSQL) and REDIS_URL.")
# Encryption at rest (apps/keyring): never a generated development key in production.
if not (env_str("DBSBM_MASTER_KEY") or env_str("DBSBM_MASTER_KEY_FILE")):
    raise ImproperlyConfigured(
        "Production needs the encryption master key: set DBSBM_MASTER_KEY (url-safe base64 of 32 random bytes, "
        "from `python manage.py keyring_generate_master_key`) or DBSBM_MASTER_KEY_FILE (a file holding it)."
    )
if not env_str("DBSBM_RESTRICTED_PUBLIC_KEY_FILE"):
    raise ImproperlyConfigured(
        "Production needs DBSBM_RESTRICTED_PUBLIC_KEY_FILE: the RSA public key (PEM) that seals highly restricted "
        "fields. Give DBSBM_RESTRICTED_PRIVATE_KEY_FILE only to the processes that must read them."
    )
DBSBM_MASTER_KEY_CREATE_FOR_DEVELOPMENT = False
DBSBM_RESTRICTED_KEYPAIR_CREATE_FOR_DEVELOPMENT = False

# HTTPS everywhere; the proxy in front terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the cluster
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host and host != "*"]  # noqa: F405

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405 - filled by collectstatic at build time
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = False

# JSON logs, one object a line with the trace id (LOG_FORMAT=text to read them by eye)
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT)  # noqa: F405

# Head sampling: one trace in ten recorded in production unless set (recording every trace adds ~40 % to the
# bet list's p95, a tenth ~3 %: make bench-integration); a sampled-out request still has a trace id in its
# logs and traceparent header. Development and tests record every trace.
OTEL_TRACES_SAMPLER_RATIO = float(env_str("OTEL_TRACES_SAMPLER_RATIO", "0.1"))
