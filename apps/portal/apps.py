from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    """The portal shell: every app's portal.py (pages, widgets, permissions in apps/core/portal.py), its own
    dashboard page, its live updates."""

    name = "apps.portal"
    label = "portal"
    verbose_name = "Staff portal"

    def ready(self) -> None:
        from apps.portal import analytics_live, incidents_live, navigation, receivers

        autodiscover_modules("portal")
        navigation.register()
        receivers.connect()
        incidents_live.connect()
        analytics_live.connect()
