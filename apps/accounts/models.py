"""Staff users, Discord members of tenants, and API keys."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.key_policy import is_platform_only
from apps.core.discord import validate_discord_id
from apps.keyring.fields import BlindIndexField, EncryptedDateField, EncryptedTextField, HybridEncryptedTextField
from apps.keyring.querysets import BlindIndexedQuerySet
from apps.tenants.models import Tenant


class User(AbstractUser):
    """A staff user of the portal (admin and compliance portal). Members are not users."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class Member(models.Model):
    """A Discord user inside one tenant, with the personal details the tenant keeps about them.

    `username` is the public Discord handle and stays in clear; email, date of birth and notes are
    encrypted at rest (apps/keyring), email with a blind index for exact-match lookup. Notes are
    free text staff write about a person (the riskiest field: anything can end up there), so they are
    highly restricted: sealed with the restricted public key and readable only where the private
    key is configured. See apps/accounts/personal_data.py for the classification.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="members")
    # validated on input only: erasure replaces it with a marker that is deliberately not a Discord id
    discord_user_id = models.CharField(max_length=20, validators=[validate_discord_id])
    username = models.CharField(max_length=100)
    display_name = models.CharField(max_length=100, blank=True, default="")
    email = EncryptedTextField(blank=True, default="")
    email_index = BlindIndexField(source="email", purpose="accounts.member.email", normalizer="email")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2 code.")
    notes = HybridEncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BlindIndexedQuerySet.as_manager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "discord_user_id"], name="member_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.discord_user_id})"

    @property
    def audit_label(self) -> str:
        """The audit trail's name for a member: a pseudonym, never the Discord identity (apps/audit/services.py)."""
        return f"member {self.pk}"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, *, now=None) -> "ApiKeyQuerySet":
        """Not revoked and not expired (tenant status is checked separately)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiKey(models.Model):
    """A secret for integrations. Only its SHA-256 and a short public prefix are stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part, shown in lists and logs.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    tenant = models.ForeignKey(
        Tenant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="Empty for a platform-wide key.",
    )
    scopes = models.JSONField(default=list)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The key that minted this one through the API; revoking it revokes this one too.",
    )
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="apikey_tenant_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_platform_wide(self) -> bool:
        return self.tenant_id is None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, *, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def has_scope(self, scope: str) -> bool:
        """Does this key hold the scope? A tenant key never holds a platform-only scope, even when its row
        lists one (written before the minting rule of apps/accounts/key_policy.py existed)."""
        if self.tenant_id is not None and is_platform_only(scope):
            return False
        return scope in self.scopes
