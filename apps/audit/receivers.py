"""Changes of the key ring (a lower layer, which cannot import the audit trail) recorded in it, and the
exports of lists (apps.core.exports) too."""

from django.db import transaction
from django.dispatch import receiver

from apps.audit.services import audit_record
from apps.core.actors import actor_for_request
from apps.core.signals import list_exported
from apps.keyring.models import DataKey
from apps.keyring.signals import data_key_created, keys_rotated, master_key_rotated


@receiver(data_key_created, dispatch_uid="audit.data_key_created")
def record_data_key_created(sender, version, previous_version, actor, **kwargs) -> None:
    # sent inside the creating transaction: the audit row commits (or not) with the key
    audit_record(
        actor=actor,
        action="keyring.data_key_created",
        target=DataKey.objects.get(version=version),
        changes={"active_version": {"before": previous_version, "after": version}},
    )


@receiver(keys_rotated, dispatch_uid="audit.keys_rotated")
def record_keys_rotated(sender, active_version, reencrypted, failed, retired_versions, actor, **kwargs) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="keyring.keys_rotated",
            changes={
                "active_version": {"before": None, "after": active_version},
                "reencrypted_rows": {"before": None, "after": reencrypted},
                "retired_versions": {"before": None, "after": retired_versions},
                "failed_rows": {"before": None, "after": len(failed)},
            },
            reason="; ".join(failed)[:2000],
        )


@receiver(master_key_rotated, dispatch_uid="audit.master_key_rotated")
def record_master_key_rotated(sender, old_fingerprint, new_fingerprint, data_keys, reindexed, actor, **kwargs) -> None:
    # sent inside the rotating transaction: the audit row commits (or not) with the rotation
    audit_record(
        actor=actor,
        action="keyring.master_key_rotated",
        changes={
            "master_key_fingerprint": {"before": old_fingerprint, "after": new_fingerprint},
            "data_keys_rewrapped": {"before": None, "after": data_keys},
            "blind_indexes_recomputed": {"before": None, "after": sum(reindexed.values())},
        },
    )


@receiver(list_exported, dispatch_uid="audit.list_exported")
def record_list_exported(sender, request, list_name, fmt, rows, filters, **kwargs) -> None:
    # who took which rows out of the platform: the list, the format, how many rows and the filters used
    with transaction.atomic():
        audit_record(
            actor=actor_for_request(request),
            action="core.list_exported",
            changes={"list": list_name, "format": fmt, "rows": rows, "filters": filters[:1000]},
        )
