"""Automated compliance checks: `registry` declares them, one module per area defines them."""

_loaded = False


def load_all() -> None:
    """Import every check module (registration happens at import)."""
    global _loaded
    if not _loaded:
        # loaded on first use, not at import: each check module imports the registry and the app's models
        from apps.compliance.checks import (  # noqa: F401, PLC0415
            access,
            data_protection,
            integrity,
            monitoring,
            platform,
        )

        _loaded = True
