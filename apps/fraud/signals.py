"""Signals of the fraud app, sent inside the change's transaction (apps/core/outbox.py): receivers must be
cheap, enqueue tasks (outbox rows) and defer anything else with on_commit."""

from django.dispatch import Signal

# A finding opened a new case (a re-detection updating the open case sends nothing). sender: FraudCase
# case_id: int, kind: str, score: float, guild_id: str
fraud_case_opened = Signal()
