"""Services for staff users, whose rows Django's own user admin writes: the audit events of those changes.

Django's `UserAdmin` saves the user, its groups and permissions, and sets passwords itself; these
services record what changed, in the admin view's transaction (it runs in one), so the change and its
event commit together. Only privileges and whether a password is usable are recorded: never a password.
"""

from apps.accounts.models import User
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor

PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")


def staff_privileges(user: User) -> dict:
    """What a user may do: the flags, group names and permission codenames (empty for an unsaved user)."""
    snapshot = {name: getattr(user, name) for name in PRIVILEGE_FIELDS}
    snapshot["groups"] = sorted(user.groups.values_list("name", flat=True)) if user.pk else []
    snapshot["user_permissions"] = sorted(user.user_permissions.values_list("codename", flat=True)) if user.pk else []
    return snapshot


def staff_privileges_record(*, actor: Actor, user: User, before: dict, created: bool) -> None:
    """Record a new staff user, or a change of an existing user's privileges (nothing when none changed)."""
    changes = field_changes(before, staff_privileges(user))
    if changes or created:
        audit_record(
            actor=actor,
            action="accounts.staff_user_created" if created else "accounts.staff_privileges_changed",
            target=user,
            changes=changes,
        )


def staff_password_change_record(*, actor: Actor, user: User, had_usable_password: bool) -> None:
    """Record that a user's password was set or unset (whether it is usable, never the password)."""
    audit_record(
        actor=actor,
        action="accounts.staff_password_changed",
        target=user,
        changes=field_changes(
            {"has_usable_password": had_usable_password}, {"has_usable_password": user.has_usable_password()}
        ),
    )
