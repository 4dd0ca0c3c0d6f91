"""Reads from the read replica (`DATABASE_REPLICA_URL` → `DATABASES["replica"]`), where they are safe.

Without the setting nothing changes: every query goes to "default". With it, reads go to the replica only
where the code opted in: API list endpoints (apps/core/api/viewsets.py), analytics metric queries
(apps/analytics/query.py) and exports (`reads_from_replica` on the view) — reads that tolerate a replica's
lag of a moment. Everything else (services, selectors behind writes, tasks) reads the primary.

Read-your-writes, because a replica lags:
  * inside a transaction on the primary every read stays there (it must see its own uncommitted rows);
  * once a request (or a `replica_reads()` block) writes anything, the rest of it reads the primary ("pinned");
  * a client that wrote stays on the primary for DATABASE_REPLICA_PIN_SECONDS on its next requests (the
    middleware remembers the client by a hash of its API key or session cookie, in the shared cache), so a
    bot that places a bet and lists its bets at once sees the bet.
Some models are never read from the replica (sessions, login lock-outs, second-factor devices, the outbox,
beat's schedule): they decide who may do what right now. A session save (every request: SESSION_SAVE_EVERY_
REQUEST) does not pin.

The state is one object per request (a context variable holding a mutable object, so the thread a sync view
runs in and the middleware share it); outside a request `replica_reads()` makes one for its block.
"""

import hashlib
import logging
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "otp_totp", "otp_static", "django_celery_beat", "core"})
NOT_PINNING_APPS = frozenset({"sessions", "axes"})  # bookkeeping writes no later read depends on
PIN_KEY = "replica:pinned:{}"


@dataclass
class ReplicaState:
    """One request's (or block's) choice: reads opted in (depth > 0) and whether it has written (pinned)."""

    depth: int = 0
    pinned: bool = False
    wrote: bool = False


_state: ContextVar[ReplicaState | None] = ContextVar("replica_state", default=None)


def replica_alias() -> str | None:
    """The replica's alias when one is configured, else None (everything on the primary)."""
    alias = settings.DATABASE_REPLICA_ALIAS
    return alias if alias and alias in connections else None


def _replica_for(model) -> str | None:
    alias = replica_alias()
    state = _state.get()
    if alias is None or state is None or state.depth == 0 or state.pinned:
        return None
    if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None  # a transaction reads its own writes
    return alias


def read_alias(model=None) -> str:
    """The alias a read here goes to (for an explicit `.using()`, or a raw cursor)."""
    return _replica_for(model) or DEFAULT_DB_ALIAS


@contextmanager
def replica_reads():
    """Reads of this block may go to the replica (unless pinned, in a transaction, or a primary-only model)."""
    state = _state.get()
    token = None
    if state is None:
        state = ReplicaState()
        token = _state.set(state)
    state.depth += 1
    try:
        yield state
    finally:
        state.depth -= 1
        if token is not None:
            _state.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """A view (an export, a list) whose reads may come from the replica."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


@contextmanager
def unpinned_writes():
    """Bookkeeping writes no later read depends on (a key's last use): they leave the request unpinned."""
    state = _state.get()
    before = (state.pinned, state.wrote) if state is not None else None
    try:
        yield
    finally:
        if state is not None:
            state.pinned, state.wrote = before


def replica_reads_for_rest_of_request() -> None:
    """From here to the end of this request, reads may go to the replica (the API's list actions)."""
    state = _state.get()
    if state is not None:
        state.depth += 1


class ReplicaRouter:
    """DATABASE_ROUTERS: reads to the replica where opted in (above), every write to the primary (and pinned)."""

    def db_for_read(self, model, **hints):
        return _replica_for(model)

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and model._meta.app_label not in NOT_PINNING_APPS:
            state.pinned = state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, replica_alias()}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same data: a row read from the replica may point at one from the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db != DEFAULT_DB_ALIAS and db == replica_alias():
            return False  # the replica follows the primary; nothing is migrated on it
        return None


def _client_key(request) -> str | None:
    credential = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not credential:
        return None
    return PIN_KEY.format(hashlib.sha256(credential.encode()).hexdigest()[:32])


class ReplicaPinMiddleware:
    """Per request: a fresh state, pinned when this client wrote in the last DATABASE_REPLICA_PIN_SECONDS;
    after a request that wrote, remember that for the client's next requests. Sync and async (no thread hop)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        if replica_alias() is None:
            return self.get_response(request)
        key = _client_key(request)
        state = ReplicaState(pinned=_recently_wrote(key))
        token = _state.set(state)
        try:
            return self.get_response(request)
        finally:
            _state.reset(token)
            if state.wrote and key:
                _remember(key)

    async def __acall__(self, request):
        if replica_alias() is None:
            return await self.get_response(request)
        key = _client_key(request)
        state = ReplicaState(pinned=await sync_to_async(_recently_wrote)(key))
        token = _state.set(state)
        try:
            return await self.get_response(request)
        finally:
            _state.reset(token)
            if state.wrote and key:
                await sync_to_async(_remember)(key)


def _recently_wrote(key: str | None) -> bool:
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:  # noqa: BLE001 - the cache is down: the primary is always right
        logger.warning("replica: pin not read (cache unavailable); reading the primary")
        return True


def _remember(key: str) -> None:
    try:
        cache.set(key, 1, timeout=settings.DATABASE_REPLICA_PIN_SECONDS)
    except Exception:  # noqa: BLE001 - best effort: the next read may lag by the replica's delay
        logger.warning("replica: pin not stored (cache unavailable)")
