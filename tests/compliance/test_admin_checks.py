"""Compliance admin writes go through audited services: check settings and manual attestations."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.models import CheckSetting, ManualAttestation, Requirement
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user):
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


def test_enabling_remediation_is_audited_and_refused_for_a_check_without_one(admin_client):
    url = "/admin/compliance/checksetting/add/"
    refused = admin_client.post(
        url, {"check_id": "access.privileged_mfa", "is_enabled": "on", "auto_remediation_enabled": "on"}
    )
    assert refused.status_code == 200
    assert "This check offers no auto-remediation." in refused.content.decode()
    assert not CheckSetting.objects.exists()

    response = admin_client.post(
        url, {"check_id": "access.idle_staff", "is_enabled": "on", "auto_remediation_enabled": "on"}
    )

    assert response.status_code == 302
    setting = CheckSetting.objects.get()
    assert setting.auto_remediation_enabled
    event = AuditEvent.objects.get(action="compliance.check_setting_changed")
    assert event.changes["auto_remediation_enabled"] == {"before": None, "after": True}


def test_an_attestation_uploaded_in_the_admin_is_hashed_owned_and_audited(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    requirement = Requirement.objects.get(framework_id="gdpr", ref="Art.33")
    upload = SimpleUploadedFile("drill.txt", b"breach notification drill, 2026-11")

    response = admin_client.post(
        "/admin/compliance/manualattestation/add/",
        {
            "requirement": requirement.pk,
            "statement": "Breach notification drill held; notified within 24 h.",
            "evidence_file": upload,
            "expires_at_0": "2027-11-30",
            "expires_at_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    attestation = ManualAttestation.objects.get()
    assert attestation.evidence_sha256 == hashlib.sha256(b"breach notification drill, 2026-11").hexdigest()
    assert attestation.owner.username == "root"
    assert AuditEvent.objects.filter(action="compliance.attestation_created", target_id=str(attestation.pk)).exists()
    assert (tmp_path / attestation.evidence_file.name).read_bytes() == b"breach notification drill, 2026-11"
