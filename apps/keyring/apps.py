from django.apps import AppConfig
from django.db.models.signals import post_migrate


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

    def ready(self) -> None:
        from apps.keyring.receivers import data_key_seed

        post_migrate.connect(data_key_seed, sender=self, dispatch_uid="keyring.data_key_seed")
