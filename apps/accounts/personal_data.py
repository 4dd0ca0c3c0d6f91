"""What accounts.Member holds about a person (apps/core/personal_data.py).

Decisions:
- email, date of birth: restricted, so encrypted with the data key ring (email searchable through
  its blind index `email_index`, itself a keyed hash: internal, pseudonymous, not reversible).
- notes: highly restricted. Staff free text about a person is where health, financial trouble or
  gambling-harm remarks end up; it is sealed with the restricted RSA public key, and only processes
  given the private key (not the web process by default) can read it.
- username: the public Discord handle; discord_user_id: the platform identifier used for joins and
  uniqueness (both clear, indexed). display_name and country: confidential, clear (shown in lists,
  low sensitivity; country is a coarse demographic).
"""

from apps.core.personal_data import DataCategory, DataClass, declare_personal_data, no_member_rows

declare_personal_data(
    "accounts.Member",
    subject="",
    kind="member_profile",
    fields={
        "discord_user_id": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "identifies the member in the guild"),
        "username": (DataClass.PUBLIC, DataCategory.IDENTIFIER, "public Discord handle"),
        "display_name": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "name shown in the portal"),
        "email": (DataClass.RESTRICTED, DataCategory.CONTACT, "contact about the member's account"),
        "email_index": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "keyed hash of the email for exact lookup"),
        "date_of_birth": (DataClass.RESTRICTED, DataCategory.DEMOGRAPHIC, "age verification"),
        "country": (DataClass.CONFIDENTIAL, DataCategory.DEMOGRAPHIC, "jurisdiction rules"),
        "notes": (DataClass.HIGHLY_RESTRICTED, DataCategory.FREE_TEXT, "staff notes about the member"),
    },
    not_personal=["id", "tenant", "created_at", "updated_at"],
)


# --- staff users and API keys (classification part of issue 6) ---------------------------------
# Staff are people too: their account data is declared here. They are never members, so a member's
# data-subject request finds none of these rows (the subject filter matches nothing).


declare_personal_data(
    "accounts.User",
    subject=no_member_rows,
    kind="staff_account",
    fields={
        "username": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "staff login name"),
        "first_name": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "staff name"),
        "last_name": (DataClass.CONFIDENTIAL, DataCategory.IDENTIFIER, "staff name"),
        "email": (DataClass.CONFIDENTIAL, DataCategory.CONTACT, "staff work email"),
        "password": (DataClass.CONFIDENTIAL, DataCategory.TECHNICAL, "authentication (salted hash)"),
        "last_login": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "account security"),
        "date_joined": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "account administration"),
    },
    not_personal=["id", "is_superuser", "is_staff", "is_active"],
)

declare_personal_data(
    "accounts.ApiKey",
    subject=no_member_rows,
    kind="api_key",
    fields={
        "created_by": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "which staff user created the key"),
        "revoked_reason": (DataClass.INTERNAL, DataCategory.FREE_TEXT, "why the key was revoked"),
    },
    not_personal=[
        "id",
        "name",
        "prefix",
        "key_hash",
        "tenant",
        "parent",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ],
)
