"""Signals of the privacy app. Higher apps (compliance) listen; receivers must be cheap and never raise."""

from django.dispatch import Signal

# A data-subject request was received or changed (status, assignee, verification, output); sent after
# the change committed. sender: DataSubjectRequest
# request_id: int, guild_id: str, kind: str, status: str, change: str (the RequestEventAction),
# due_at: datetime, is_overdue: bool
data_subject_request_changed = Signal()
