"""Encryption at rest (apps/keyring): the master key, data key rotation, the restricted key pair.

The master key wraps the data keys stored in the database; it comes from ``DBSBM_MASTER_KEY``
(url-safe base64 of 32 random bytes) or the file ``DBSBM_MASTER_KEY_FILE``. Production refuses to
start without one (production.py). Elsewhere, when neither is set, the keyring creates a development
key file under the data directory (``var/``, ignored by git) on first use and logs that it did.

"Highly restricted" fields are sealed with an RSA public key; only a process given the private key
(``DBSBM_RESTRICTED_PRIVATE_KEY_FILE``, held apart from the web process) can open them.
"""

from pathlib import Path

from dbsbm.settings.environment import env_bool, env_int, env_str

_DATA_DIR = Path(env_str("DBSBM_DATA_DIR", str(Path(__file__).resolve().parents[3] / "var")))

DBSBM_MASTER_KEY = env_str("DBSBM_MASTER_KEY")
DBSBM_MASTER_KEY_FILE = env_str("DBSBM_MASTER_KEY_FILE")
# Where the development key is created when neither of the above is set (False in production).
DBSBM_MASTER_KEY_DEVELOPMENT_FILE = str(_DATA_DIR / "master.key")
DBSBM_MASTER_KEY_CREATE_FOR_DEVELOPMENT = env_bool("DBSBM_MASTER_KEY_CREATE_FOR_DEVELOPMENT", default=True)

# A new data key every this many days (rotate_keys and its beat job); rows move in batches.
DBSBM_KEY_ROTATION_DAYS = env_int("DBSBM_KEY_ROTATION_DAYS", 90)
DBSBM_KEY_ROTATION_BATCH_SIZE = env_int("DBSBM_KEY_ROTATION_BATCH_SIZE", 1000)
DBSBM_KEY_ROTATION_CHECK_SECONDS = env_int("DBSBM_KEY_ROTATION_CHECK_SECONDS", 6 * 3600)
# How long a process trusts its cached view of which data key is active (after a rotation elsewhere).
DBSBM_KEY_RING_CACHE_SECONDS = env_int("DBSBM_KEY_RING_CACHE_SECONDS", 60)

DBSBM_RESTRICTED_PUBLIC_KEY_FILE = env_str("DBSBM_RESTRICTED_PUBLIC_KEY_FILE", str(_DATA_DIR / "restricted_public.pem"))
DBSBM_RESTRICTED_PRIVATE_KEY_FILE = env_str(
    "DBSBM_RESTRICTED_PRIVATE_KEY_FILE", str(_DATA_DIR / "restricted_private.pem")
)
# Development only: create the pair above when the public key file does not exist yet.
DBSBM_RESTRICTED_KEYPAIR_CREATE_FOR_DEVELOPMENT = env_bool(
    "DBSBM_RESTRICTED_KEYPAIR_CREATE_FOR_DEVELOPMENT", default=True
)
