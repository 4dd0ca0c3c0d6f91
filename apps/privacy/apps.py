from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Classification, anonymization, pseudonyms, retention, consent, data-subject requests, PIAs."""

    name = "apps.privacy"
    label = "privacy"
    verbose_name = "Data protection and privacy"
