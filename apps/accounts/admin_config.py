"""django.contrib.admin with the staff admin site of apps/accounts/admin_site.py as `admin.site`.

Listed in INSTALLED_APPS instead of "django.contrib.admin", so every `@admin.register` and every
`admin.site.admin_view(...)` (the custom pages in dbsbm/urls.py) goes through its second-factor check.
Kept apart from apps.py: this module is imported while the app registry loads, before any model.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.StaffAdminSite"
