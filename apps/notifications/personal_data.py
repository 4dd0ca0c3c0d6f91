"""What the notification layer holds about people (apps/core/personal_data.py).

Decisions: recipients are staff (users, role holders) and the addresses staff typed into rules, never
members; a notification's text names events by id and label (no member data: the sources build their
context without it). Deliveries keep the e-mail addresses they went to, preferences a person's hours.
"""

from apps.core.personal_data import DataCategory, DataClass, declare_personal_data, no_member_rows

declare_personal_data(
    "notifications.Delivery",
    subject=no_member_rows,
    kind="notification_delivery",
    fields={
        "user": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "which staff user a copy went to"),
        "addresses": (DataClass.CONFIDENTIAL, DataCategory.CONTACT, "the staff e-mail addresses a copy went to"),
    },
    not_personal=[
        "id",
        "notification",
        "key",
        "channel",
        "webhook",
        "discord_channel",
        "status",
        "attempts",
        "replays",
        "not_before",
        "next_attempt_at",
        "last_error",
        "response_status",
        "sent_at",
        "created_at",
        "updated_at",
    ],
)

declare_personal_data(
    "notifications.NotificationPreference",
    subject=no_member_rows,
    kind="notification_preference",
    fields={
        "user": (DataClass.INTERNAL, DataCategory.IDENTIFIER, "whose preferences"),
        "quiet_hours_start": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "when not to disturb the person"),
        "quiet_hours_end": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "when not to disturb the person"),
        "time_zone": (DataClass.INTERNAL, DataCategory.BEHAVIOURAL, "the person's local time"),
    },
    not_personal=["id", "channels"],
)
