"""python manage.py audit_seal: chain every committed, unsealed event now."""

from django.core.management.base import BaseCommand

from apps.audit.services import audit_seal_pending


class Command(BaseCommand):
    help = "Seal pending audit events into the hash chain (the beat job does this every few seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--full-scan", action="store_true", help="Look at every event, not only recent ones.")

    def handle(self, *args, full_scan, **options):
        sealed = audit_seal_pending(full_scan=full_scan)
        self.stdout.write(f"Sealed {sealed} events.")
