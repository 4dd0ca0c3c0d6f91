from django.db import models

from apps.tenants.choices import TenantStatus


class TenantQuerySet(models.QuerySet):
    def live(self) -> "TenantQuerySet":
        """Tenants that exist for the platform: active or suspended, not offboarded."""
        return self.exclude(status=TenantStatus.OFFBOARDED)

    def active(self) -> "TenantQuerySet":
        return self.filter(status=TenantStatus.ACTIVE)
