"""OSCAL assessment results of the latest check runs: one result per framework.

Observations are check runs (method TEST, with the evidence's SHA-256 as relevant evidence); findings are
requirements with automated results or a valid attestation (satisfied / not-satisfied, linked to their
observations); manual requirements are listed as reviewed but get no finding. OSCAL ids must be tokens
(letters, digits, '.', '-', '_'), so a requirement "gdpr:Art.5(1)(e)" becomes "gdpr.Art.5_1__e_" and
keeps its own key in a `requirement` prop.
"""

import re
import uuid
from datetime import UTC, datetime

from django.utils import timezone

from apps.compliance.choices import CheckStatus, RequirementStatus
from apps.compliance.models import CheckRun, Framework
from apps.compliance.selectors import latest_check_runs, requirement_statuses, score_of

OSCAL_VERSION = "1.1.2"
NAMESPACE = "https://dbsbm.invalid/ns/oscal/compliance"
# uuid5 namespace: the same run, framework or requirement always gets the same OSCAL uuid
_UUIDS = uuid.UUID("6f1c1f4e-3c52-4f55-a0a7-8e5f0c1d2b31")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def oscal_token(text: str) -> str:
    token = _NOT_TOKEN.sub("_", text)
    return token if re.match(r"[A-Za-z_]", token) else f"_{token}"


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_UUIDS, "/".join(str(part) for part in parts)))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _prop(name: str, value: object) -> dict:
    return {"name": name, "ns": NAMESPACE, "value": str(value)}


def _observation(run: CheckRun) -> dict:
    return {
        "uuid": _uuid("check-run", run.pk),
        "title": run.check_id,
        "description": run.summary or run.check_id,
        "props": [
            _prop("check-status", run.status),
            _prop("check-severity", run.severity),
            _prop("check-version", run.check_version),
            _prop("duration-ms", run.duration_ms),
        ],
        "methods": ["TEST"],
        "types": ["finding"] if run.status == CheckStatus.FAIL else ["control-objective"],
        "collected": _time(run.started_at),
        "relevant-evidence": [
            {
                "description": f"Evidence of check run {run.pk} (JSON; SHA-256 of its canonical form in the prop).",
                "props": [_prop("evidence-sha256", run.evidence_sha256), _prop("check-run-id", run.pk)],
            }
        ],
    }


_STATE = {
    RequirementStatus.PASSING: ("satisfied", "pass"),
    RequirementStatus.ATTESTED: ("satisfied", "other"),
    RequirementStatus.FAILING: ("not-satisfied", "fail"),
    RequirementStatus.ERROR: ("not-satisfied", "other"),
}


def _result(framework: Framework, runs: list[CheckRun], now: datetime) -> dict:
    states = requirement_statuses(framework_id=framework.pk, runs=runs)
    score = score_of(states)
    used_runs: dict[int, CheckRun] = {}
    findings = []
    for state in states:
        if state.is_group or state.status not in _STATE:
            continue
        key = f"{framework.pk}:{state.ref}"
        objective_state, reason = _STATE[state.status]
        related = [check["check_run_id"] for check in state.checks]
        for run in runs:
            if run.pk in related:
                used_runs[run.pk] = run
        finding = {
            "uuid": _uuid("finding", framework.pk, state.ref, *related),
            "title": f"{state.ref} {state.title}"[:300],
            "description": f"Requirement {key}: {state.status}.",
            "props": [_prop("requirement", key), _prop("requirement-status", state.status)],
            "target": {
                "type": "objective-id",
                "target-id": oscal_token(f"{framework.pk}.{state.ref}"),
                "status": {"state": objective_state, "reason": reason},
            },
        }
        if related:
            finding["related-observations"] = [{"observation-uuid": _uuid("check-run", pk)} for pk in related]
        findings.append(finding)
    reviewed = [{"control-id": oscal_token(f"{framework.pk}.{state.ref}")} for state in states if not state.is_group]
    result = {
        "uuid": _uuid("result", framework.pk, now.isoformat()),
        "title": f"{framework.name} {framework.version}: automated assessment",
        "description": (
            f"Latest automated check results for {framework.pk}. Score {score['score']} "
            f"(passing {score['passing']}, failing {score['failing']}, error {score['error']}, "
            f"attested {score['attested']}, manual {score['manual']})."
        ),
        "start": _time(min((run.started_at for run in used_runs.values()), default=now)),
        "end": _time(now),
        "props": [_prop("framework", framework.pk)]
        + ([] if score["score"] is None else [_prop("score", score["score"])]),
        "reviewed-controls": {
            "control-selections": [{"include-controls": reviewed} if reviewed else {"include-all": {}}]
        },
    }
    if used_runs:
        result["observations"] = [_observation(run) for run in sorted(used_runs.values(), key=lambda run: run.pk)]
    if findings:
        result["findings"] = findings
    return result


def oscal_assessment_results(*, framework_id: str | None = None, now: datetime | None = None) -> dict:
    """The OSCAL assessment-results document (a dict ready for json.dumps)."""
    now = now or timezone.now()
    frameworks = Framework.objects.order_by("id")
    if framework_id is not None:
        frameworks = frameworks.filter(pk=framework_id)
    runs = latest_check_runs()
    plan_uuid = _uuid("assessment-plan")
    return {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": {
                "title": "DBSBM portal: automated compliance assessment results",
                "last-modified": _time(now),
                "version": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {"href": f"#{plan_uuid}"},
            "results": [_result(framework, runs, now) for framework in frameworks],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan_uuid,
                        "title": "Automated checks of the DBSBM portal (apps/compliance/checks)",
                        "description": "The assessment plan is the registry of automated checks and their frequencies.",
                    }
                ]
            },
        }
    }
