"""Auto-remediations of checks (each runs only when enabled for its check in CheckSetting)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor

REMEDIATION_ACTOR = Actor.system("compliance remediation")


@transaction.atomic
def staff_users_deactivate(*, user_ids: list[int], reason: str) -> list[int]:
    """Deactivate staff accounts (never superusers: locking out the last administrator is worse); audited."""
    users = list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk__in=user_ids, is_active=True, is_superuser=False)
        .order_by("pk")
    )
    for user in users:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=REMEDIATION_ACTOR,
            action="compliance.staff_user_deactivated",
            target=user,
            changes=field_changes({"is_active": True}, {"is_active": False}),
            reason=reason,
        )
    return [user.pk for user in users]
