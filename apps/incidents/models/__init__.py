from apps.incidents.models.clocks import ClockDefinition, RegulatoryClock
from apps.incidents.models.escalation import EscalationLevel, EscalationPolicy, IncidentNotification
from apps.incidents.models.evidence import CustodyEvent, Evidence
from apps.incidents.models.incidents import Incident, IncidentRule, TimelineEntry
from apps.incidents.models.playbooks import Playbook, PlaybookStep, StepRun
from apps.incidents.models.reviews import FollowUp, Review

__all__ = [
    "ClockDefinition",
    "CustodyEvent",
    "EscalationLevel",
    "EscalationPolicy",
    "Evidence",
    "FollowUp",
    "Incident",
    "IncidentNotification",
    "IncidentRule",
    "Playbook",
    "PlaybookStep",
    "RegulatoryClock",
    "Review",
    "StepRun",
    "TimelineEntry",
]
