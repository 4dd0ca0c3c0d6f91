"""Settings of integration_api (issue #15): API usage, GraphQL limits."""

from dbsbm.settings.environment import env_int

# Beat folds the per-key request counters of Redis into daily ApiUsageDay rows this often (seconds) ...
USAGE_FOLD_SECONDS = env_int("USAGE_FOLD_SECONDS", 300)
# ... today and this many days before (a process may flush yesterday's last counts after midnight); the
# Redis hashes of older days are deleted.
USAGE_FOLD_DAYS = env_int("USAGE_FOLD_DAYS", 1)
# The longest range (days) one GET .../usage/ may ask for.
USAGE_MAX_RANGE_DAYS = env_int("USAGE_MAX_RANGE_DAYS", 92)

# GraphQL (apps/integration/graphql): the deepest selection, the most aliases and tokens a query may have,
# its estimated cost (rows it may return: nested list sizes multiplied), and the largest page of a list.
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 6)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 5000)
GRAPHQL_MAX_PAGE_SIZE = env_int("GRAPHQL_MAX_PAGE_SIZE", 100)
GRAPHQL_DEFAULT_PAGE_SIZE = env_int("GRAPHQL_DEFAULT_PAGE_SIZE", 20)
GRAPHQL_MAX_OFFSET = env_int("GRAPHQL_MAX_OFFSET", 10_000)

# CORS (django-cors-headers): no origin is allowed globally; a tenant lists its own in its settings
# (`cors_allowed_origins`), allowed only on its own API paths by apps/integration/api/cors.py.
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = r"^/api/v1/(tenants/[0-9]+/|graphql/)"
CORS_ALLOW_CREDENTIALS = False  # API keys travel in Authorization, never in cookies
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "if-match", "if-none-match", "idempotency-key")
CORS_EXPOSE_HEADERS = (
    "etag", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "x-request-id",
    "deprecation", "sunset", "link",
)  # fmt: skip
CORS_PREFLIGHT_MAX_AGE = 600
