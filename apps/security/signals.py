"""Signals of the security app, sent inside the change's transaction (apps/core/outbox.py): receivers must be
cheap, enqueue tasks (outbox rows) and defer anything else with on_commit."""

from django.dispatch import Signal

# A new alert was raised (not a repeat folded into an open one). sender: Alert
# alert_id: int, rule_slug: str, severity: str, group_key: str, guild_id: str
alert_raised = Signal()
