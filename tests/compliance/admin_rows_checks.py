"""Admin seed rows of the compliance catalogue, checks, evidence, scores and attestations (tests/admin)."""

from datetime import timedelta

from django.utils import timezone

from apps.compliance.checks.registry import checks_for
from apps.compliance.choices import EvidenceKind
from apps.compliance.models import CheckSetting, Framework, Requirement
from apps.compliance.services.attestations import attestation_create
from apps.compliance.services.catalogues import Catalogue, CatalogueNode, catalogue_sync
from apps.compliance.services.evidence import evidence_record
from apps.compliance.services.runs import check_run_execute
from apps.compliance.services.scores import score_snapshots_take
from apps.core.actors import Actor
from tests.factories import UserFactory


def compliance_check_rows(*, actor: Actor, rows: int) -> None:
    """Frameworks with requirements, check runs and settings, evidence, snapshots and attestations."""
    for number in range(rows):
        catalogue_sync(
            catalogue=Catalogue(
                id=f"admin-seed-{number:02}",
                name=f"Seed framework {number:02}",
                version="1",
                source="catalogue",
                nodes=[CatalogueNode(ref="G", title="Group", is_group=True, children=[CatalogueNode("G.1", "One")])],
            ),
            actor=actor,
        )
    checks = [check for check in checks_for() if check.id != "platform.deploy_check"]  # no subprocess here
    for number in range(rows):
        check = checks[number % len(checks)]
        check_run_execute(check=check, trigger="manual")
        CheckSetting.objects.get_or_create(check_id=f"{check.id}.seed{number:02}")
        evidence_record(
            kind=EvidenceKind.DETECTOR_RUN,
            source="apps.fraud.tasks.fraud_scan_task",
            summary=f"seed {number}",
            data={"n": number},
        )
    score_snapshots_take()
    owner = UserFactory(username="attesting-officer")
    requirements = list(Requirement.objects.filter(is_group=False).order_by("pk")[:rows])
    for number, requirement in enumerate(requirements):
        attestation_create(
            requirement=requirement,
            statement=f"Reviewed by hand ({number}).",
            owner=owner,
            expires_at=timezone.now() + timedelta(days=90),
            actor=actor,
        )
    assert Framework.objects.count() >= rows
