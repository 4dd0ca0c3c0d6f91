"""Retention (apps/privacy/retention): where archives go, batch size, and the schedule of the run."""

from pathlib import Path

from dbsbm.settings.environment import env_int, env_str

_BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent

# Archives of retention runs and of the audit trail: compressed JSON lines plus a SHA-256 manifest.
# Default: var/archives (or archives/ under DBSBM_DATA_DIR when that is set).
_DATA_DIR = Path(env_str("DBSBM_DATA_DIR", str(_BASE_DIR / "var")))
RETENTION_ARCHIVE_DIR = Path(env_str("RETENTION_ARCHIVE_DIR", str(_DATA_DIR / "archives")))
# Rows acted on per transaction by a real run.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 500)
# The periodic retention run (apps/privacy/schedules.py): once a day by default.
RETENTION_RUN_INTERVAL_SECONDS = env_int("RETENTION_RUN_INTERVAL_SECONDS", 24 * 60 * 60)
