"""Capturing security events without each app having to remember: Django's auth signals, django-axes,
core's refused-request and failed-open signals, accounts' key and personal-data signals, and model
signals on users (privileges, password) and MFA devices. Receivers are thin and never raise."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.signals import api_key_rejected, personal_data_viewed
from apps.core.actors import Actor, actor_for_request
from apps.core.signals import api_request_refused, page_refused, throttle_failed_open
from apps.security.choices import SecurityEventType
from apps.security.middleware import current_request_actor
from apps.security.services.events import personal_data_accessed, security_event_record

logger = logging.getLogger(__name__)
User = get_user_model()
PRIVILEGE_FLAGS = ("is_staff", "is_superuser", "is_active")


def _record(**kwargs) -> None:
    # a failure to record must never break the login, request or save that caused it
    try:
        security_event_record(**kwargs)
    except Exception:
        logger.exception("security event %s not recorded", kwargs.get("event_type"))


def _anonymous(request, label: str = "") -> Actor:
    if request is None:
        return Actor(kind="system", identifier="anonymous", label=label or "anonymous")
    actor = actor_for_request(request)
    return Actor(
        kind="system",
        identifier="anonymous",
        label=label[:150] or "anonymous",
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        request_id=actor.request_id,
    )


def _change_actor() -> Actor:
    """Who made a model change: the request's user when there is one, else the system (shell, jobs)."""
    return current_request_actor() or Actor.system("system")


# --- logins ---------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="security.login_succeeded")
def login_succeeded(sender, request, user, **kwargs) -> None:
    actor = actor_for_request(request) if request is not None else Actor.system()
    actor = Actor(
        kind="user",
        identifier=str(user.pk),
        label=user.get_username(),
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        request_id=actor.request_id,
    )
    _record(event_type=SecurityEventType.LOGIN_SUCCEEDED, actor=actor, details={"username": user.get_username()})


