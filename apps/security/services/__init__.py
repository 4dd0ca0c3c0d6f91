"""Every state change of the security app."""

from apps.security.services.alerts import alert_assignee_by_username, alert_raise, alert_triage
from apps.security.services.blocks import address_block, address_blocks_refresh, address_unblock
from apps.security.services.events import personal_data_accessed, security_event_record
from apps.security.services.rules import detection_rule_save

__all__ = [
    "address_block",
    "address_blocks_refresh",
    "address_unblock",
    "alert_assignee_by_username",
    "alert_raise",
    "alert_triage",
    "detection_rule_save",
    "personal_data_accessed",
    "security_event_record",
]
