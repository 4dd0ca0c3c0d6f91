"""The security app's models, split by aggregate."""

from apps.security.models.alerts import Alert, AlertActivity
from apps.security.models.baselines import Baseline
from apps.security.models.blocks import BlockedAddress
from apps.security.models.events import SecurityEvent
from apps.security.models.rules import DetectionRule, DetectionRuleVersion

__all__ = [
    "Alert",
    "AlertActivity",
    "Baseline",
    "BlockedAddress",
    "DetectionRule",
    "DetectionRuleVersion",
    "SecurityEvent",
]
