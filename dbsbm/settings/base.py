"""Settings shared by every configuration.

The configuration is chosen by the environment only (see DESIGN.md):

* nothing set ("embedded"): SQLite, local-memory cache, in-memory channel layer, eager Celery;
* ``DATABASE_URL`` and ``REDIS_URL`` set ("full"): PostgreSQL through Django's native psycopg
  pool, Redis for the cache, the channel layer, the Celery broker and results.
"""

import ssl
from pathlib import Path

import dj_database_url
from kombu import Queue

from dbsbm.settings.environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("DBSBM_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "apps.accounts.admin_config.StaffAdminConfig",  # django.contrib.admin behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    "axes",
    "csp",  # django-csp: its system checks (the middleware is apps.core.csp)
    "corsheaders",  # per-tenant CORS origins (apps/integration/api/cors.py)
    "django_otp",
    "django_otp.plugins.otp_totp",
    # in dependency order (DESIGN.md): the audit trail sits right above core so that every app,
    # tenants and accounts included, records its changes in its own transaction.
    "apps.core",
    "apps.keyring",
    "apps.audit",
    "apps.tenants",
    "apps.accounts",
    "apps.notifications",
    "apps.betting",
    "apps.security",
    "apps.fraud",
    "apps.privacy",
    "apps.incidents",  # above security, fraud, privacy and compliance (links their rows); below the portal
    "apps.ml",  # model registry, predictive models, bet-text parser, OCR, experiments: above incidents
    "apps.analytics",  # metric layer, rollups, dashboards, forecasts, insights, BI reports: above incidents
    "apps.integration",  # webhooks, Discord interactions, feeds, registry, API management: beside analytics
    # dev-only demo data (manage.py seed_demo, no models): above every app it writes, imported by none
    "apps.demo",
    # the staff portal at /portal/ (no models), the top layer; listed before compliance because the
    # accounts app syncs the role groups on the post_migrate of the last app, which must be one with models
    "apps.portal",
    "apps.compliance",
]

