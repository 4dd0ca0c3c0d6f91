"""Compliance models, one module per sub-domain; each helper's module is imported here."""

from apps.compliance.models.access_reviews import AccessReview, AccessReviewItem
from apps.compliance.models.alerts import AlertRule, ComplianceAlert
from apps.compliance.models.catalogue import Framework, Requirement, RequirementMapping
from apps.compliance.models.checks import CheckRun, CheckSetting, EvidenceItem
from apps.compliance.models.remediation import RemediationTask
from apps.compliance.models.reports import ReportDefinition, ReportFile, ReportRun
from apps.compliance.models.scores import ManualAttestation, ScoreSnapshot
from apps.compliance.models.workflows import WorkflowDefinition, WorkflowInstance, WorkflowStep

__all__ = [
    "AccessReview",
    "AccessReviewItem",
    "AlertRule",
    "CheckRun",
    "CheckSetting",
    "ComplianceAlert",
    "EvidenceItem",
    "Framework",
    "ManualAttestation",
    "RemediationTask",
    "ReportDefinition",
    "ReportFile",
    "ReportRun",
    "Requirement",
    "RequirementMapping",
    "ScoreSnapshot",
    "WorkflowDefinition",
    "WorkflowInstance",
    "WorkflowStep",
]
