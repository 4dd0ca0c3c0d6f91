"""Who holds a staff role (access reviews, the portal's lists of officers).

Role groups are named after the role's label (apps/accounts/roles.py ROLE_GROUP_NAMES, kept in step
by tests/admin/test_roles.py), so this reads roles without importing the accounts app's role module.
"""

from django.db.models import QuerySet

from apps.accounts.choices import StaffRole
from apps.accounts.selectors import staff_role_members


def role_members(role: str) -> QuerySet:
    """Active staff users holding `role` (superusers for "superuser"); empty for an unknown role."""
    return staff_role_members(role=role)


def user_holds_role(user, role: str) -> bool:
    """The user holds the role; a superuser holds every role."""
    if user is None or not user.is_active or not user.is_staff:
        return False
    if user.is_superuser or not role:
        return True
    if role == StaffRole.SUPERUSER or role not in StaffRole.values:
        return False
    return user.groups.filter(name=StaffRole(role).label).exists()
