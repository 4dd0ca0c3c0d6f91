"""An undecryptable value on a staff page is a clear page with its own status, never a 500."""

from django.urls import reverse

from apps.accounts.choices import StaffRole
from tests.keyring.helpers import raw, set_raw
from tests.second_factor import verified_client


def test_the_admin_page_of_a_member_with_a_corrupted_email_names_field_and_row(client, staff_user, member):
    stored = raw("accounts_member", "email", member.pk)
    set_raw(
        "accounts_member", "email", member.pk, stored[:-6] + ("AAAAAA" if not stored.endswith("AAAAAA") else "BBBBBB")
    )
    verified_client(staff_user(StaffRole.SUPERUSER), client)

    response = client.get(reverse("admin:accounts_member_change", args=[member.pk]))

    assert response.status_code == 409
    body = response.content.decode()
    assert f"accounts.Member.email of row {member.pk} cannot be decrypted" in body
    assert "corrupted_ciphertext" in body
    assert "Traceback" not in body
    assert raw("accounts_member", "email", member.pk).endswith(("AAAAAA", "BBBBBB"))  # nothing was rewritten
