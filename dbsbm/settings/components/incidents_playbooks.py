"""Incident playbooks (apps/incidents/services/playbooks.py): where the YAML lives, and the step runner's clock."""

from pathlib import Path

from dbsbm.settings.environment import env_int, env_str

# one YAML file per incident kind, loaded after migrate and by `manage.py incidents_load_playbooks`
INCIDENTS_PLAYBOOK_DIRECTORY = Path(__file__).resolve().parent.parent.parent.parent / "playbooks"
# a failed attempt of a step worth retrying waits base * 2^(attempt-1) seconds (at most the cap)
INCIDENTS_STEP_RETRY_BASE_SECONDS = env_int("INCIDENTS_STEP_RETRY_BASE_SECONDS", 10)
INCIDENTS_STEP_RETRY_MAX_SECONDS = 600
# the sweep (beat) re-runs a step left running this long past its timeout (its worker died), and a
# pending step whose turn came this long ago (its task was lost)
INCIDENTS_STEP_GRACE_SECONDS = env_int("INCIDENTS_STEP_GRACE_SECONDS", 30)
INCIDENTS_PLAYBOOK_SWEEP_SECONDS = env_int("INCIDENTS_PLAYBOOK_SWEEP_SECONDS", 30)
# the Celery queue the steps run on ("": the default queue); a real-worker test gives each run its own
INCIDENTS_STEP_QUEUE = env_str("INCIDENTS_STEP_QUEUE", "")
