"""Reads of remediation tasks for the portal's task list (filters: mine, open, done, all)."""

from django.db.models import QuerySet

from apps.compliance.choices import RemediationStatus
from apps.compliance.models import RemediationTask

REMEDIATION_VIEWS = ("open", "mine", "done", "all")


def remediation_task_list(*, view: str, user) -> QuerySet[RemediationTask]:
    """Tasks for one view: open ones (oldest due first), mine (open and assigned to `user`), done (newest
    first) or all."""
    tasks = RemediationTask.objects.select_related("assignee", "completed_by", "check_run")
    if view == "mine":
        tasks = tasks.filter(status=RemediationStatus.OPEN, assignee=user)
    elif view == "done":
        return tasks.filter(status=RemediationStatus.DONE).order_by("-completed_at", "-id")
    elif view != "all":
        tasks = tasks.filter(status=RemediationStatus.OPEN)
    return tasks.order_by("-status", "due_on", "-created_at", "-id")  # open before done


def remediation_task_counts(*, user) -> dict[str, int]:
    """How many tasks each view holds (the filter links show them)."""
    open_tasks = RemediationTask.objects.filter(status=RemediationStatus.OPEN)
    return {
        "open": open_tasks.count(),
        "mine": open_tasks.filter(assignee=user).count(),
        "done": RemediationTask.objects.filter(status=RemediationStatus.DONE).count(),
    }
