"""Incident evidence, regulatory clocks and reviews (apps/incidents, issue #13 items 5-7)."""

from dbsbm.settings.environment import env_int

# An evidence file larger than this is refused (413) before anything is written.
INCIDENT_EVIDENCE_MAX_BYTES = env_int("INCIDENT_EVIDENCE_MAX_BYTES", 25 * 1024 * 1024)
# How often the beat job looks at the regulatory clocks (reminders at 50 % and 90 %, overdue).
INCIDENT_CLOCK_SWEEP_SECONDS = env_int("INCIDENT_CLOCK_SWEEP_SECONDS", 60)
# The collect_evidence snapshot keeps at most this many rows per section (audit events, security events, bets).
INCIDENT_SNAPSHOT_MAX_ROWS = env_int("INCIDENT_SNAPSHOT_MAX_ROWS", 5000)
