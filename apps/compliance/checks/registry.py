"""The registry of automated checks: a decorator declares a check, its metadata and its remediation.

A check is a function `(now) -> CheckResult` that reads the live system and returns a status, a one-line
summary and evidence: JSON of real data (ids, counts, settings values), never prose. The function must
not write; an optional remediation (declared with the check, run only when a CheckSetting enables it)
may change things through other apps' services and reports what it did.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apps.compliance.checks import load_all
from apps.compliance.choices import CheckStatus, Severity


@dataclass
class CheckResult:
    status: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, summary: str, **evidence) -> "CheckResult":
        return cls(CheckStatus.PASS, summary, evidence)

    @classmethod
    def failed(cls, summary: str, **evidence) -> "CheckResult":
        return cls(CheckStatus.FAIL, summary, evidence)

    @classmethod
    def error(cls, summary: str, **evidence) -> "CheckResult":
        return cls(CheckStatus.ERROR, summary, evidence)

    @classmethod
    def not_applicable(cls, summary: str, **evidence) -> "CheckResult":
        return cls(CheckStatus.NOT_APPLICABLE, summary, evidence)


CheckFunction = Callable[[datetime], CheckResult]
Remediation = Callable[[CheckResult], dict[str, Any]]


@dataclass(frozen=True)
class CheckDefinition:
    id: str
    title: str
    severity: str
    frequency_minutes: int
    requirements: tuple[str, ...]
    version: str
    function: CheckFunction
    remediation: Remediation | None = None

    @property
    def frameworks(self) -> set[str]:
        return {requirement.split(":", 1)[0] for requirement in self.requirements}


CHECKS: dict[str, CheckDefinition] = {}


def register_check(
    *,
    id: str,  # noqa: A002 - the check's id, as every other surface calls it
    title: str,
    severity: Severity,
    frequency_minutes: int,
    requirements: list[str],
    version: str = "1",
    remediation: Remediation | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Declare a check; requirements are "framework:ref" strings of the shipped catalogues."""
    if severity not in Severity.values:
        raise ValueError(f"check {id}: unknown severity {severity!r}")
    if any(":" not in requirement for requirement in requirements):
        raise ValueError(f"check {id}: requirements look like 'framework:ref'")

    def decorate(function: CheckFunction) -> CheckFunction:
        if id in CHECKS and CHECKS[id].function is not function:
            raise ValueError(f"check {id} is registered twice")
        CHECKS[id] = CheckDefinition(
            id=id,
            title=title,
            severity=severity,
            frequency_minutes=frequency_minutes,
            requirements=tuple(requirements),
            version=version,
            function=function,
            remediation=remediation,
        )
        return function

    return decorate


def checks_for(*, framework: str | None = None, check_id: str | None = None) -> list[CheckDefinition]:
    """The registered checks, optionally only those evidencing a framework, or one check."""
    load_all()
    found = sorted(CHECKS.values(), key=lambda check: check.id)
    if check_id is not None:
        found = [check for check in found if check.id == check_id]
    if framework is not None:
        found = [check for check in found if framework in check.frameworks]
    return found
