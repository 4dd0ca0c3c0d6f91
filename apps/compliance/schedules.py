"""Periodic jobs of the compliance app (synced into django-celery-beat by apps/core/beat.py).

Each part lists its jobs in its own module; this joins them.
"""

from apps.compliance.schedules_automation import AUTOMATION_SCHEDULES
from apps.compliance.schedules_checks import CHECK_SCHEDULES

SCHEDULES = [*CHECK_SCHEDULES, *AUTOMATION_SCHEDULES]
