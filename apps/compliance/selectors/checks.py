"""Reads of the check registry for the portal: which checks exist, for a framework or a requirement."""

from dataclasses import dataclass

from apps.compliance.checks.registry import checks_for


@dataclass(frozen=True)
class CheckInfo:
    id: str
    title: str
    severity: str


def check_catalogue(*, framework_id: str | None = None, requirement_key: str | None = None) -> list[CheckInfo]:
    """The registered checks (of one framework, or evidencing one "framework:ref" requirement), by id."""
    checks = checks_for(framework=framework_id)
    if requirement_key is not None:
        checks = [check for check in checks if requirement_key in check.requirements]
    return [CheckInfo(id=check.id, title=check.title, severity=check.severity) for check in checks]
