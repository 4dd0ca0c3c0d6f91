from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.accounts import (
    admin_devices,  # noqa: F401 - registers the TOTP device admin
    key_policy,
    services,
)
from apps.accounts.choices import ApiScope
from apps.accounts.models import ApiKey, Member, User
from apps.accounts.signals import personal_data_viewed
from apps.accounts.staff import staff_password_change_record, staff_privileges, staff_privileges_record
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin
from apps.core.errors import ApplicationError
from apps.keyring.fields import is_sealed
from apps.tenants.models import Tenant


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    """Django's user admin in unfold's theme (its forms), plus an audit event for every change of privileges."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm

    list_display = ["username", "email", "is_staff", "is_superuser", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]

    def save_model(self, request, obj, form, change):
        request._privileges_before = staff_privileges(User.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # the admin's change view runs in one transaction: the event commits with the change
        staff_privileges_record(
            actor=actor_for_request(request), user=form.instance, before=request._privileges_before, created=not change
        )

    def user_change_password(self, request, id, form_url=""):
        """Django's password page, plus an audit event (never the password) when a password is set or unset."""
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).first()
            response = super().user_change_password(request, id, form_url)
            # a saved change redirects to the user's page; a refused one re-renders or redirects back here
            saved = request.method == "POST" and response.status_code == 302
            if saved and response["Location"] != request.get_full_path():
                staff_password_change_record(
                    actor=actor_for_request(request),
                    user=User.objects.get(pk=before.pk),
                    had_usable_password=before.has_usable_password(),
                )
        return response


def _live_tenants():
    # keys and members are only ever added to a tenant that still exists for the platform
    return Tenant.objects.live()


@admin.register(Member)
class MemberAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ["username", "display_name", "discord_user_id", "tenant", "country", "created_at"]
    list_filter = ["tenant__status", "created_at"]
    search_fields = ["username", "=discord_user_id", "tenant__name", "=tenant__guild_id"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if not obj:
            return self.readonly_fields
        # a sealed note (this process lacks the restricted private key) must not be saved back as its marker
        sealed = ["notes"] if is_sealed(obj.notes) else []
        return [*self.readonly_fields, "tenant", "discord_user_id", *sealed]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = _live_tenants()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        member = getattr(response, "context_data", {}).get("original") if request.method == "GET" else None
        if member is not None and response.status_code == 200:
            # a member's page shows a Discord identity: staff access to personal data is a security event
            personal_data_viewed.send(
                sender=Member,
                actor=actor_for_request(request),
                subject_type="accounts.member",
                subject_id=str(member.pk),
                guild_id=member.tenant.guild_id,
                fields=["username", "discord_user_id", "display_name", "email", "date_of_birth", "country", "notes"],
            )
        return response

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        profile = {
            name: form.cleaned_data[name] for name in services.MEMBER_PROFILE_FIELDS if name in form.cleaned_data
        }
        if change and set(form.changed_data) <= {"username"}:
            services.member_rename(member=obj, actor=actor, username=form.cleaned_data["username"])
        elif change:
            services.member_update(member=obj, actor=actor, **profile)
        else:
            saved = services.member_create(
                actor=actor, tenant=obj.tenant, discord_user_id=obj.discord_user_id, **profile
            )
            obj.pk = saved.pk


class ApiKeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", "Usable"), ("revoked", "Revoked"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.usable(now=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True).filter(Q(expires_at__lte=now))
        return queryset


class ApiKeyAdminForm(forms.ModelForm):
    """Offers only the scopes the staff user's permissions cover and checks the grant against the one
    minting rule (apps/accounts/key_policy.py) before saving, so a refusal shows on the field."""

    scopes = forms.MultipleChoiceField(choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)
    granting_user: User | None = None  # set per request by ApiKeyAdmin.get_form

    class Meta:
        model = ApiKey
        fields = ["name", "tenant", "scopes", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.granting_user is not None and "scopes" in self.fields:
            grantable = set(key_policy.scopes_user_may_grant(self.granting_user))
            self.fields["scopes"].choices = [(value, label) for value, label in ApiScope.choices if value in grantable]
            if not self.granting_user.is_superuser:
                self.fields["tenant"].help_text = "Only a superuser can create a platform key (no tenant)."

    def clean_tenant(self):
        tenant = self.cleaned_data.get("tenant")
        if tenant is None and self.granting_user is not None and not self.granting_user.is_superuser:
            raise forms.ValidationError(_("Only a superuser can create a platform key."))
        return tenant

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return expires_at

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.granting_user is None:
            return cleaned
        try:
            key_policy.grant_check(
                scopes=cleaned.get("scopes") or [],
                is_tenant_key=cleaned.get("tenant") is not None,
                expires_at=cleaned.get("expires_at"),
                granting_user=self.granting_user,
            )
        except ApplicationError as error:
            for field, messages_ in error.fields.items():
                for message in messages_:
                    self.add_error(field, message)
            if not error.fields:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceAdminMixin, ModelAdmin):
    """Keys are created through the service (secret shown once, here) and revoked by an action.

    A key's grant never changes after creation (revoke it and create another), so an existing
    key's page is read-only; "change" permission means the right to revoke.
    """

    form = ApiKeyAdminForm

    list_display = ["name", "prefix", "tenant", "scope_list", "expires_at", "last_used_at", "revoked_at"]
    list_filter = [ApiKeyStateFilter, ("tenant", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "prefix", "tenant__name", "=tenant__guild_id"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    fields = [
        "name",
        "tenant",
        "scopes",
        "expires_at",
        "parent",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_reason",
    ]
    readonly_fields = ["parent", "prefix", "created_by", "created_at", "last_used_at", "revoked_at", "revoked_reason"]
    actions = ["revoke_selected"]

    @admin.display(description="scopes")
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = _live_tenants()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.granting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        api_key, secret = services.api_key_create(
            actor=actor_for_request(request),
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            tenant=form.cleaned_data.get("tenant"),
            expires_at=form.cleaned_data.get("expires_at"),
            granting_user=request.user,
        )
        obj.pk, obj.prefix = api_key.pk, api_key.prefix
        self.message_user(
            request,
            f"API key {api_key.prefix} created. Copy it now, it will not be shown again: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected API keys (and every key minted from them)", permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True).select_related("tenant"):
            services.api_key_revoke(
                api_key=api_key, actor=actor_for_request(request), reason=f"revoked in admin by {request.user}"
            )
            revoked += 1
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)
