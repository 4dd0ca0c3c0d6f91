from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal shell: its pages in the navigation registry (apps/core/portal.py), its live updates."""

    name = "apps.compliance.portal"
    label = "portal"
    verbose_name = "Staff portal"

    def ready(self) -> None:
        from apps.compliance.portal import navigation, receivers

        navigation.register()
        receivers.connect()
