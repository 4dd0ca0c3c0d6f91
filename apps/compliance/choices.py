"""Enumerations of the compliance app: check severities and statuses, requirement statuses, sources."""

from django.db import models


class FrameworkSource(models.TextChoices):
    CATALOGUE = "catalogue", "Shipped catalogue (apps/compliance/catalogues)"
    OSCAL = "oscal", "Imported OSCAL catalog"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# a failing check of these severities makes `compliance_run` exit 1
BLOCKING_SEVERITIES = frozenset({Severity.HIGH, Severity.CRITICAL})


class CheckStatus(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RequirementStatus(models.TextChoices):
    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
    ERROR = "error", "Check error"
    ATTESTED = "attested", "Attested (manual)"
    MANUAL = "manual", "Manual (no automated evidence)"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class EvidenceKind(models.TextChoices):
    KEY_ROTATION = "key_rotation", "Encryption key rotation"
    DETECTOR_RUN = "detector_run", "Security or fraud detector run"
    OTHER = "other", "Other"


class MappingRelation(models.TextChoices):
    EQUIVALENT = "equivalent", "Equivalent"
    RELATED = "related", "Related"
