"""Posting admin forms the way a browser would: from the form the page rendered."""

import re
from datetime import date, datetime, time

from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

ROWS = 30  # more rows than any query budget of the smoke tests: one query per row cannot hide

# a valid tenant add form
NEW_TENANT = {
    "guild_id": "777777777777777777",
    "name": "Admin Guild",
    "plan_code": "premium",
    "timezone": "Europe/London",
    "unit_min": "0.50",
    "unit_max": "25.00",
    "settings": '{"currency": "units"}',
}
SECRET_PATTERN = re.compile(r"dbsbm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def form_data(response, **changes) -> dict:
    """The POST data of the admin form a GET response rendered (its current values), with `changes`."""
    form = response.context["adminform"].form
    data = {}
    for bound_field in form:
        value = bound_field.value()
        widget = bound_field.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound_field.html_name}_{index}"] = _as_text(part)
        elif isinstance(bound_field.field, forms.BooleanField):
            if value:
                data[bound_field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound_field.html_name] = [_as_text(item) for item in value]
        else:
            data[bound_field.html_name] = _as_text(value)
    data.update(changes)
    return data


def action_data(action: str, *objects) -> dict:
    return {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects]}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
