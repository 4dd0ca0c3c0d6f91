"""The CORS origins a tenant allows (its settings' `cors_allowed_origins`): checked when the settings are saved,
read by the CORS check of its API paths (apps/integration/api/cors.py)."""

from urllib.parse import urlsplit

SETTING = "cors_allowed_origins"
MAX_ORIGINS = 20


def origin_problem(origin: object) -> str | None:
    """Why a value is not an origin (scheme://host[:port], http or https, nothing after); None when it is."""
    if not isinstance(origin, str) or not origin:
        return "an origin must be a non-empty string"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return f"{origin!r} is not a URL"
    if parts.scheme not in ("http", "https"):
        return f"{origin!r} must start with https:// (or http://)"
    if not parts.hostname or parts.username or parts.password:
        return f"{origin!r} must name a host, without user or password"
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        return f"{origin!r} must be scheme://host[:port] only: no path, not even a trailing slash"
    if origin != origin.lower():
        return f"{origin!r} must be lower case, as browsers send it"
    if port is not None and f":{port}" not in origin:
        return f"{origin!r} has a malformed port"
    return None


def cors_origins_problems(value: object) -> list[str]:
    """What is wrong with a `cors_allowed_origins` setting (empty when nothing)."""
    if not isinstance(value, list):
        return ["cors_allowed_origins must be a list of origins like https://bets.example.com"]
    if len(value) > MAX_ORIGINS:
        return [f"cors_allowed_origins may list at most {MAX_ORIGINS} origins"]
    return [problem for origin in value if (problem := origin_problem(origin)) is not None]


def cors_origins_of(settings: dict) -> list[str]:
    """The origins a tenant's settings allow (anything malformed that slipped in is ignored)."""
    value = settings.get(SETTING, [])
    return [origin for origin in value if origin_problem(origin) is None] if isinstance(value, list) else []
