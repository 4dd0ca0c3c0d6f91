from django.core.management.base import BaseCommand

from apps.core.beat import schedules_sync


class Command(BaseCommand):
    help = "Sync every app's periodic jobs (schedules.py) into django-celery-beat (also runs after migrate)."

    def handle(self, *args, **options):
        synced, disabled = schedules_sync()
        self.stdout.write(f"{synced} periodic jobs synced, {disabled} no longer declared disabled.")
