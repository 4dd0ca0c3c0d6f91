"""The integration app's reads that other apps (the portal) may use: each area's selectors, re-exported here
(one import line per area; apps import only an app's public modules, tests/architecture)."""

from apps.integration.registry.selectors import check_history, registry_map  # noqa: F401
