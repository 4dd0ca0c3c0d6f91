"""The privacy app's admin, one module per part of the app.

Helpers adding admin pages to this app: put them in your own module of this package and import it
below (the import registers the ModelAdmins).
"""

from apps.privacy.admin import assessments, consent, findings, pseudonyms, requests, retention

__all__ = ["assessments", "consent", "findings", "pseudonyms", "requests", "retention"]
