"""Reads of the compliance app: requirement statuses, framework scores, failing checks, run history.

Scoring (one formula everywhere: API, portal, reports, OSCAL export, daily snapshots):

* a requirement's status comes from the latest run of every check that evidences it: any ``fail`` makes
  it *failing*, else any ``error`` *error*, else any ``pass`` *passing*, else (all ``not_applicable``)
  *not applicable*; with no automated result, a valid (unrevoked, unexpired) manual attestation makes it
  *attested*; with neither it is *manual* — shown, never counted as passing;
* groups (headings of the tree) have no status of their own;
* score = 100 × (passing + attested) / (passing + failing + error + attested); manual and not-applicable
  requirements are outside the denominator (the coverage, assessed / total, is reported beside the score);
  no assessed requirement gives ``None``, not 0 or 100.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from apps.compliance.checks.registry import checks_for
from apps.compliance.choices import SEVERITY_RANK, CheckStatus, RequirementStatus
from apps.compliance.models import CheckRun, Framework, ManualAttestation, Requirement, ScoreSnapshot

_RUN_TO_STATUS = {
    CheckStatus.FAIL: RequirementStatus.FAILING,
    CheckStatus.ERROR: RequirementStatus.ERROR,
    CheckStatus.PASS: RequirementStatus.PASSING,
    CheckStatus.NOT_APPLICABLE: RequirementStatus.NOT_APPLICABLE,
}
_PRECEDENCE = [CheckStatus.FAIL, CheckStatus.ERROR, CheckStatus.PASS, CheckStatus.NOT_APPLICABLE]


def latest_check_runs(*, check_ids: list[str] | None = None) -> list[CheckRun]:
    """The newest run of each check (of the given checks), oldest check id first."""
    registered = {check.id for check in checks_for()}
    wanted = registered if check_ids is None else registered & set(check_ids)
    last_ids = (
        CheckRun.objects.filter(check_id__in=sorted(wanted)).values("check_id").annotate(last=Max("id")).values("last")
    )
    return list(CheckRun.objects.filter(pk__in=last_ids).order_by("check_id"))


def check_run_list(*, check_id: str | None = None, status: str | None = None) -> QuerySet[CheckRun]:
    """Runs, newest first; optionally of one check or with one status."""
    runs = CheckRun.objects.all()
    if check_id:
        runs = runs.filter(check_id=check_id)
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-started_at", "-id")


def failing_checks() -> list[CheckRun]:
    """The latest run of each check, kept when it failed or errored (worst severity first)."""
    runs = [run for run in latest_check_runs() if run.status in (CheckStatus.FAIL, CheckStatus.ERROR)]
    return sorted(
        runs, key=lambda run: (run.status != CheckStatus.FAIL, -SEVERITY_RANK.get(run.severity, -1), run.check_id)
    )


def valid_attestations(*, now: datetime | None = None) -> QuerySet[ManualAttestation]:
    now = now or timezone.now()
    return ManualAttestation.objects.filter(revoked_at__isnull=True, expires_at__gt=now)


@dataclass
class RequirementState:
    ref: str
    title: str
    status: str
    is_group: bool
    parent_ref: str | None
    checks: list[dict] = field(default_factory=list)
    attestation_id: int | None = None


def _runs_by_requirement(runs: list[CheckRun]) -> dict[str, list[CheckRun]]:
    by_key: dict[str, list[CheckRun]] = defaultdict(list)
    for run in runs:
        for key in run.requirements or []:
            by_key[key].append(run)
    return by_key


def _status_of(runs: list[CheckRun], attested: bool) -> str:
    statuses = {run.status for run in runs}
    for status in _PRECEDENCE:
        if status in statuses:
            return _RUN_TO_STATUS[status]
    return RequirementStatus.ATTESTED if attested else RequirementStatus.MANUAL


def _run_row(run: CheckRun) -> dict:
    return {
        "check_run_id": run.pk,
        "check_id": run.check_id,
        "status": run.status,
        "severity": run.severity,
        "summary": run.summary,
        "evidence_sha256": run.evidence_sha256,
        "started_at": run.started_at,
    }


def _requirement_rows(framework_ids: list[str] | None) -> dict[str, list[Requirement]]:
    rows = Requirement.objects.select_related("parent").only(
        "id", "framework_id", "ref", "title", "is_group", "parent__ref", "position"
    )
    if framework_ids is not None:
        rows = rows.filter(framework_id__in=framework_ids)
    by_framework: dict[str, list[Requirement]] = defaultdict(list)
    for row in rows.order_by("framework_id", "position", "ref"):
        by_framework[row.framework_id].append(row)
    return by_framework


def _attestation_ids(framework_ids: list[str] | None) -> dict[int, int]:
    attestations = valid_attestations()
    if framework_ids is not None:
        attestations = attestations.filter(requirement__framework_id__in=framework_ids)
    return dict(attestations.order_by("requirement_id", "expires_at").values_list("requirement_id", "pk"))


def _states(framework_id: str, requirements, by_key, attestations) -> list[RequirementState]:
    states = []
    for requirement in requirements:
        own_runs = by_key.get(f"{framework_id}:{requirement.ref}", [])
        attestation = attestations.get(requirement.pk)
        status = "" if requirement.is_group and not own_runs else _status_of(own_runs, attestation is not None)
        states.append(
            RequirementState(
                ref=requirement.ref,
                title=requirement.title,
                status=status,
                is_group=requirement.is_group and not own_runs,
                parent_ref=requirement.parent.ref if requirement.parent_id else None,
                checks=[_run_row(run) for run in own_runs],
                attestation_id=attestation,
            )
        )
    return states


def requirement_statuses(*, framework_id: str, runs: list[CheckRun] | None = None) -> list[RequirementState]:
    """Every requirement of a framework in catalogue order, with its status and latest check results."""
    runs = latest_check_runs() if runs is None else runs
    requirements = _requirement_rows([framework_id]).get(framework_id, [])
    return _states(framework_id, requirements, _runs_by_requirement(runs), _attestation_ids([framework_id]))


def score_of(states: list[RequirementState]) -> dict:
    """Counts and the score of a framework from its requirement states (see the module docstring)."""
    counts = defaultdict(int)
    for state in states:
        if not state.is_group:
            counts[state.status] += 1
    passing, attested = counts[RequirementStatus.PASSING], counts[RequirementStatus.ATTESTED]
    failing, error = counts[RequirementStatus.FAILING], counts[RequirementStatus.ERROR]
    assessed = passing + failing + error + attested
    total = sum(counts.values())
    return {
        "score": round(100 * (passing + attested) / assessed, 1) if assessed else None,
        "passing": passing,
        "failing": failing,
        "error": error,
        "attested": attested,
        "manual": counts[RequirementStatus.MANUAL],
        "not_applicable": counts[RequirementStatus.NOT_APPLICABLE],
        "requirement_count": total,
        "coverage": round(100 * assessed / total, 1) if total else None,
    }


def framework_scores(*, framework_id: str | None = None) -> list[dict]:
    """[{id, name, version, source, score, passing, failing, error, attested, manual, requirement_count, coverage}].

    A fixed number of queries whatever the number of frameworks (the API list and the dashboard use it).
    """
    frameworks = list(
        Framework.objects.order_by("id") if framework_id is None else Framework.objects.filter(pk=framework_id)
    )
    ids = None if framework_id is None else [framework_id]
    by_key = _runs_by_requirement(latest_check_runs())
    requirements, attestations = _requirement_rows(ids), _attestation_ids(ids)
    return [
        {"id": framework.pk, "name": framework.name, "version": framework.version, "source": framework.source}
        | score_of(_states(framework.pk, requirements.get(framework.pk, []), by_key, attestations))
        for framework in frameworks
    ]


def framework_list() -> QuerySet[Framework]:
    """Frameworks with their number of (non-group) requirements."""
    return Framework.objects.annotate(
        requirement_count=Count("requirements", filter=Q(requirements__is_group=False))
    ).order_by("id")


def requirement_detail(*, framework_id: str, ref: str) -> dict | None:
    """One requirement: its status, the latest run of each check evidencing it (with evidence), the
    recent history of those checks, valid attestations and mappings to other frameworks."""
    requirement = (
        Requirement.objects.select_related("framework", "parent").filter(framework_id=framework_id, ref=ref).first()
    )
    if requirement is None:
        return None
    key = requirement.key
    runs = [run for run in latest_check_runs() if key in (run.requirements or [])]
    attestations = list(valid_attestations().filter(requirement=requirement).select_related("owner"))
    mapped = [mapping.target.key for mapping in requirement.mappings_out.select_related("target")] + [
        mapping.source.key for mapping in requirement.mappings_in.select_related("source")
    ]
    return {
        "framework": requirement.framework,
        "requirement": requirement,
        "key": key,
        "status": _status_of(runs, bool(attestations)) if runs or not requirement.is_group else "",
        "latest_runs": runs,
        "history": list(
            CheckRun.objects.filter(check_id__in=[run.check_id for run in runs]).order_by("-started_at", "-id")[:50]
        ),
        "attestations": attestations,
        "mapped_requirements": sorted(mapped),
        "children": list(requirement.children.order_by("position", "ref")),
    }


def score_trend(*, framework_id: str, days: int = 90) -> list[ScoreSnapshot]:
    """Daily snapshots of a framework's score, oldest first."""
    return list(ScoreSnapshot.objects.filter(framework_id=framework_id).order_by("-day")[:days])[::-1]
