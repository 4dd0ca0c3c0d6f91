"""A small workflow engine: definitions with ordered steps, their instances and step instances.

A definition's steps are data (`steps`: name, assignee role, hours until due), validated by the
service that saves it. Starting a workflow copies the steps into `WorkflowStep` rows, so changing a
definition never changes work already under way. Only the current step has a due time; completing
it starts the clock of the next. A step past its due time is escalated by beat (an alert and an
e-mail) and can still be completed. At most one workflow runs per definition and subject reference.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from apps.compliance.choices import StepStatus, WorkflowStatus


class WorkflowDefinition(models.Model):
    """A kind of work: a code, a name and ordered steps [{name, assignee_role, due_hours}]."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    steps = models.JSONField(default=list, help_text='[{"name", "assignee_role", "due_hours"}, ...] in order')
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkflowInstance(models.Model):
    """One run of a definition about one subject (a row, by content type and id, or a string reference)."""

    definition = models.ForeignKey(WorkflowDefinition, on_delete=models.PROTECT, related_name="instances")
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64, blank=True)
    subject_ref = models.CharField(max_length=200, help_text='e.g. "privacy.datasubjectrequest:12" or "2026-Q4".')
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=WorkflowStatus.choices, default=WorkflowStatus.IN_PROGRESS)
    started_by = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "subject_ref"], name="compliance_workflow_one_per_subject"),
            models.CheckConstraint(condition=Q(status__in=WorkflowStatus.values), name="compliance_workflow_status"),
        ]
        indexes = [models.Index(fields=["status", "-started_at"], name="compliance_workflow_status")]

    def __str__(self) -> str:
        return self.title


class WorkflowStep(models.Model):
    """One step of one workflow: who should do it, by when, and what came of it."""

    instance = models.ForeignKey(WorkflowInstance, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    assignee_role = models.CharField(max_length=32, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="workflow_steps"
    )
    due_hours = models.PositiveIntegerField(help_text="Hours from the step's start to its due time.")
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the step became current.")
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["instance", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "order"], name="compliance_step_order_unique"),
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="compliance_step_status"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="compliance_step_due")]

    def __str__(self) -> str:
        return f"{self.instance} / {self.order}. {self.name}"
