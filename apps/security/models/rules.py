"""Detection rules as data: editable in the admin, every edit kept as a numbered version."""

from django.db import models
from django.db.models import Q

from apps.security.choices import RuleKind, Severity


class DetectionRule(models.Model):
    """A declarative rule; `definition` holds its kind's parameters (see apps/security/detection).

    threshold: {"event_types": [...], "match": {field: value or [values]}, "group_by": field,
                "threshold": N, "distinct": field (optional), "outside_hours": {"start": 7, "end": 20}}
    sequence:  {"group_by": field, "steps": [{"event_types": [...], "match": {...}, "min_count": N}, ...]}
    baseline:  {} (the margins are settings: SECURITY_BASELINE_MARGINS)
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    is_enabled = models.BooleanField(default=True)
    window_seconds = models.PositiveIntegerField(default=300, help_text="How far back the rule looks.")
    suppression_seconds = models.PositiveIntegerField(
        default=3600, help_text="A repeat within this long after the alert's last sighting updates that alert."
    )
    definition = models.JSONField(default=dict, blank=True)
    compliance_requirements = models.JSONField(
        default=list, blank=True, help_text='Requirement ids, e.g. ["pci_dss:10.2.4", "soc2:CC7.2"].'
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True, editable=False)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(window_seconds__gt=0), name="detection_rule_window_positive"),
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="detection_rule_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class DetectionRuleVersion(models.Model):
    """What a rule said in one version; alerts name the version that raised them."""

    rule = models.ForeignKey(DetectionRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="kind, severity, enabled, windows, definition, compliance ids")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rule", "-version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="detection_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule.slug} v{self.version}"
