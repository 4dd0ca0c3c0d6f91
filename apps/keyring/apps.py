from django.apps import AppConfig


class KeyringConfig(AppConfig):
    """Encryption at rest: the versioned key ring, encrypted model fields and blind indexes.

    A deliberate split from DESIGN.md, where privacy owns encrypted fields and keys: the fields are
    used by models of every layer (members in accounts, IP addresses in audit and security), so they
    must sit just above core. The privacy app (policies, retention, requests) sits at the top and
    reads this one.
    """

    name = "apps.keyring"
    label = "keyring"
    verbose_name = "Encryption keys"
