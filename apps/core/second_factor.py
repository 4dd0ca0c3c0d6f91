"""Staff sign-in with a second factor, shared by /admin/ and /portal/, and the session check of staff sockets.

Sign-in is two steps. The password step does not sign the user in: it leaves the user's id in the
session (under the surface's own key, so a half-finished admin sign-in cannot be completed on the
portal) for PORTAL_LOGIN_PENDING_SECONDS, and only a valid TOTP token completes `login()` and
`otp_login()`. A session that passed the password alone therefore never exists.

A websocket has no OTPMiddleware and outlives the page that opened it: `StaffSocketMixin` admits a
session that names a confirmed device of its user, and re-reads the session and the user from the
database while the socket is open (before forwarding, at most every PORTAL_LIVE_RECHECK_SECONDS, and on
a timer while idle), closing it once the user signed out, was deactivated, lost the role or the device.
"""

import asyncio
import contextlib
import time
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from apps.core.actors import Actor, actor_for_request

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
REFUSED = 4403  # close code of a staff socket: this user (or this session, without its second factor) may not watch


def _pending_key(surface: str) -> str:
    return f"{surface}_login_pending"


def enrol_session_key(surface: str) -> str:
    """Where a surface keeps the id of the unconfirmed device whose secret it showed."""
    return f"{surface}_enrol_device"


def safe_next_url(request: HttpRequest, candidate: str | None, default_url_name: str) -> str:
    """`candidate` when it points into this site, else the surface's start page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default_url_name)


def signin_pending_start(request: HttpRequest, *, surface: str, user, next_url: str) -> None:
    """The password step passed: remember the user for the token step (a new session key, nobody signed in)."""
    request.session.cycle_key()
    request.session[_pending_key(surface)] = {"user_id": user.pk, "at": time.time(), "next": next_url}


def signin_pending_user(request: HttpRequest, *, surface: str):
    """(user, pending) of an unexpired password step on this surface, else (None, {})."""
    pending = request.session.get(_pending_key(surface))
    if not pending or time.time() - pending.get("at", 0) > settings.PORTAL_LOGIN_PENDING_SECONDS:
        request.session.pop(_pending_key(surface), None)
        return None, {}
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True, is_staff=True).first()
    return user, pending


def signin_actor(request: HttpRequest, user) -> Actor:
    """The actor of a sign-in step: the user who is signing in (the session names nobody yet)."""
    base = actor_for_request(request)
    return Actor(
        kind="user",
        identifier=str(user.pk),
        label=user.get_username(),
        ip_address=base.ip_address,
        user_agent=base.user_agent,
        request_id=base.request_id,
    )


def signin_failed(request: HttpRequest, user) -> None:
    """A wrong code: django-axes counts it (and may lock the username+address out); security records it."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def signin_token_error(request: HttpRequest, *, user, device, token: str) -> str:
    """'' when `token` is the device's current code, else what to tell the user (a wrong code is a failure)."""
    token = (token or "").strip()
    if not device.verify_is_allowed()[0]:
        return "Too many wrong codes: wait a little and try again."
    if token.isdigit() and device.verify_token(token):
        return ""
    signin_failed(request, user)
    return "That code does not match: type the 6 digits your authenticator app shows now."


def signin_finish(request: HttpRequest, *, surface: str, user, device) -> None:
    """The token step passed: sign the user in with the device as the session's verified second factor."""
    login(request, user, backend=MODEL_BACKEND)
    otp_login(request, device)
    for key in (_pending_key(surface), enrol_session_key(surface)):
        request.session.pop(key, None)


def session_device_verified(user, session) -> bool:
    """The session names a confirmed device of this user (as `otp_login` left it)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id, for_verify=False)
    return bool(device is not None and device.user_id == user.pk and device.confirmed)


class StaffSocketMixin:
    """For an AsyncJsonWebsocketConsumer that only verified staff may watch.

    A subclass says who may watch in `user_may_watch(user)` (synchronous, may query), calls
    `staff_admitted()` in `connect()` and `staff_watch_start()` after `accept()`, forwards a message only
    when `staff_still_admitted()` says so, and calls `staff_watch_stop()` in `disconnect()`.
    """

    def user_may_watch(self, user) -> bool:
        raise NotImplementedError

    @database_sync_to_async
    def staff_admitted(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not self.user_may_watch(user):
            return False
        return session_device_verified(user, self.scope.get("session"))

    @database_sync_to_async
    def _admitted_now(self) -> bool:
        """The same check on the session and the user as they are now in the database."""
        session = self.scope.get("session")
        if session is None or not session.session_key:
            return False
        current = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)
        user_id = current.get(SESSION_KEY)
        user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
        if user is None or str(user.pk) != str(self.scope["user"].pk) or not user.is_active:
            return False
        return self.user_may_watch(user) and session_device_verified(user, current)

    def staff_watch_start(self) -> None:
        self._staff_checked_at = time.monotonic()
        self._staff_refused = False
        self._staff_timer = asyncio.get_running_loop().create_task(self._staff_recheck_forever())

    async def staff_watch_stop(self) -> None:
        timer = getattr(self, "_staff_timer", None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    async def staff_still_admitted(self) -> bool:
        """Re-check (at most every PORTAL_LIVE_RECHECK_SECONDS); close the socket with REFUSED when refused."""
        if getattr(self, "_staff_refused", False):
            return False
        if time.monotonic() - self._staff_checked_at < settings.PORTAL_LIVE_RECHECK_SECONDS:
            return True
        if not await self._admitted_now():
            if not self._staff_refused:  # the timer and a delta may both find out: close once
                self._staff_refused = True
                await self.close(code=REFUSED)
            return False
        self._staff_checked_at = time.monotonic()
        return True

    async def _staff_recheck_forever(self) -> None:
        # an idle socket (no deltas) is closed too, not only the next time something is forwarded
        while True:
            await asyncio.sleep(max(settings.PORTAL_LIVE_RECHECK_SECONDS, 1))
            if not await self.staff_still_admitted():
                return
