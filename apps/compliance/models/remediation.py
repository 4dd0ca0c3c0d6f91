"""Remediation tasks: the work that fixes what a check or an assessment found, assigned to a person.

A task names what it is about by keys, not foreign keys, where the subject is re-synced from files (a
requirement, "framework:ref"): a catalogue sync must not block on, or delete, the work done about it. The
check run that prompted it is a foreign key (runs are never deleted while anything refers to them).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.compliance.choices import RemediationStatus
from apps.compliance.models.checks import CheckRun


class RemediationTask(models.Model):
    """One piece of remediation work: what, about which requirement or check, who does it, and its outcome."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    requirement_key = models.CharField(max_length=140, blank=True, help_text='The requirement, as "framework:ref".')
    check_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="remediation_tasks"
    )
    status = models.CharField(max_length=8, choices=RemediationStatus.choices, default=RemediationStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="remediation_tasks",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RemediationStatus.values), name="compliance_remediation_status"
            ),
            models.CheckConstraint(
                condition=~Q(status=RemediationStatus.DONE) | Q(completed_at__isnull=False),
                name="compliance_remediation_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "assignee"], name="compliance_remediation_work")]

    def __str__(self) -> str:
        return self.title

    @property
    def requirement_framework_id(self) -> str:
        return self.requirement_key.partition(":")[0]

    @property
    def requirement_ref(self) -> str:
        return self.requirement_key.partition(":")[2]
