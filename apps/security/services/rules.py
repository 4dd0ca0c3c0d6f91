"""Detection rules: every save validates the definition, bumps the version and keeps the old one."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.security.detection.definitions import definition_validate
from apps.security.models import DetectionRule, DetectionRuleVersion

VERSIONED_FIELDS = (
    "name",
    "description",
    "kind",
    "severity",
    "is_enabled",
    "window_seconds",
    "suppression_seconds",
    "definition",
    "compliance_requirements",
)


def rule_snapshot(rule: DetectionRule) -> dict:
    return {name: getattr(rule, name) for name in VERSIONED_FIELDS}


@transaction.atomic
def detection_rule_save(*, rule: DetectionRule, actor: Actor, reason: str = "") -> DetectionRule:
    """Create a rule, or change one: a change is a new version (the previous one stays in history).
    Saving without a change does nothing. Alerts keep naming the version that raised them."""
    definition_validate(kind=rule.kind, definition=rule.definition)
    if not isinstance(rule.compliance_requirements, list) or not all(
        isinstance(item, str) for item in rule.compliance_requirements
    ):
        raise ApplicationError(
            _("Compliance requirements must be a list of ids such as 'pci_dss:10.2.4'."),
            fields={"compliance_requirements": [_("A list of strings.")]},
        )
    before = {}
    if rule.pk:
        stored = DetectionRule.objects.select_for_update().get(pk=rule.pk)
        before = rule_snapshot(stored)
        if before == rule_snapshot(rule):
            return stored
        rule.version = stored.version + 1
    else:
        rule.version = 1
    rule.updated_by = actor.label[:150]
    rule.save()
    DetectionRuleVersion.objects.create(
        rule=rule, version=rule.version, snapshot=rule_snapshot(rule), created_by=actor.label[:150], reason=reason
    )
    audit_record(
        actor=actor,
        action="security.detection_rule_changed" if before else "security.detection_rule_created",
        target=rule,
        changes={**field_changes(before, rule_snapshot(rule)), "version": {"after": rule.version}},
        reason=reason,
    )
    return rule
