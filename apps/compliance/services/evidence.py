"""Evidence from other apps' activity: key rotations and detector runs, linked to the requirements they serve."""

import json

from django.db import transaction
from django.utils import timezone

from apps.compliance.choices import EvidenceKind
from apps.compliance.models import EvidenceItem, Requirement
from apps.compliance.services.runs import evidence_digest

# what each kind of activity evidences ("framework:ref")
EVIDENCE_REQUIREMENTS = {
    EvidenceKind.KEY_ROTATION: [
        "pci_dss:3.7.4",
        "pci_dss:3.6.1",
        "iso27001:A.8.24",
        "nist_csf:PR.DS-01",
        "hipaa:164.312(a)(2)(iv)",
        "gdpr:Art.32(1)(a)",
    ],
    EvidenceKind.DETECTOR_RUN: [
        "betting_integrity:BI-3.1",
        "soc2:CC7.2",
        "nist_csf:DE.CM-01",
        "pci_dss:10.7.2",
        "iso27001:A.8.16",
    ],
}


def _requirements(keys: list[str]) -> list[Requirement]:
    wanted = [tuple(key.split(":", 1)) for key in keys]
    rows = Requirement.objects.filter(framework_id__in={framework for framework, _ in wanted})
    return [row for row in rows if (row.framework_id, row.ref) in set(wanted)]


@transaction.atomic
def evidence_record(
    *, kind: str, source: str, summary: str, data: dict, requirements: list[str] | None = None
) -> EvidenceItem:
    """Store one evidence item with the SHA-256 of its data, linked to its requirements."""
    data = json.loads(json.dumps(data, default=str))
    item = EvidenceItem.objects.create(
        kind=kind,
        source=source[:100],
        summary=summary[:300],
        data=data,
        sha256=evidence_digest(data),
        collected_at=timezone.now(),
    )
    item.requirements.set(_requirements(requirements or EVIDENCE_REQUIREMENTS.get(kind, [])))
    return item
