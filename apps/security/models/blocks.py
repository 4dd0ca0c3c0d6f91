"""Addresses blocked by incident response: refused at the door (apps.core.address_blocks) until a set time."""

from django.db import models
from django.db.models import Q


class BlockedAddress(models.Model):
    """One address or network refused until `blocked_until`, unless lifted earlier (`lifted_at`).

    The address is kept in the clear, unlike a security event's: every request is matched against the
    list by network containment, and a block lives hours, not years.
    """

    network = models.CharField(max_length=64, help_text="An address or network, e.g. 203.0.113.7/32.")
    blocked_until = models.DateTimeField()
    reason = models.CharField(max_length=200)
    created_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "blocked addresses"
        indexes = [
            models.Index(fields=["blocked_until"], name="blocked_address_live", condition=Q(lifted_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.network} until {self.blocked_until:%Y-%m-%d %H:%M}"
