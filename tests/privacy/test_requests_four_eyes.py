"""Four eyes on data-subject requests, in the services (so the API, the admin and the portal all obey it):
verifying, completing, rejecting and downloading are a staff person's acts, never an API key's or a job's,
and completion needs someone other than whoever filed or verified the request."""

import pytest
from django.forms.models import model_to_dict

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.core.errors import PermissionDeniedError
from apps.privacy.choices import RequestKind, RequestStatus
from apps.privacy.models import DataExport, DataSubjectRequest, DataSubjectRequestEvent, DeletionCertificate
from apps.privacy.services.exports import export_download
from apps.privacy.services.requests import (
    request_complete,
    request_four_eyes_refusal,
    request_receive,
    request_reject,
    request_verify_identity,
)
from tests.actors import staff_actor
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_actor(make_key):
    api_key, _ = make_key(["privacy:read", "privacy:write"])
    return Actor(kind="api_key", identifier=str(api_key.pk), label=api_key.prefix)


@pytest.fixture
def filed(tenant, key_actor, export_dir):
    """file(kind) -> a request filed by the platform key (as the bot files them)."""

    def _file(kind=RequestKind.ACCESS, **extra):
        details = {"changes": {"country": "DE"}} if kind == RequestKind.RECTIFICATION else {}
        member = MemberFactory(tenant=tenant)
        return request_receive(actor=key_actor, member=member, kind=kind, details=details, **extra)

    return _file


def _state(dsr: DataSubjectRequest) -> dict:
    """Everything a refused action must leave as it was."""
    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    return {
        "row": model_to_dict(row),
        "updated_at": row.updated_at,
        "history": DataSubjectRequestEvent.objects.filter(request=row).count(),
        "audit": AuditEvent.objects.count(),
        "exports": DataExport.objects.filter(request=row).count(),
        "certificates": DeletionCertificate.objects.filter(request=row).count(),
    }


def test_filing_records_who_filed_and_verifying_records_who_verified(filed, key_actor, officers):
    dsr = filed()

    verified = request_verify_identity(request=dsr, actor=staff_actor(officers[0]), method="discord_dm")

    assert dsr.filed_by_actor == f"api_key:{key_actor.identifier}" and dsr.requested_by == key_actor.label
    assert verified.verified_by_actor == f"user:{officers[0].pk}" and verified.verified_by == "ann"


@pytest.mark.parametrize("who", ["api_key", "system", "not_staff", "inactive"])
@pytest.mark.parametrize("action", ["verify", "complete", "reject", "download"])
def test_only_an_active_staff_person_verifies_completes_rejects_or_downloads(
    filed, key_actor, officers, staff_user, who, action
):
    dsr = filed()
    if action in ("complete", "download"):
        request_verify_identity(request=dsr, actor=staff_actor(officers[0]), method="discord_dm")
    if action == "download":
        request_complete(request=dsr, actor=staff_actor(officers[1]))
    nobody = staff_user(StaffRole.COMPLIANCE_OFFICER, username="gone")
    nobody.is_staff, nobody.is_active = who != "not_staff", who != "inactive"
    nobody.save()
    actor = {"api_key": key_actor, "system": Actor.system("a job")}.get(who) or staff_actor(nobody)
    calls = {
        "verify": lambda: request_verify_identity(request=dsr, actor=actor, method="discord_dm"),
        "complete": lambda: request_complete(request=dsr, actor=actor),
        "reject": lambda: request_reject(request=dsr, actor=actor, reason="no"),
        "download": lambda: export_download(export=DataExport.objects.get(request=dsr), actor=actor),
    }
    before = _state(dsr)
    downloads = list(DataExport.objects.filter(request=dsr).values_list("downloaded_count", flat=True))

    with pytest.raises(PermissionDeniedError) as refused:
        calls[action]()

    assert refused.value.code == "staff_only" and refused.value.status_code == 403
    assert "/portal/privacy/requests/" in refused.value.message
    assert _state(dsr) == before
    assert list(DataExport.objects.filter(request=dsr).values_list("downloaded_count", flat=True)) == downloads


@pytest.mark.parametrize("kind", [RequestKind.ACCESS, RequestKind.ERASURE, RequestKind.RECTIFICATION])
def test_whoever_verified_the_identity_may_not_complete_the_request(filed, officers, kind):
    dsr = filed(kind)
    verifier = staff_actor(officers[0])
    request_verify_identity(request=dsr, actor=verifier, method="id_document")
    before = _state(dsr)

    with pytest.raises(PermissionDeniedError) as refused:
        request_complete(request=dsr, actor=verifier, resolution="done")

    assert refused.value.code == "four_eyes"
    assert refused.value.message == (
        "Four eyes: you verified the requester's identity, so another staff member must complete this request."
    )
    assert _state(dsr) == before
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.IN_PROGRESS
    completed = request_complete(request=dsr, actor=staff_actor(officers[1]), resolution="done")
    assert completed.status == RequestStatus.COMPLETED


def test_whoever_filed_the_request_may_not_complete_it(tenant, officers, export_dir):
    filer, verifier, third = (staff_actor(officer) for officer in officers)
    dsr = request_receive(actor=filer, member=MemberFactory(tenant=tenant), kind=RequestKind.ERASURE)
    request_verify_identity(request=dsr, actor=verifier, method="in_person")
    before = _state(dsr)

    with pytest.raises(PermissionDeniedError) as refused:
        request_complete(request=dsr, actor=filer)

    assert refused.value.code == "four_eyes"
    assert refused.value.message == "Four eyes: you filed this request, so another staff member must complete it."
    assert _state(dsr) == before
    assert not DeletionCertificate.objects.exists()
    assert request_complete(request=dsr, actor=third).status == RequestStatus.COMPLETED


def test_a_request_verified_before_identities_were_recorded_compares_the_verifiers_name(filed, officers):
    dsr = filed()
    request_verify_identity(request=dsr, actor=staff_actor(officers[0]), method="discord_dm")
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(verified_by_actor="")  # a row from before the migration

    legacy = DataSubjectRequest.objects.get(pk=dsr.pk)

    with pytest.raises(PermissionDeniedError):
        request_complete(request=legacy, actor=staff_actor(officers[0]))

    refusal = request_four_eyes_refusal(request=legacy, actor=staff_actor(officers[0]))
    assert refusal.startswith("Four eyes: you verified")
    assert request_four_eyes_refusal(request=legacy, actor=staff_actor(officers[1])) == ""


def test_rejecting_needs_no_second_person(filed, officers):
    dsr = filed()
    officer = staff_actor(officers[0])
    request_verify_identity(request=dsr, actor=officer, method="discord_dm")

    rejected = request_reject(request=dsr, actor=officer, reason="the account holder withdrew it")

    assert rejected.status == RequestStatus.REJECTED
