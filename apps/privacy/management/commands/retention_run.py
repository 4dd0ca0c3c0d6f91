"""`manage.py retention_run [--dry-run] [--kind K ...]`: apply the retention policies now, with a summary."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.privacy.services.retention import retention_run


class Command(BaseCommand):
    help = (
        "Apply every enabled retention policy (delete, anonymize, or archive then delete data past its period). "
        "Data under an active legal hold is never touched. --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count matched / held / would act per kind; change nothing"
        )
        parser.add_argument(
            "--kind", action="append", metavar="KIND", help="only this data kind (repeatable); default: every kind"
        )

    def handle(self, *args, dry_run=False, kind=None, **options):
        try:
            run = retention_run(actor=Actor.system("manage.py retention_run"), dry_run=dry_run, kinds=kind)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        verb = "would act" if dry_run else "acted"
        self.stdout.write(f"Retention run {run.pk}{' (dry run: nothing changed)' if dry_run else ''}: {run.status}")
        self.stdout.write(f"  {'kind':<26} {'action':<20} {'matched':>8} {'held':>8} {verb:>10}")
        for key, counts in run.counts.items():
            if "skipped" in counts:
                self.stdout.write(f"  {key:<26} skipped: {counts['skipped']}")
                continue
            self.stdout.write(
                f"  {key:<26} {counts['action']:<20} {counts['matched']:>8} {counts['held']:>8} {counts['acted']:>10}"
            )
            if counts["error"]:
                self.stdout.write(f"    error: {counts['error']}")
        if run.archive_path:
            self.stdout.write(f"  archives: {run.archive_path} (manifest SHA-256 {run.manifest_sha256})")
        if run.error:
            raise CommandError(f"Retention run {run.pk} failed: {run.error}", returncode=1)
