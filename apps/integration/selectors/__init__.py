"""Reads of the integration app that other apps (the portal) may use (apps import only an app's public
modules, tests/architecture): an area's reads live in a module here (usage.py) or are re-exported below."""

from apps.integration.registry.selectors import check_history, registry_map  # noqa: F401
