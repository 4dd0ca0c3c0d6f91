"""A post-incident review as JSON (the API's and the export's shape) and as PDF (reportlab, the library the
compliance reports use: pure Python, and `invariant=1` makes the same review give the same bytes)."""

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Spacer, Table, TableStyle

from apps.incidents.models import Review

DURATION_LABELS = {
    "time_to_detect": "Time to detect",
    "time_to_acknowledge": "Time to acknowledge",
    "time_to_contain": "Time to contain",
    "time_to_recover": "Time to recover",
    "time_to_close": "Time to close",
}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def review_json(review: Review) -> dict[str, Any]:
    """The review with its incident's identity, durations, actions, impact, cost, findings and follow-ups."""
    incident = review.incident
    return {
        "id": review.pk,
        "incident": {
            "id": incident.pk,
            "reference": incident.reference,
            "title": incident.title,
            "kind": incident.kind,
            "severity": incident.severity,
            "status": incident.status,
            "owner": incident.owner.get_username() if incident.owner_id else None,
            "detected_at": _iso(incident.detected_at),
            "aware_at": _iso(incident.aware_at),
            "acknowledged_at": _iso(incident.acknowledged_at),
            "contained_at": _iso(incident.contained_at),
            "recovered_at": _iso(incident.recovered_at),
            "closed_at": _iso(incident.closed_at),
        },
        "status": review.status,
        "generated_at": _iso(review.generated_at),
        "durations": review.durations,
        "actions": review.actions,
        "impact": review.impact,
        "cost": {
            "amount": str(review.cost_amount) if review.cost_amount is not None else None,
            "currency": review.cost_currency,
            "notes": review.cost_notes,
        },
        "timeline_summary": review.summary,
        "root_cause": review.root_cause,
        "lessons_learned": review.lessons_learned,
        "recommendations": [
            {
                "id": follow_up.pk,
                "recommendation": follow_up.recommendation,
                "owner": follow_up.owner.get_username(),
                "due_on": follow_up.due_on.isoformat(),
                "status": follow_up.status,
            }
            for follow_up in review.follow_ups.select_related("owner").order_by("due_on", "id")
        ],
        "approved_by": review.approved_by.get_username() if review.approved_by_id else None,
        "approved_at": _iso(review.approved_at),
    }


def _escape(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "not reached"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{'-' if seconds < 0 else ''}{hours} h {rest // 60:02d} min ({seconds} s)"


def _table(rows: list[list[Any]], style) -> Table:
    table = Table([[Paragraph(_escape(cell), style) for cell in row] for row in rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _section(story: list, title: str, text: str, styles) -> None:
    story += [Spacer(1, 3 * mm), Paragraph(_escape(title), styles["Heading3"])]
    story.append(Paragraph(_escape(text) or "Not written yet.", styles["BodyText"]))


def review_pdf(review: Review) -> bytes:
    """The review as a PDF document."""
    data = review_json(review)
    incident = data["incident"]
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Post-incident review {incident['reference']}",
        author="DBSBM incident response",
        invariant=1,
    )
    story: list = [
        Paragraph(_escape(f"Post-incident review: {incident['reference']} {incident['title']}"), styles["Title"]),
        Paragraph(
            _escape(
                f"{incident['kind']} · severity {incident['severity']} · review {data['status']}"
                + (f" (approved by {data['approved_by']} at {data['approved_at']})" if data["approved_by"] else "")
            ),
            styles["BodyText"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("Durations from the first linked event", styles["Heading3"]),
        _table(
            [["Measure", "Duration"]]
            + [[label, _duration(data["durations"].get(key))] for key, label in DURATION_LABELS.items()],
            small,
        ),
        Spacer(1, 3 * mm),
        Paragraph("Impact", styles["Heading3"]),
    ]
    impact = data["impact"]
    story.append(
        _table(
            [["Tenants", "Members", "Cappers", "Bets", "Units"]]
            + [
                [
                    impact.get("tenants"),
                    impact.get("members"),
                    impact.get("cappers"),
                    impact.get("bets"),
                    impact.get("units"),
                ]
            ],  # fmt: skip
            small,
        )
    )
    story.append(Paragraph(_escape(impact.get("bets_basis", "")), small))
    story += [Spacer(1, 3 * mm), Paragraph("Actions taken", styles["Heading3"])]
    actions = [[a["position"], a["title"], a["status"], a["error"] or str(a["result"])[:300]] for a in data["actions"]]
    story.append(_table([["#", "Step", "Status", "Result"], *actions], small) if actions else Paragraph("None.", small))
    cost = data["cost"]
    cost_text = f"{cost['amount']} {cost['currency']}. {cost['notes']}" if cost["amount"] else cost["notes"]
    _section(story, "Cost", cost_text, styles)
    _section(story, "Root cause", data["root_cause"], styles)
    _section(story, "Lessons learned", data["lessons_learned"], styles)
    story += [Spacer(1, 3 * mm), Paragraph("Recommendations (follow-up tasks)", styles["Heading3"])]
    follow_ups = [[f["recommendation"], f["owner"], f["due_on"], f["status"]] for f in data["recommendations"]]
    story.append(
        _table([["Recommendation", "Owner", "Due", "Status"], *follow_ups], small)
        if follow_ups
        else Paragraph("None.", small)
    )
    story += [Spacer(1, 3 * mm), Paragraph("Timeline", styles["Heading3"])]
    story.append(Preformatted(data["timeline_summary"] or "(empty)", small, maxLineLength=140))
    document.build(story)
    return buffer.getvalue()
