from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """One delivery layer for every alert source: e-mail, signed webhooks, Discord webhooks, the portal inbox.

    An app that has something to tell people calls `notification_send` (services) with an event kind,
    a key that names the event once, a context for the kind's templates and the recipients; this app
    resolves people and preferences, records each delivery and sends it from a Celery task.
    """

    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from apps.notifications import (  # noqa: F401 - receivers; workers register the tasks
            receivers,
            tasks,
        )
