"""Platform configuration checks: `check --deploy` of the production settings, password and session policy."""

import base64
import os
import re
import secrets
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.conf import settings

from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import Severity

# "?: (security.W004) You have not set ..." or "dbsbm.X: (app.E001) ..."
_CHECK_LINE = re.compile(r"^(?P<obj>[^\s].*?): \((?P<id>[\w.]+\.[EWIC]\d+)\) (?P<message>.*)$")
# variables production refuses to start without; a placeholder stands in when the process has none
PLACEHOLDER_VARIABLES = {
    "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": lambda: "compliance-check.invalid",
    "DBSBM_MASTER_KEY": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    # the path this process uses (its own configuration's key file); production only requires it be named
    "DBSBM_RESTRICTED_PUBLIC_KEY_FILE": lambda: str(getattr(settings, "DBSBM_RESTRICTED_PUBLIC_KEY_FILE", "")),
}


def deploy_check_environment() -> tuple[dict[str, str], list[str]]:
    """The environment of the subprocess: this one's, production settings, placeholders for missing secrets."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "dbsbm.settings.production"
    supplied = []
    # the embedded configuration has neither; `check --deploy` only needs them named, it connects to neither
    for name, placeholder in (
        ("DATABASE_URL", "postgres://placeholder.invalid:5432/dbsbm"),
        ("REDIS_URL", "redis://placeholder.invalid:6379/0"),
    ):
        if not env.get(name):
            env[name] = getattr(settings, name, "") or placeholder
            if env[name] == placeholder:
                supplied.append(name)
    for name, make in PLACEHOLDER_VARIABLES.items():
        current = env.get(name, "")
        unusable = not current or (
            name == "DJANGO_SECRET_KEY" and (current.startswith("dev-only") or len(current) < 50)
        )
        if name == "DBSBM_MASTER_KEY" and env.get("DBSBM_MASTER_KEY_FILE"):
            unusable = False
        if unusable:
            env[name] = make()
            supplied.append(name)
    return env, supplied


def parse_check_output(output: str) -> list[dict[str, str]]:
    findings = []
    for line in output.splitlines():
        match = _CHECK_LINE.match(line.strip())
        if match:
            findings.append({"id": match["id"], "object": match["obj"], "message": match["message"][:300]})
    return findings


def _check_deploy_run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - a fixed argv: this interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=settings.COMPLIANCE_DEPLOY_CHECK_TIMEOUT_SECONDS,
    )


# `check --deploy` started ahead of the check ("run": (future, placeholder names)), taken by its next run
_early: dict[str, tuple[Future, list[str]]] = {}
_early_lock = threading.Lock()


def deploy_check_start() -> None:
    """Start `manage.py check --deploy` now, in a background thread, for a run of `platform.deploy_check` this
    process makes soon: that run takes this output (waiting for it if needed) instead of starting its own.

    The subprocess is a whole Django start of the production settings (seconds of CPU): the demo's seeding
    starts it first, so it overlaps writing the rest of the story. Started once until a run takes it."""
    with _early_lock:
        if "run" in _early:
            return
        env, supplied = deploy_check_environment()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deploy-check")
        _early["run"] = (executor.submit(_check_deploy_run, env), supplied)
        executor.shutdown(wait=False)  # the thread ends with the subprocess


@register_check(
    id="platform.deploy_check",
    title="Production settings pass `manage.py check --deploy`",
    severity=Severity.HIGH,
    frequency_minutes=24 * 60,
    requirements=[
        "pci_dss:2.2.1",
        "soc2:CC7.1",
        "iso27001:A.8.9",
        "nist_csf:PR.PS-01",
        "sox_itgc:CM-03",
        "hipaa:164.312(e)(1)",
    ],
)
def deploy_check(now: datetime) -> CheckResult:
    early = _early.pop("run", None)
    try:
        if early is not None:  # started ahead by deploy_check_start(): its output, waited for
            future, supplied = early
            completed = future.result()
        else:
            env, supplied = deploy_check_environment()
            completed = _check_deploy_run(env)
    except subprocess.TimeoutExpired:
        return CheckResult.error(
            "check --deploy did not finish in time", timeout=settings.COMPLIANCE_DEPLOY_CHECK_TIMEOUT_SECONDS
        )
    findings = parse_check_output(completed.stdout + "\n" + completed.stderr)
    evidence = {
        "exit_code": completed.returncode,
        "placeholder_variables": supplied,
        "warnings": [item for item in findings if ".W" in item["id"]],
        "errors": [item for item in findings if ".E" in item["id"] or ".C" in item["id"]],
    }
    if completed.returncode != 0 and not findings:
        # production refused to start (ImproperlyConfigured) or crashed: the last line says why
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        evidence["failure"] = last[:300]
        return CheckResult.failed(f"production settings do not load: {last[:200]}", **evidence)
    if findings:
        ids = ", ".join(sorted({item["id"] for item in findings}))
        return CheckResult.failed(f"check --deploy reports {len(findings)} issues ({ids})", **evidence)
    return CheckResult.passed("check --deploy reports no issues for the production settings", **evidence)


def _min_length_of_validators(validators: list[dict]) -> int:
    for validator in validators:
        if validator.get("NAME", "").endswith("MinimumLengthValidator"):
            return int((validator.get("OPTIONS") or {}).get("min_length", 8))
    return 0


@register_check(
    id="platform.password_session_policy",
    title="Password validators and the staff session timeout meet policy",
    severity=Severity.MEDIUM,
    frequency_minutes=24 * 60,
    requirements=[
        "pci_dss:8.3.6",
        "pci_dss:8.2.8",
        "hipaa:164.312(a)(2)(iii)",
        "hipaa:164.308(a)(5)(ii)(D)",
        "iso27001:A.5.17",
        "nist_csf:PR.AA-01",
        "soc2:CC6.1",
    ],
)
def password_session_policy(now: datetime) -> CheckResult:
    validators = list(settings.AUTH_PASSWORD_VALIDATORS)
    names = [validator.get("NAME", "").rsplit(".", 1)[-1] for validator in validators]
    min_length = _min_length_of_validators(validators)
    required = ["CommonPasswordValidator", "NumericPasswordValidator", "UserAttributeSimilarityValidator"]
    evidence = {
        "validators": names,
        "min_length": min_length,
        "policy_min_length": settings.COMPLIANCE_PASSWORD_MIN_LENGTH,
        "session_cookie_age": settings.SESSION_COOKIE_AGE,
        "session_save_every_request": settings.SESSION_SAVE_EVERY_REQUEST,
        "policy_session_max_age": settings.COMPLIANCE_SESSION_MAX_AGE_SECONDS,
        "missing_validators": [name for name in required if name not in names],
    }
    problems = []
    if min_length < settings.COMPLIANCE_PASSWORD_MIN_LENGTH:
        problems.append(f"minimum password length {min_length} < {settings.COMPLIANCE_PASSWORD_MIN_LENGTH}")
    if evidence["missing_validators"]:
        problems.append(f"missing validators {evidence['missing_validators']}")
    if settings.SESSION_COOKIE_AGE > settings.COMPLIANCE_SESSION_MAX_AGE_SECONDS:
        problems.append(
            f"sessions last {settings.SESSION_COOKIE_AGE} s > {settings.COMPLIANCE_SESSION_MAX_AGE_SECONDS} s"
        )
    if not settings.SESSION_SAVE_EVERY_REQUEST:
        problems.append("the session age is absolute, not an idle timeout")
    if problems:
        return CheckResult.failed("; ".join(problems), **evidence)
    return CheckResult.passed(
        f"{len(names)} validators, min length {min_length}, idle timeout within policy", **evidence
    )
