"""Domain signals of the key ring (the audit trail and compliance evidence listen to them).

data_key_created: version, previous_version (or None), actor — sent inside the creating transaction.
keys_rotated: active_version, reencrypted (rows), failed (list of "model.field row pk: reason"),
retired_versions (list), actor — sent after a rotation run, outside any transaction.
master_key_rotated: old_fingerprint, new_fingerprint, data_keys (count), reindexed ({"app.Model.field":
rows}), actor — sent inside the rotating transaction.
"""

from django.dispatch import Signal

data_key_created = Signal()
keys_rotated = Signal()
master_key_rotated = Signal()
