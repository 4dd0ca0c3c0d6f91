"""Template filters of the betting app: `{% load betting_odds %}` then `{{ bet.american_odds|american }}`."""

from django import template

from apps.betting.odds import format_american

register = template.Library()


@register.filter
def american(odds) -> str:
    """American odds with their sign (+1387, -110), "–" when there are none."""
    return format_american(odds)