@receiver(user_login_failed, dispatch_uid="security.login_failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]  # Django has already masked the password
    _record(
        event_type=SecurityEventType.LOGIN_FAILED,
        actor=_anonymous(request, username),
        details={"username": username, "path": getattr(request, "path", "")[:200]},
    )


@receiver(user_locked_out, dispatch_uid="security.lockout")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    actor = _anonymous(request, str(username or ""))
    if actor.ip_address is None and ip_address:
        actor = Actor(kind="system", identifier="anonymous", label=actor.label, ip_address=ip_address)
    _record(event_type=SecurityEventType.LOCKOUT, actor=actor, details={"username": str(username or "")[:150]})


# --- the API ----------------------------------------------------------------------------------------


@receiver(page_refused, dispatch_uid="security.page_refused")
def page_refused_recorded(sender, request, reason: str, **kwargs) -> None:
    _record(
        event_type=SecurityEventType.PERMISSION_DENIED,
        actor=actor_for_request(request),
        details={"method": request.method, "path": request.path[:200], "reason": reason},
    )


@receiver(api_request_refused, dispatch_uid="security.api_request_refused")
def api_request_refused_recorded(sender, request, status_code: int, code: str, **kwargs) -> None:
    # 401s are the API key events below (more precise); a request without any key is not an attack
    event_type = {403: SecurityEventType.PERMISSION_DENIED, 429: SecurityEventType.THROTTLED}.get(status_code)
    if event_type is None:
        return
    api_key = getattr(request, "api_key", None)
    _record(
        event_type=event_type,
        actor=actor_for_request(request),
        guild_id=api_key.tenant.guild_id if api_key is not None and api_key.tenant_id else "",
        details={
            "code": code,
            "method": request.method,
            "path": request.path[:200],
            "prefix": api_key.prefix if api_key is not None else "",
        },
    )


_KEY_EVENT = {
    "invalid": SecurityEventType.API_KEY_INVALID,
    "malformed": SecurityEventType.API_KEY_INVALID,
    "revoked": SecurityEventType.API_KEY_REVOKED_USED,
    "expired": SecurityEventType.API_KEY_EXPIRED_USED,
}


@receiver(api_key_rejected, dispatch_uid="security.api_key_rejected")
def api_key_rejected_recorded(sender, request, reason: str, prefix: str, guild_id: str = "", **kwargs) -> None:
    _record(
        event_type=_KEY_EVENT.get(reason, SecurityEventType.API_KEY_INVALID),
        actor=_anonymous(request, prefix),
        guild_id=guild_id,
        details={"reason": reason, "prefix": prefix, "method": request.method, "path": request.path[:200]},
    )


@receiver(throttle_failed_open, dispatch_uid="security.throttle_failed_open")
def throttle_failed_open_recorded(sender, scope: str, identity: str, error: str, **kwargs) -> None:
    request_actor = current_request_actor()
    _record(
        event_type=SecurityEventType.THROTTLE_FAILED_OPEN,
        actor=request_actor or Actor.system("rate limiter"),
        details={"scope": scope, "identity": identity[:100], "error": error},
    )


# --- staff privileges, passwords, MFA ----------------------------------------------------------------


def _subject(user) -> dict:
    return {"subject_id": str(user.pk), "subject_username": user.get_username()}


@receiver(pre_save, sender=User, dispatch_uid="security.user_before_save")
def user_before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    watched = {*PRIVILEGE_FLAGS, "password"}
    if raw or instance.pk is None or (update_fields is not None and not watched & set(update_fields)):
        return  # e.g. the login's last_login update: nothing to compare, no extra query
    instance._security_before = User.objects.filter(pk=instance.pk).values(*watched).first()


@receiver(post_save, sender=User, dispatch_uid="security.user_after_save")
def user_after_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    before = getattr(instance, "_security_before", None)
    instance._security_before = None
    if raw:
        return
    if created:
        granted = {flag: getattr(instance, flag) for flag in ("is_staff", "is_superuser") if getattr(instance, flag)}
        if granted:
            changes = {flag: {"before": None, "after": value} for flag, value in granted.items()}
            _privilege_event(instance, changes)
        return
    if before is None:
        return
    changes = {
        flag: {"before": before[flag], "after": getattr(instance, flag)}
        for flag in PRIVILEGE_FLAGS
        if before[flag] != getattr(instance, flag)
    }
    if changes:
        _privilege_event(instance, changes)
    if before["password"] != instance.password:
        _record(
            event_type=SecurityEventType.PASSWORD_CHANGED,
            actor=_change_actor(),
            details={**_subject(instance), "has_usable_password": instance.has_usable_password()},
        )


def _privilege_event(user, changes: dict) -> None:
    escalation = any(
        change["after"] is True for flag, change in changes.items() if flag in ("is_superuser", "is_staff")
    )
    superuser = changes.get("is_superuser", {}).get("after") is True
    _record(
        event_type=SecurityEventType.PRIVILEGE_CHANGED,
        actor=_change_actor(),
        details={**_subject(user), "changes": changes},
        risk_score=80 if superuser else 60 if escalation else None,
    )


def _item_names(model, pks) -> list[str]:
    if model is Permission:
        rows = model.objects.filter(pk__in=pks).values_list("content_type__app_label", "codename")
        return sorted(f"{app_label}.{codename}" for app_label, codename in rows)
    return sorted(str(item) for item in model.objects.filter(pk__in=pks))


def _m2m_changed(field: str):
    def handler(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action != "post_clear" and not pk_set:
            return
        users = [instance] if not reverse else list(User.objects.filter(pk__in=pk_set or ()))
        names = [str(instance)] if reverse else _item_names(model, pk_set or ())
        for user in users:
            _record(
                event_type=SecurityEventType.PRIVILEGE_CHANGED,
                actor=_change_actor(),
                details={
                    **_subject(user),
                    "changes": {field: {"action": action.removeprefix("post_"), "items": names}},
                },
                risk_score=60 if action == "post_add" else None,
            )

    return handler


groups_changed = _m2m_changed("groups")
user_permissions_changed = _m2m_changed("user_permissions")
m2m_changed.connect(groups_changed, sender=User.groups.through, dispatch_uid="security.groups_changed")
m2m_changed.connect(
    user_permissions_changed, sender=User.user_permissions.through, dispatch_uid="security.user_permissions_changed"
)


@receiver(pre_save, sender=TOTPDevice, dispatch_uid="security.mfa_device_before_save")
def mfa_device_before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or (update_fields is not None and "confirmed" not in update_fields):
        return  # verifications save last_used_at and throttling counters: not MFA changes
    instance._security_confirmed_before = (
        TOTPDevice.objects.filter(pk=instance.pk).values_list("confirmed", flat=True).first()
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="security.mfa_device_saved")
def mfa_device_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    before = getattr(instance, "_security_confirmed_before", None)
    instance._security_confirmed_before = None
    if raw or (not created and (before is None or before == instance.confirmed)):
        return
    action = "created" if created else ("confirmed" if instance.confirmed else "unconfirmed")
    _record(
        event_type=SecurityEventType.MFA_CHANGED,
        actor=_change_actor(),
        details={
            **_subject(instance.user),
            "device": "totp",
            "device_id": instance.pk,
            "action": action,
            "confirmed": instance.confirmed,
        },
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="security.mfa_device_deleted")
def mfa_device_deleted(sender, instance, **kwargs) -> None:
    _record(
        event_type=SecurityEventType.MFA_CHANGED,
        actor=_change_actor(),
        details={**_subject(instance.user), "device": "totp", "device_id": instance.pk, "action": "deleted"},
        risk_score=60,
    )


# --- personal data --------------------------------------------------------------------------------


@receiver(personal_data_viewed, dispatch_uid="security.personal_data_viewed")
def personal_data_viewed_recorded(sender, actor, subject_type, subject_id, guild_id="", fields=(), **kwargs) -> None:
    try:
        personal_data_accessed(
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            guild_id=guild_id,
            purpose="admin view",
            fields=list(fields),
        )
    except Exception:
        logger.exception("personal data access by %s not recorded", actor.identifier)
