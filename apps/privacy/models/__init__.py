"""Models of the privacy app, one module per part of the app.

Helpers adding models to this app: put them in your own module of this package
(e.g. ``requests.py``, ``consent.py``, ``assessments.py``, ``retention.py``) and add its import below.
"""

from apps.privacy.models.alerts import PrivacyAlert
from apps.privacy.models.assessments import PrivacyImpactAssessment
from apps.privacy.models.consent import ConsentRecord, ConsentType
from apps.privacy.models.findings import PiiFinding
from apps.privacy.models.pseudonyms import Pseudonym
from apps.privacy.models.requests import DataExport, DataSubjectRequest, DataSubjectRequestEvent, DeletionCertificate
from apps.privacy.models.retention import LegalHold, RetentionPolicy, RetentionRun

__all__ = [
    "ConsentRecord",
    "ConsentType",
    "DataExport",
    "DataSubjectRequest",
    "DataSubjectRequestEvent",
    "DeletionCertificate",
    "LegalHold",
    "PiiFinding",
    "PrivacyAlert",
    "PrivacyImpactAssessment",
    "Pseudonym",
    "RetentionPolicy",
    "RetentionRun",
]
