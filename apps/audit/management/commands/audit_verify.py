"""python manage.py audit_verify: seal pending events, then check the whole chain."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.verification import audit_verify


class Command(BaseCommand):
    help = "Verify the audit chain. Exit 0 with the number of events checked, or 1 naming the first bad event."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.is_intact:
            raise CommandError(
                f"Audit chain BROKEN after {result.checked} good events: first bad event "
                f"{result.first_bad_event_id}: {result.problem}",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {result.checked} events checked ({result.sealed_now} sealed just now).")
