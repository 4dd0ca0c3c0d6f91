"""The registry's refusals, worded for the person who asked (translated, issue 17 §7)."""

from django.utils.translation import gettext as _

from apps.core.errors import ConflictError, NotFoundError, PermissionDeniedError


def tampered_message(*, number: int, name: str, expected: str, observed: str) -> str:
    return _(
        "Version %(number)s of %(name)s failed its SHA-256 check (expected %(artifact_sha256)s…, read "
        "%(observed)s…); it will not be loaded. Security was alerted; train a new version or move the alias to "
        "another one."
    ) % {"number": number, "name": name, "artifact_sha256": expected[:12], "observed": observed[:12]}


def alias_not_found(name: str, alias: str) -> NotFoundError:
    return NotFoundError(
        _("Model %(name)r has no alias %(alias)r.") % {"name": name, "alias": alias}, code="alias_not_found"
    )


def version_not_found(name: str, number: int) -> NotFoundError:
    return NotFoundError(
        _("Model %(name)r has no version %(number)s.") % {"name": name, "number": number}, code="version_not_found"
    )


def version_not_ready(number: int, name: str, status: str) -> ConflictError:
    return ConflictError(
        _("Version %(number)s of %(name)s is %(status)s.") % {"number": number, "name": name, "status": status}
    )


def approval_needed(name: str) -> PermissionDeniedError:
    return PermissionDeniedError(
        _("%(name)s affects members: moving its champion needs a promotion request approved by a second staff user.")
        % {"name": name}
    )


def promotion_pending(name: str, alias: str) -> ConflictError:
    return ConflictError(
        _("A promotion of %(name)s's %(alias)s is already waiting for a decision.") % {"name": name, "alias": alias}
    )


def already_aliased(number: int, name: str, alias: str) -> ConflictError:
    return ConflictError(
        _("Version %(number)s already is %(name)s's %(alias)s.") % {"number": number, "name": name, "alias": alias}
    )


def version_not_promotable(number: int, status: str) -> ConflictError:
    return ConflictError(
        _("Version %(number)s is %(status)s; it cannot be promoted.") % {"number": number, "status": status}
    )


def nothing_to_roll_back(name: str, alias: str) -> ConflictError:
    return ConflictError(
        _("%(name)s's %(alias)s has no earlier version to roll back to.") % {"name": name, "alias": alias}
    )


def earlier_version_not_ready(number: int, status: str) -> ConflictError:
    return ConflictError(
        _("The earlier version %(number)s is %(status)s; move the alias instead.")
        % {"number": number, "status": status}
    )
