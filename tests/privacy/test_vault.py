"""The pseudonym vault: same value same token, encrypted at rest, audited re-identification, forgetting."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.privacy.models import Pseudonym
from apps.privacy.services import forget, pseudonymize, reidentify
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

VALUE = "612345678901234567"


@pytest.fixture
def officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer")


@pytest.fixture
def support(staff_user):
    return staff_user(StaffRole.SUPPORT, username="helpdesk")


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_same_value_and_purpose_get_the_same_token():
    token = pseudonymize(VALUE, purpose="exports")
    assert token.startswith("psn_")
    assert pseudonymize(VALUE, purpose="exports") == token
    assert pseudonymize(VALUE, purpose="analytics") != token
    assert pseudonymize("612345678901234568", purpose="exports") != token
    assert Pseudonym.objects.count() == 3


def test_the_value_is_encrypted_at_rest_and_the_token_reveals_nothing():
    token = pseudonymize(VALUE, purpose="exports")
    with connection.cursor() as cursor:
        cursor.execute("SELECT value, value_index, token FROM privacy_pseudonym WHERE token = %s", [token])
        stored_value, stored_index, stored_token = cursor.fetchone()
    assert VALUE not in stored_value
    assert stored_value.startswith("v")  # "v<key version>:…" (apps.keyring)
    assert VALUE not in stored_index and VALUE not in stored_token
    assert Pseudonym.objects.get(token=token).value == VALUE


@pytest.mark.parametrize(("value", "purpose"), [("", "exports"), (None, "exports"), (VALUE, ""), (VALUE, "x" * 65)])
def test_pseudonymize_refuses_bad_input_and_writes_nothing(value, purpose):
    with pytest.raises(ApplicationError):
        pseudonymize(value, purpose=purpose)
    assert Pseudonym.objects.count() == 0


def test_compliance_officer_reidentifies_and_each_time_is_audited(officer, actor):
    token = pseudonymize(VALUE, purpose="exports")
    assert reidentify(token, actor=actor, user=officer, reason="DSR 42") == VALUE
    assert reidentify(token, actor=actor, user=officer, reason="DSR 42 again") == VALUE
    events = _events("privacy.pseudonym_reidentified")
    assert [event.reason for event in events] == ["DSR 42", "DSR 42 again"]
    assert events[0].changes == {"token": token, "purpose": "exports"}
    assert VALUE not in str(events[0].changes)
    assert Pseudonym.objects.get(token=token).reidentified_count == 2


def test_reidentification_without_the_permission_is_refused_and_audited(support, actor):
    token = pseudonymize(VALUE, purpose="exports")
    with pytest.raises(PermissionDeniedError) as refused:
        reidentify(token, actor=actor, user=support, reason="curious")
    assert refused.value.status_code == 403
    [event] = _events("privacy.reidentification_refused")
    assert event.changes == {"token": token, "code": "reidentify_forbidden"}
    assert _events("privacy.pseudonym_reidentified") == []
    assert Pseudonym.objects.get(token=token).reidentified_count == 0


@pytest.mark.parametrize("user_kind", ["none", "inactive"])
def test_reidentification_without_an_active_user_is_refused(officer, actor, user_kind):
    token = pseudonymize(VALUE, purpose="exports")
    user = None
    if user_kind == "inactive":
        officer.is_active = False
        officer.save(update_fields=["is_active"])
        user = officer
    with pytest.raises(PermissionDeniedError):
        reidentify(token, actor=actor, user=user, reason="DSR 1")
    assert len(_events("privacy.reidentification_refused")) == 1


def test_reidentification_needs_a_reason(officer, actor):
    token = pseudonymize(VALUE, purpose="exports")
    with pytest.raises(ApplicationError) as refused:
        reidentify(token, actor=actor, user=officer, reason="  ")
    assert refused.value.code == "reason_required"
    assert _events("privacy.reidentification_refused")[0].changes["code"] == "reason_required"


def test_unknown_token_is_a_404_and_audited(officer, actor):
    with pytest.raises(NotFoundError):
        reidentify("psn_nope", actor=actor, user=officer, reason="DSR 7")
    assert _events("privacy.reidentification_refused")[0].changes == {
        "token": "psn_nope",
        "code": "pseudonym_not_found",
    }


def test_forget_by_token(officer, actor):
    token = pseudonymize(VALUE, purpose="exports")
    other = pseudonymize(VALUE, purpose="analytics")
    assert forget(token, actor=actor, reason="erasure 9") == 1
    assert list(Pseudonym.objects.values_list("token", flat=True)) == [other]
    with pytest.raises(NotFoundError):
        reidentify(token, actor=actor, user=officer, reason="after erasure")
    assert _events("privacy.pseudonyms_forgotten")[0].changes == {"count": 1, "tokens": [token]}


def test_forget_by_value_in_every_purpose_or_one(actor):
    pseudonymize(VALUE, purpose="exports")
    kept = pseudonymize("someone else", purpose="exports")
    analytics = pseudonymize(VALUE, purpose="analytics")
    assert forget(VALUE, actor=actor, purpose="exports") == 1
    assert set(Pseudonym.objects.values_list("token", flat=True)) == {kept, analytics}
    assert forget(VALUE, actor=actor) == 1
    assert list(Pseudonym.objects.values_list("token", flat=True)) == [kept]
    assert forget(VALUE, actor=actor) == 0  # nothing left: still audited
    assert len(_events("privacy.pseudonyms_forgotten")) == 3


def test_forget_refuses_an_empty_value(actor):
    pseudonymize(VALUE, purpose="exports")
    with pytest.raises(ApplicationError):
        forget("", actor=actor)
    assert Pseudonym.objects.count() == 1


def test_compliance_officer_role_holds_the_reidentify_permission(officer, support):
    assert officer.has_perm("privacy.reidentify_pseudonym")
    assert not support.has_perm("privacy.reidentify_pseudonym")


def _post_action(client: Client, action: str, token: str, **extra):
    pseudonym = Pseudonym.objects.get(token=token)
    data = {"action": action, ACTION_CHECKBOX_NAME: [pseudonym.pk], **extra}
    return client.post(reverse("admin:privacy_pseudonym_changelist"), data)


def test_admin_reidentify_action_asks_for_a_reason_then_shows_the_value(officer):
    token = pseudonymize(VALUE, purpose="exports")
    client = verified_client(officer)
    asked = _post_action(client, "reidentify_selected", token)
    assert asked.status_code == 200
    assert VALUE not in asked.content.decode()
    assert _events("privacy.pseudonym_reidentified") == []
    shown = _post_action(client, "reidentify_selected", token, apply="yes", reason="DSR 42")
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    assert f'<td class="reidentified-value">{VALUE}</td>' in shown.content.decode()
    [event] = _events("privacy.pseudonym_reidentified")
    assert (event.actor_label, event.reason) == ("officer", "DSR 42")


def test_admin_pages_never_show_the_value(officer):
    token = pseudonymize(VALUE, purpose="exports")
    client = verified_client(officer)
    pseudonym = Pseudonym.objects.get(token=token)
    for url in (
        reverse("admin:privacy_pseudonym_changelist"),
        reverse("admin:privacy_pseudonym_change", args=[pseudonym.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert token in response.content.decode()
        assert VALUE not in response.content.decode()


def test_admin_reidentify_action_is_not_offered_without_the_permission(staff_user):
    user = staff_user(StaffRole.SUPPORT, username="viewer")
    token = pseudonymize(VALUE, purpose="exports")
    client = verified_client(user)
    response = _post_action(client, "reidentify_selected", token, apply="yes", reason="curious")
    # support may not even see the vault: the changelist itself is refused
    assert response.status_code == 403
    assert _events("privacy.pseudonym_reidentified") == []
