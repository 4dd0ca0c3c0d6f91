"""Every read of the fraud app: cases for the API and the admin, and each detector's precision."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from apps.core.errors import NotFoundError
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.models import FraudCase, FraudCaseMember, FraudLabel


def fraud_case_list(*, kind: str | None = None, status: str | None = None) -> QuerySet[FraudCase]:
    """Cases, newest first, with their members (tenant and Discord user id) in one extra query."""
    cases = FraudCase.objects.select_related("assignee").prefetch_related(
        Prefetch(
            "members",
            queryset=FraudCaseMember.objects.select_related("capper__tenant", "capper__member").order_by("capper_id"),
        )
    )
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    return cases


def fraud_case_get(*, case_id: int) -> FraudCase:
    case = fraud_case_list().filter(pk=case_id).first()
    if case is None:
        raise NotFoundError(_("No fraud case %(case_id)s.") % {"case_id": case_id}, code="fraud_case_not_found")
    return case


def detector_precision() -> list[dict]:
    """Per detector: cases confirmed and dismissed by analysts (the latest verdict of each case) and the
    precision confirmed / (confirmed + dismissed); None until a case of that kind has a verdict."""
    latest = FraudLabel.objects.filter(case=OuterRef("case")).order_by("-id").values("id")[:1]
    counts = {
        row["kind"]: row
        for row in FraudLabel.objects.filter(id=Subquery(latest))
        .values("kind")
        .annotate(
            confirmed=Count("id", filter=Q(verdict=CaseStatus.CONFIRMED)),
            dismissed=Count("id", filter=Q(verdict=CaseStatus.DISMISSED)),
        )
    }
    report = []
    for kind in FraudKind:
        confirmed = counts.get(kind.value, {}).get("confirmed", 0)
        dismissed = counts.get(kind.value, {}).get("dismissed", 0)
        labelled = confirmed + dismissed
        report.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "confirmed": confirmed,
                "dismissed": dismissed,
                "precision": round(confirmed / labelled, 4) if labelled else None,
            }
        )
    return report


def fraud_case_rows() -> list[dict]:
    """Every case as a plain row for the case-ranking model (issue #16): id, kind, score, detection count,
    first detection, status, capper ids, and its latest analyst verdict (None while undecided) with its time."""
    latest = FraudLabel.objects.filter(case=OuterRef("pk")).order_by("-id")
    rows = list(
        FraudCase.objects.annotate(
            verdict=Subquery(latest.values("verdict")[:1]), verdict_at=Subquery(latest.values("created_at")[:1])
        )
        .order_by("first_detected_at", "id")
        .values("id", "kind", "score", "detection_count", "first_detected_at", "status", "verdict", "verdict_at")
    )
    members: dict[int, list[int]] = {}
    for case_id, capper_id in FraudCaseMember.objects.order_by("case_id", "capper_id").values_list(
        "case_id", "capper_id"
    ):
        members.setdefault(case_id, []).append(capper_id)
    for row in rows:
        row["capper_ids"] = members.get(row["id"], [])
    return rows


def fraud_case_open() -> QuerySet[FraudCase]:
    """Cases still being worked (new or investigating), strongest evidence first (the dashboard's widget)."""
    return FraudCase.objects.filter(status__in=[CaseStatus.NEW, CaseStatus.INVESTIGATING]).order_by("-score", "-pk")
