"""`{{ step.assignee_role|role_label }}`: a stored role slug shown as words ("Compliance officer")."""

from django import template

from apps.accounts.choices import staff_role_label

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    return staff_role_label(value or "")
