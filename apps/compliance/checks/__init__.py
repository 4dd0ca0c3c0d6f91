"""Automated compliance checks: `registry` declares them, one module per area defines them."""

_loaded = False


def load_all() -> None:
    """Import every check module (registration happens at import)."""
    global _loaded
    if not _loaded:
        from apps.compliance.checks import access, data_protection, integrity, monitoring, platform  # noqa: F401

        _loaded = True
