"""Signals of the privacy app, sent inside the change's transaction (apps/core/outbox.py). Higher apps
(compliance) listen; receivers must be cheap, enqueue tasks (outbox rows) and defer the rest with on_commit."""

from django.dispatch import Signal

# A data-subject request was received or changed (status, assignee, verification, output); sent in
# the change's transaction. sender: DataSubjectRequest
# request_id: int, guild_id: str, kind: str, status: str, change: str (the RequestEventAction),
# due_at: datetime, is_overdue: bool
data_subject_request_changed = Signal()