MIDDLEWARE = [
    # outermost: times the whole stack and counts every answer, the 304s of the next one and the refusals of
    # the ones after it (address blocks, host checks) included; sync and async, so it adds no thread hop
    "apps.core.middleware.RequestMetricsMiddleware",
    # the traceparent response header, the trace id of log lines, latency by route and status (issue #15)
    "apps.core.observability.middleware.RequestObservabilityMiddleware",
    # answers 304s of versioned API reads before anything else runs (it adds what the others would)
    "apps.core.middleware.ConditionalGetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.csp.HtmlContentSecurityPolicyMiddleware",  # CONTENT_SECURITY_POLICY on every HTML page
    "apps.core.middleware.RequestIdMiddleware",
    # CORS (origins per tenant, apps/integration/api/cors.py) before anything that refuses or redirects; not
    # earlier: the middleware above is async-capable, and the origin check may read the tenant from the database,
    # which must happen on the request's thread, never on the event loop
    "corsheaders.middleware.CorsMiddleware",
    # read-your-writes with a read replica: a client that just wrote reads the primary (apps/core/replica.py)
    "apps.core.replica.ReplicaPinMiddleware",
    "apps.security.middleware.AddressBlockMiddleware",  # addresses blocked by incident response: 403 until then
    # memory first: its snapshot writes happen outside the query monitor's count
    "apps.core.middleware.MemoryMonitorMiddleware",
    "apps.core.middleware.QueryMonitorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the language of each answer (issue 17 §7): the language switch's cookie, else Accept-Language, else English
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the admin's and portal's second factor
    "apps.core.error_pages.ApplicationErrorPageMiddleware",  # staff pages: an ApplicationError is a page, not a 500
    "apps.security.middleware.SecurityContextMiddleware",  # the request behind model-signal events
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must come last (TOOLCHAIN.md).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dbsbm.urls"
WSGI_APPLICATION = "dbsbm.wsgi.application"
ASGI_APPLICATION = "dbsbm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.notifications.context_processors.inbox_badge",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Django's native psycopg 3 pool; CONN_MAX_AGE must stay 0 with it (TOOLCHAIN.md).
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    _sslmode = env_str("DATABASE_SSLMODE")
    if _sslmode:
        _database["OPTIONS"]["sslmode"] = _sslmode
    DATABASES = {"default": _database}
    # An optional read replica (README "Scaling out"): analytics, exports and API lists read from it where
    # safe (apps/core/replica.py); tests point it at the test database (TEST MIRROR), never a copy of their own.
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
    if DATABASE_REPLICA_URL:
        _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
        _replica["OPTIONS"] = {**_replica.get("OPTIONS", {}), "pool": dict(_database["OPTIONS"]["pool"])}
        if _sslmode:
            _replica["OPTIONS"]["sslmode"] = _sslmode
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES["replica"] = _replica
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "dbsbm.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Without a replica the router sends everything to "default" (it only routes to an alias that is configured).
DATABASE_REPLICA_ALIAS = "replica" if "replica" in DATABASES else None
DATABASE_ROUTERS = ["apps.core.replica.ReplicaRouter"]

# --- cache, channel layer, Celery -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "dbsbm"),
            "OPTIONS": {
                # short timeouts: the circuit breaker (apps/core/cache) opens instead of stalling requests
                "SOCKET_CONNECT_TIMEOUT": env_int("REDIS_SOCKET_CONNECT_TIMEOUT_MS", 250) / 1000,
                "SOCKET_TIMEOUT": env_int("REDIS_SOCKET_TIMEOUT_MS", 250) / 1000,
                "CONNECTION_POOL_KWARGS": {
                    "max_connections": env_int("REDIS_POOL_MAX_CONNECTIONS", 50),
                    "health_check_interval": 30,
                    "retry_on_timeout": False,  # the cache manager retries once, with jitter
                },
                # JSON, never pickle: nothing a client sent is ever unpickled
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "dbsbm:channels"},
        }
    }
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
    # rediss:// = Redis over TLS, the server certificate verified (against REDIS_TLS_CA_FILE if set)
    _redis_tls = {"ssl_cert_reqs": "required"} | (
        {"ssl_ca_certs": env_str("REDIS_TLS_CA_FILE")} if env_str("REDIS_TLS_CA_FILE") else {}
    )
    if REDIS_URL.startswith("rediss://"):
        CACHES["default"]["OPTIONS"]["CONNECTION_POOL_KWARGS"].update(_redis_tls)
        CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, **_redis_tls}]
    if CELERY_BROKER_URL.startswith("rediss://"):
        CELERY_BROKER_USE_SSL = {**_redis_tls, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    if CELERY_RESULT_BACKEND.startswith("rediss://"):
        CELERY_REDIS_BACKEND_USE_SSL = {**_redis_tls, "ssl_cert_reqs": ssl.CERT_REQUIRED}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # Embedded: no worker runs, tasks run in the calling process.
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks are fire-and-forget unless they say otherwise (ignore_result=False): no result-backend
# round trip, and no request waits on a result backend that is down.
CELERY_TASK_IGNORE_RESULT = True
# Tasks go through the transactional outbox (apps/core/outbox.py): a publish that fails leaves its row
# pending, so a publish is one quick attempt. No publish retries; `max_retries: 0` stops kombu from
# retrying the connection itself (it slept for the whole connection timeout, 2 s per task, against a
# stopped broker); a short connect timeout bounds an unreachable host. After a failure the outbox's
# breaker skips publishing for OUTBOX_BROKER_RETRY_SECONDS. A worker's own reconnection loop is not
# affected (broker_connection_max_retries).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT_MS", 500) / 1000,
    "max_retries": 0,
    # a worker takes from its queues in the order given (-Q urgent,celery: urgent first, always), not round robin
    "queue_order_strategy": "priority",
}
# Queues per domain (README, "Processes and queues"), in the order a worker that takes them all consumes
# them (-Q, strict priority): "urgent" is the priority lane (the few short tasks between a detection and a
# person being paged, and the relay and timers they depend on); then what a person waits for (grading,
# notifications), the checks on each placement (fraud), everything not routed elsewhere ("celery"), outbound
# integrations, the analytics upkeep, and the slow batch reports last. Each queue can be given workers (and
# machines) of its own; the Procfile's `worker` takes them all on one machine. The outbox publishes each row to
# its task's queue (apps/core/outbox.py, `route_name`). A worker started without -Q consumes them all.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_QUEUE_NAMES = (
    "urgent",
    "grading",
    "notifications",
    "fraud",
    "celery",
    "integration",
    "analytics",
    "reports",
    "ml",  # model training jobs and drift checks (apps/ml): long, batch, last
)
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUE_NAMES]
URGENT_TASKS = [
    "apps.incidents.tasks.incident_open_for_alert_task",
    "apps.incidents.tasks.incident_open_for_fraud_case_task",
    "apps.incidents.tasks.incident_open_for_check_run_task",
    "apps.incidents.tasks.escalation_start_task",
    "apps.incidents.tasks.escalation_advance_task",
    "apps.incidents.tasks.escalation_sweep_task",
    # an escalation level's page (notification_send(is_urgent=True)); retries of a failed one are ordinary
    "apps.notifications.tasks.notification_delivery_send_urgent_task",
    # the relay: rows whose first publish failed (urgent ones too) must not wait behind the ordinary backlog
    "apps.core.tasks.outbox_dispatch_task",
]
# Reports (compliance and BI): long, batch, and nobody is paged by them; by name, before the domain patterns.
REPORT_TASKS = [
    "apps.compliance.tasks.run_report",
    "apps.analytics.tasks.report_run_task",
]
# Routing by task name, first match wins: exact names (urgent, then reports) always come before the patterns
# (Celery's MapRoute), and the patterns are tried in this order. Anything unmatched goes to "celery".
CELERY_TASK_ROUTES = (
    [
        *((name, {"queue": "urgent"}) for name in URGENT_TASKS),
        *((name, {"queue": "reports"}) for name in REPORT_TASKS),
        ("apps.betting.tasks.*grade*", {"queue": "grading"}),
        ("apps.fraud.*", {"queue": "fraud"}),
        ("apps.notifications.*", {"queue": "notifications"}),
        ("apps.integration.*", {"queue": "integration"}),
        ("apps.analytics.*", {"queue": "analytics"}),
        ("apps.ml.*", {"queue": "ml"}),
    ],
)
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
# the outbox (apps/core/outbox.py): beat drains it every few seconds, after each commit a request
# publishes its own rows unless the broker breaker is open
OUTBOX_BROKER_RETRY_SECONDS = env_int("OUTBOX_BROKER_RETRY_SECONDS", 10)
OUTBOX_DISPATCH_BATCH = 200
OUTBOX_REDISPATCH_AFTER_SECONDS = 600  # dispatched, never run (a broker that lost it): publish again
OUTBOX_MAX_ATTEMPTS = 8  # failed runs before a message is given up (kept with its last error)
OUTBOX_KEEP_DAYS = 7  # completed messages are deleted after this

