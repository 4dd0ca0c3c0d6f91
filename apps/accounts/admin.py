from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.accounts import services
from apps.accounts.choices import ApiScope
from apps.accounts.models import ApiKey, Member, User
from apps.audit.services import audit_record, field_changes
from apps.core.actors import actor_for_request

PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")


def _privileges(user: User) -> dict:
    snapshot = {name: getattr(user, name) for name in PRIVILEGE_FIELDS}
    snapshot["groups"] = sorted(user.groups.values_list("name", flat=True)) if user.pk else []
    snapshot["user_permissions"] = sorted(user.user_permissions.values_list("codename", flat=True)) if user.pk else []
    return snapshot


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, plus an audit event for every change of a user's privileges."""

    list_display = ["username", "email", "is_staff", "is_superuser", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]

    def save_model(self, request, obj, form, change):
        request._privileges_before = _privileges(User.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        changes = field_changes(request._privileges_before, _privileges(user))
        if changes or not change:
            # the admin's change view runs in one transaction: the event commits with the change
            audit_record(
                actor=actor_for_request(request),
                action="accounts.staff_privileges_changed" if change else "accounts.staff_user_created",
                target=user,
                changes=changes,
            )


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["username", "discord_user_id", "tenant", "created_at"]
    list_filter = ["tenant__status"]
    search_fields = ["username", "=discord_user_id", "tenant__name", "=tenant__guild_id"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "tenant", "discord_user_id"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        if change:
            services.member_rename(member=obj, actor=actor, username=form.cleaned_data["username"])
        else:
            saved = services.member_create(
                actor=actor, tenant=obj.tenant, discord_user_id=obj.discord_user_id, username=obj.username
            )
            obj.pk = saved.pk


class ApiKeyAdminForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "tenant", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created through the service (secret shown once, here) and revoked by an action."""

    form = ApiKeyAdminForm

    list_display = ["name", "prefix", "tenant", "scope_list", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", ("tenant", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "tenant__name", "=tenant__guild_id"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    fields = [
        "name",
        "tenant",
        "scopes",
        "expires_at",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_reason",
    ]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at", "revoked_reason"]
    actions = ["revoke_selected"]

    @admin.display(description="scopes")
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a key's grant never changes after creation: revoke and create anew
            return [*self.readonly_fields, "name", "tenant", "scopes", "expires_at"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        api_key, secret = services.api_key_create(
            actor=actor_for_request(request),
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            tenant=form.cleaned_data.get("tenant"),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = api_key.pk
        self.message_user(
            request,
            f"API key {api_key.prefix} created. Copy it now, it will not be shown again: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_selected(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(
                api_key=api_key, actor=actor_for_request(request), reason=f"revoked in admin by {request.user}"
            )
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)
