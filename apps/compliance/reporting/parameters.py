"""Validation of a report definition's inputs: parameters per kind, the cron schedule, recipients.

Each kind accepts a fixed set of parameters with types and bounds; anything else is refused with a
message naming the parameter, so a typo never silently falls back to a default.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from apps.compliance.choices import ReportKind
from apps.core.beat import cron_validate as core_cron_validate
from apps.core.errors import ApplicationError
from apps.core.mail import email_addresses_validate


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: type  # int, str, bool or date (an ISO date string)
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""


PARAMETERS: dict[str, list[Parameter]] = {
    ReportKind.FRAMEWORK_STATUS: [
        Parameter("include_passing", bool, False, help="List passing checks as well as failing ones."),
    ],
    ReportKind.GDPR_ARTICLE_30: [
        Parameter("controller", str, "DBSBM platform operator", help="Name of the controller (Art. 30(1)(a))."),
        Parameter("contact", str, "", help="Contact of the controller or its DPO."),
    ],
    ReportKind.AUDIT_TRAIL_EXTRACT: [
        Parameter("days", int, 30, 1, 366, "Events of the last N days (ignored when start and end are given)."),
        Parameter("start", date, None, help="First day (YYYY-MM-DD, UTC), with end."),
        Parameter("end", date, None, help="Last day (YYYY-MM-DD, UTC), with start."),
        Parameter("action_prefix", str, "", help="Only actions starting with this, e.g. 'accounts.'."),
        Parameter("guild_id", str, "", help="Only one tenant's events."),
    ],
    ReportKind.DSR_STATISTICS: [
        Parameter("days", int, 90, 1, 3660, "Requests received in the last N days."),
    ],
    ReportKind.BETTING_INTEGRITY: [
        Parameter("days", int, 30, 1, 3660, "Cases and corrections of the last N days."),
        Parameter("pending_hours", int, 48, 1, 24 * 60, "A bet is overdue this many hours after its game's end."),
    ],
}


REFUSAL_CODE = "invalid_report_definition"


def _refuse(message: str, field: str = "parameters") -> ApplicationError:
    return ApplicationError(message, code=REFUSAL_CODE, fields={field: [message]})


def _coerce_int(parameter: Parameter, value: Any) -> int:
    name = parameter.name
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(_("Parameter %(name)r must be a whole number.") % {"name": name})
    if parameter.minimum is not None and value < parameter.minimum:
        raise _refuse(
            _("Parameter %(name)r must be at least %(minimum)s.") % {"name": name, "minimum": parameter.minimum}
        )
    if parameter.maximum is not None and value > parameter.maximum:
        raise _refuse(
            _("Parameter %(name)r must be at most %(maximum)s.") % {"name": name, "maximum": parameter.maximum}
        )
    return value


def _coerce_date(parameter: Parameter, value: Any) -> str:
    name = parameter.name
    if not isinstance(value, str):
        raise _refuse(_("Parameter %(name)r must be a date written YYYY-MM-DD.") % {"name": name})
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _refuse(
            _("Parameter %(name)r must be a date written YYYY-MM-DD, not %(value)r.") % {"name": name, "value": value}
        ) from None


def _coerce(parameter: Parameter, value: Any) -> Any:
    name = parameter.name
    if parameter.kind is bool:
        if not isinstance(value, bool):
            raise _refuse(_("Parameter %(name)r must be true or false.") % {"name": name})
        return value
    if parameter.kind is int:
        return _coerce_int(parameter, value)
    if parameter.kind is date:
        return _coerce_date(parameter, value)
    if not isinstance(value, str) or len(value) > 200:
        raise _refuse(_("Parameter %(name)r must be text of at most 200 characters.") % {"name": name})
    return value.strip()


def parameters_validate(*, kind: str, parameters: Any) -> dict[str, Any]:
    """The kind's parameters with defaults filled in; refuses unknown names and bad values."""
    if kind not in PARAMETERS:
        raise _refuse(
            _("Unknown report kind %(kind)r; choose one of %(choices)s.")
            % {"kind": kind, "choices": ", ".join(ReportKind.values)},
            "kind",
        )
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise _refuse(_("Parameters must be a JSON object."))
    known = {parameter.name: parameter for parameter in PARAMETERS[kind]}
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise _refuse(
            _("Unknown parameter(s) %(unknown)s for a %(kind)s report; allowed: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "kind": kind, "allowed": allowed}
        )
    cleaned = {}
    for name, parameter in known.items():
        value = parameters.get(name)
        cleaned[name] = parameter.default if value is None else _coerce(parameter, value)
    if kind == ReportKind.AUDIT_TRAIL_EXTRACT:
        if (cleaned["start"] is None) != (cleaned["end"] is None):
            raise _refuse(_("Give both start and end, or neither (then the last `days` days are used)."))
        if cleaned["start"] is not None and cleaned["start"] > cleaned["end"]:
            raise _refuse(_("The start date must not be after the end date."))
    return cleaned


def cron_validate(cron: str) -> str:
    """A five-field cron expression, normalized; '' is none (apps/core/beat.py, refused with this app's code)."""
    return core_cron_validate(cron, code=REFUSAL_CODE)


def recipients_validate(recipients: Any) -> list[str]:
    """Distinct, valid e-mail addresses in the order given (apps/core/mail.py, refused with this app's code)."""
    return email_addresses_validate(recipients, code=REFUSAL_CODE)
