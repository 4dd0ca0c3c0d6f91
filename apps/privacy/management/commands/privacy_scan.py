"""`manage.py privacy_scan [--model app.Model ...]`: scan stored free text for personal data.

Reads every field declared as free text in the classification registry (bet and leg text, member
notes where the restricted private key is available, analysts' notes, …), in batches, and records
one open finding per value found (re-running records nothing twice). Prints new findings per model.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.privacy.services import pii_scan_models, scanned_fields


class Command(BaseCommand):
    help = "Scan the free-text fields of existing rows for emails, phone numbers, cards, IBANs and IP addresses."

    def add_arguments(self, parser):
        parser.add_argument(
            "--model",
            action="append",
            metavar="APP.MODEL",
            help="only this model (repeatable), e.g. betting.BetLeg; default: every model with free text",
        )

    def handle(self, *args, **options):
        try:
            counts = pii_scan_models(model_labels=options["model"], actor=Actor.system("manage.py privacy_scan"))
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{'model':<28} {'fields':<40} {'new findings':>12}")
        for label, created in counts.items():
            self.stdout.write(f"{label:<28} {', '.join(scanned_fields(label)):<40} {created:>12}")
        self.stdout.write(f"{sum(counts.values())} new finding(s) in {len(counts)} model(s).")
