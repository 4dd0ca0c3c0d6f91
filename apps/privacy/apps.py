from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Classification, anonymization, pseudonyms, retention, consent, data-subject requests, PIAs."""

    name = "apps.privacy"
    label = "privacy"
    verbose_name = "Data protection and privacy"

    def ready(self) -> None:
        from apps.privacy import receivers  # noqa: F401 - default consent types after migrate
