"""Playbooks: per incident kind, ordered steps stored as data (loaded from YAML in the repo, versioned), and
each incident's runs of them.

A `StepRun` is the one record of one step on one incident (unique per incident and step): a retried or
resumed task finds it finished and does not act again. `undo` holds what is needed to reverse the action.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.incidents.choices import IncidentKind, StepAction, StepStatus


class Playbook(models.Model):
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    name = models.CharField(max_length=150)
    version = models.PositiveIntegerField()
    source_path = models.CharField(max_length=300, help_text="The YAML file it was loaded from.")
    source_sha256 = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True, help_text="The one version new incidents of the kind run.")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="playbook_kind_version_unique"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_active=True), name="playbook_one_active_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    action = models.CharField(max_length=32, choices=StepAction.choices)
    params = models.JSONField(default=dict, blank=True)
    owner_role = models.CharField(max_length=32, blank=True, help_text="Manual tasks: the role that owns them.")
    due_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Manual tasks: due this long after.")
    timeout_seconds = models.PositiveIntegerField(default=60)
    max_attempts = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["playbook", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "position"], name="playbook_step_position_unique"),
            models.UniqueConstraint(fields=["playbook", "slug"], name="playbook_step_slug_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.playbook} #{self.position} {self.slug}"


class StepRun(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="step_runs")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="runs")
    position = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    undo = models.JSONField(default=dict, blank=True, help_text="What reversing the action needs; empty: cannot.")
    error = models.CharField(max_length=500, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    owner_role = models.CharField(max_length=32, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Automated steps: when the step's turn came, or its retry is due."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["incident", "position"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step"], name="step_run_once_per_incident"),
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="step_run_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="step_run_status_due")]

    def __str__(self) -> str:
        return f"step {self.position} of INC-{self.incident_id} ({self.status})"
