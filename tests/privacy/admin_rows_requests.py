"""Seed rows of the consent, data-subject request and PIA admin pages (called by tests/admin/conftest.py:_seed)."""

from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import Member, User
from apps.core.actors import Actor
from apps.privacy.choices import ConsentAction, RequestKind
from apps.privacy.models import DataExport, DataSubjectRequest, DeletionCertificate
from apps.privacy.services.assessments import pia_create, pia_decide, pia_submit
from apps.privacy.services.consent import consent_record
from apps.privacy.services.erasure import certificate_hash
from apps.privacy.services.requests import request_assign, request_receive, request_verify_identity
from apps.privacy.services.sla import privacy_deadlines_check

QUESTIONNAIRE = {
    "data_categories": ["identifier", "behavioural"],
    "subject_scale": "under_100k",
    "automated_decisions": False,
    "profiling": True,
    "cross_border_transfer": False,
    "special_categories": False,
    "retention_days": 365,
    "new_technology": False,
}


def privacy_request_admin_rows(*, actor: Actor, rows: int) -> None:
    """Per member: consents, a request (verified, assigned; every other one overdue, hence an alert), an export
    and a deletion certificate row (metadata only: the admin shows no file and erases no one), and PIAs."""
    members = list(Member.objects.select_related("tenant").order_by("pk")[:rows])
    staff = list(User.objects.filter(is_staff=True).order_by("pk")[: rows + 1])
    kinds = list(RequestKind)
    for number, member in enumerate(members):
        consent_record(member=member, actor=actor, code="data_processing", action=ConsentAction.GRANTED)
        kind = kinds[number % len(kinds)]
        details = {"changes": {"country": "DE"}} if kind == RequestKind.RECTIFICATION else {"note": "seed"}
        dsr = request_receive(actor=actor, member=member, kind=kind, details=details)
        # verifying is a staff person's act: the assignee-to-be verifies (someone else would complete)
        verifier = staff[number]
        request_verify_identity(
            request=dsr,
            actor=Actor(kind="user", identifier=str(verifier.pk), label=verifier.get_username()),
            method="discord_dm",
        )
        request_assign(request=dsr, actor=actor, assignee=staff[number].get_username())
        if number % 2:
            DataSubjectRequest.objects.filter(pk=dsr.pk).update(
                received_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10)
            )
        DataExport.objects.create(
            request=dsr, file_name=f"requests/{dsr.pk}/seed.zip", sha256=f"{number:064x}", size_bytes=100,
            manifest={"files": []}, created_by="seed",
        )  # fmt: skip
        content = {"request_id": dsr.pk, "member_pseudonym": f"psn_seed{number}", "erased": {}, "retained": {}}
        DeletionCertificate.objects.create(
            request=dsr, member_pseudonym=f"psn_seed{number}", erased={}, retained={}, erased_at=timezone.now(),
            erased_by="seed", content=content, content_sha256=certificate_hash(content),
        )  # fmt: skip
        pia = pia_create(
            actor=actor, author=staff[number], title=f"Assessment {number:02}", processing="Seeded processing.",
            questionnaire=QUESTIONNAIRE,
        )  # fmt: skip
        if number % 3 == 0:
            pia_submit(pia=pia, actor=actor)
            pia_decide(pia=pia, actor=actor, reviewer=staff[number + 1], approve=True)
    privacy_deadlines_check()