# --- auth and sessions --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Staff sessions: short, idle-expiring, not readable by scripts.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# django-axes: lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy of every HTML page (apps.core.csp, django-csp): scripts from this server only,
# never inline; inline styles allowed (plotly and the admin write style attributes, which run nothing).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# the one client address (DBSBM_TRUSTED_PROXIES): a lockout follows the address the audit trail records
AXES_CLIENT_IP_CALLABLE = "apps.core.actors.client_ip"

# --- i18n, static -------------------------------------------------------------------------------
# English by default; Spanish for the many Spanish-speaking guilds (issue 17 §7). The portal's language switch
# (/i18n/setlang/) stores the choice in a cookie; the API follows the client's Accept-Language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (report outputs, evidence); never served directly: views check access.
MEDIA_ROOT = Path(env_str("DBSBM_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders: no collectstatic step for `make run` or tests.
WHITENOISE_USE_FINDERS = True

# --- API ------------------------------------------------------------------------------------------
# Requests larger than this are refused with 413 before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.HasRequiredScope"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.deprecation.DeprecationAwareAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttling.ApiKeyRateThrottle",
        "apps.core.api.throttling.AnonymousRateThrottle",
    ],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "DBSBM Portal API",
    "DESCRIPTION": (
        "Integration API of the DBSBM portal. Authenticate with `Authorization: Bearer <api key>`. "
        "Tenant resources live under `/api/v1/tenants/{guild_id}/`. Every 4xx has the shape "
        '`{"code", "message", "fields"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.add_rate_limit_headers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LegResultEnum": "apps.betting.choices.LegResult",
        "SettleResultEnum": "apps.betting.choices.SETTLE_RESULT_CHOICES",
        "SettlementSourceEnum": "apps.betting.choices.SettlementSource",
        "AlertStatusEnum": "apps.security.choices.AlertStatus",
        "CaseStatusEnum": "apps.fraud.choices.CaseStatus",
        "DataSubjectRequestKindEnum": "apps.privacy.choices.RequestKind",
        "IncidentStatusEnum": "apps.incidents.choices.IncidentStatus",
        "IncidentKindEnum": "apps.incidents.choices.IncidentKind",
        "IncidentSeverityEnum": "apps.incidents.choices.IncidentSeverity",
        "IncidentTimelineKindEnum": "apps.incidents.choices.TimelineKind",
        "RegulatoryClockStatusEnum": "apps.incidents.choices.ClockStatus",
    },
}

