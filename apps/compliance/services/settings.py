"""Per-check settings: enabling, frequency, auto-remediation (audited: remediation changes other apps' data)."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.compliance.checks.registry import checks_for
from apps.compliance.models import CheckSetting
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

FIELDS = ["is_enabled", "auto_remediation_enabled", "frequency_minutes"]


@transaction.atomic
def check_setting_save(*, setting: CheckSetting, actor: Actor) -> CheckSetting:
    """Store a check's settings; remediation can only be enabled for a check that has one."""
    [check] = checks_for(check_id=setting.check_id) or [None]
    if check is not None and setting.auto_remediation_enabled and check.remediation is None:
        raise ApplicationError(
            _("Check %(check_id)s has no auto-remediation to enable.") % {"check_id": setting.check_id},
            fields={"auto_remediation_enabled": [_("This check offers no remediation.")]},
        )
    before = {}
    if setting.pk:
        before = CheckSetting.objects.filter(pk=setting.pk).values(*FIELDS).first() or {}
    setting.save()
    audit_record(
        actor=actor,
        action="compliance.check_setting_changed",
        target=setting,
        changes=field_changes(before, {name: getattr(setting, name) for name in FIELDS}),
    )
    return setting
