"""Portal fixtures: staff of each role with a confirmed TOTP device, clients signed in with a verified
second factor, and compliance rows (frameworks, requirements, check runs) to look at."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.compliance.models import CheckRun, Framework, Requirement
from tests.second_factor import verified_client


@pytest.fixture
def portal_user(staff_user):
    """portal_user(role, username=None) -> a staff user of that role with a confirmed TOTP device."""

    def _make(role: str, username: str | None = None, device: bool = True):
        user = staff_user(role, **({"username": username} if username else {}))
        if device:
            TOTPDevice.objects.create(user=user, name="portal", confirmed=True)
        return user

    return _make


@pytest.fixture
def officer(portal_user):
    return portal_user(StaffRole.COMPLIANCE_OFFICER, username="officer")


@pytest.fixture
def analyst(portal_user):
    return portal_user(StaffRole.SECURITY_ANALYST, username="analyst")


@pytest.fixture
def officer_client(officer):
    return verified_client(officer)


@pytest.fixture
def analyst_client(analyst):
    return verified_client(analyst)


def evidence_hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def make_check_run(check_id: str, status: str, requirements: list[str], *, severity: str = "high", **evidence):
    now = timezone.now()
    data = {"check": check_id, **evidence}
    return CheckRun.objects.create(
        check_id=check_id,
        check_version="1",
        severity=severity,
        status=status,
        summary=f"{check_id}: {status}",
        requirements=requirements,
        evidence=data,
        evidence_sha256=evidence_hash(data),
        duration_ms=3,
        started_at=now - timedelta(seconds=1),
        finished_at=now,
        trigger="manual",
    )


@pytest.fixture
def catalogue(db):
    """A small framework with a group and three requirements, and check runs over two of them."""
    framework, _ = Framework.objects.update_or_create(
        pk="portaltest", defaults={"name": "Portal Test Framework", "version": "1.0"}
    )
    group = Requirement.objects.create(framework=framework, ref="PT-1", title="Access", is_group=True, position=1)
    Requirement.objects.create(framework=framework, ref="PT-1.1", title="MFA for admins", parent=group, position=2)
    Requirement.objects.create(framework=framework, ref="PT-1.2", title="Key rotation", parent=group, position=3)
    Requirement.objects.create(framework=framework, ref="PT-2", title="Paper policy", position=4)
    failing = make_check_run("portal.mfa", "fail", ["portaltest:PT-1.1"], users=["root"])
    passing = make_check_run("portal.keys", "pass", ["portaltest:PT-1.2"], severity="medium", keys=2)
    return {"framework": framework, "failing": failing, "passing": passing}