# --- logging: LOGGING (text or JSON, with the trace id) is in components/observability.py ----------------

# --- DBSBM ----------------------------------------------------------------------------------------
# API keys touch `last_used_at` at most this often, so a busy key does not write on every request.
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60
# Audit events are sealed into the hash chain by this periodic job (seconds between runs).
AUDIT_SEAL_INTERVAL_SECONDS = env_int("AUDIT_SEAL_INTERVAL_SECONDS", 10)
# Signed checkpoints of the chain head, published outside the database (apps/audit/checkpoints.py) by the
# sealer once this many seals or seconds have passed since the last one, and by `audit_verify`.
AUDIT_CHECKPOINT_STORE = env_str("AUDIT_CHECKPOINT_STORE", "directory")  # "directory"; "s3" is not implemented
AUDIT_CHECKPOINT_DIR = env_str("AUDIT_CHECKPOINT_DIR", str(DATA_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_EVERY_SEALS = env_int("AUDIT_CHECKPOINT_EVERY_SEALS", 1000)
AUDIT_CHECKPOINT_EVERY_SECONDS = env_int("AUDIT_CHECKPOINT_EVERY_SECONDS", 300)
# The shape an S3-compatible store will take (a bucket with Object Lock); refused today (no S3 client).
AUDIT_CHECKPOINT_S3_BUCKET = env_str("AUDIT_CHECKPOINT_S3_BUCKET")
AUDIT_CHECKPOINT_S3_PREFIX = env_str("AUDIT_CHECKPOINT_S3_PREFIX", "audit-checkpoints/")
AUDIT_CHECKPOINT_S3_ENDPOINT_URL = env_str("AUDIT_CHECKPOINT_S3_ENDPOINT_URL")
AUDIT_CHECKPOINT_S3_REGION = env_str("AUDIT_CHECKPOINT_S3_REGION")

from dbsbm.settings.components.analytics_alerting import *  # noqa: E402, F403
from dbsbm.settings.components.analytics_forecasts import *  # noqa: E402, F403
from dbsbm.settings.components.analytics_rollups import *  # noqa: E402, F403
from dbsbm.settings.components.cache import *  # noqa: E402, F403
from dbsbm.settings.components.compliance import *  # noqa: E402, F403
from dbsbm.settings.components.compliance_automation import *  # noqa: E402, F403
from dbsbm.settings.components.core_demo import *  # noqa: E402, F403
from dbsbm.settings.components.deployment import *  # noqa: E402, F403
from dbsbm.settings.components.fraud import *  # noqa: E402, F403
from dbsbm.settings.components.incidents_evidence import *  # noqa: E402, F403
from dbsbm.settings.components.incidents_playbooks import *  # noqa: E402, F403
from dbsbm.settings.components.integration_api import *  # noqa: E402, F403
from dbsbm.settings.components.integration_discord import *  # noqa: E402, F403
from dbsbm.settings.components.integration_feeds import *  # noqa: E402, F403
from dbsbm.settings.components.integration_registry import *  # noqa: E402, F403
from dbsbm.settings.components.integration_upstreams import *  # noqa: E402, F403
from dbsbm.settings.components.integration_webhooks import *  # noqa: E402, F403
from dbsbm.settings.components.keyring import *  # noqa: E402, F403
from dbsbm.settings.components.ml_nlp import *  # noqa: E402, F403
from dbsbm.settings.components.ml_ocr import *  # noqa: E402, F403
from dbsbm.settings.components.ml_registry import *  # noqa: E402, F403
from dbsbm.settings.components.notifications import *  # noqa: E402, F403
from dbsbm.settings.components.observability import *  # noqa: E402, F403
from dbsbm.settings.components.performance import *  # noqa: E402, F403
from dbsbm.settings.components.portal import *  # noqa: E402, F403
from dbsbm.settings.components.privacy_requests import *  # noqa: E402, F403
from dbsbm.settings.components.retention import *  # noqa: E402, F403
from dbsbm.settings.components.security import *  # noqa: E402, F403
from dbsbm.settings.components.telemetry import *  # noqa: E402, F403
