"""Signals of the accounts app. Receivers (the security app) record them; they must be cheap and never raise."""

from django.dispatch import Signal

# An API request presented a key that cannot be used. Never carries the secret: only the public
# prefix (blank when the string cannot be one of our keys).
# request: HttpRequest, reason: "invalid" | "malformed" | "revoked" | "expired", prefix: str, guild_id: str
api_key_rejected = Signal()

# Staff viewed a person's data in the back office.
# actor: apps.core.actors.Actor, subject_type: str, subject_id: str, guild_id: str, fields: list[str]
personal_data_viewed = Signal()
