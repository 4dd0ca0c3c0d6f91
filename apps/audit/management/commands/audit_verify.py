"""python manage.py audit_verify [--archives]: seal pending events, check the chain (keyed seals, published
checkpoints, and archive files), then publish a checkpoint of the verified head."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.checkpoints import audit_checkpoint_publish
from apps.audit.verification import audit_archives_verify, audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain against its keyed seals and the signed checkpoints published outside the "
        "database. Exit 0 with the number of events checked, or 1 naming the first bad event."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--archives",
            action="store_true",
            help="Also re-hash every archive file of archived events and check it chains into its checkpoint.",
        )

    def handle(self, *args, archives=False, **options):
        result = audit_verify()
        if not result.is_intact:
            raise CommandError(
                f"Audit chain BROKEN after {result.checked} good events: first bad event "
                f"{result.first_bad_event_id}: {result.problem}",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {result.checked} events checked ({result.sealed_now} sealed just now).")
        if result.starts_after_sequence:
            self.stdout.write(
                f"The chain continues from the archive checkpoint at seal {result.starts_after_sequence} "
                f"({result.archived} events archived)."
            )
        if result.legacy_seals:
            self.stdout.write(
                f"{result.legacy_seals} seals were made before the chain was keyed (plain SHA-256): they are "
                "protected only by the keyed seals after them."
            )
        if archives:
            files = audit_archives_verify()
            if not files.is_intact:
                raise CommandError("Audit archives BROKEN: " + "; ".join(files.problems), returncode=1)
            self.stdout.write(
                f"Audit archives intact: {files.files_checked} files, {files.events_checked} events checked."
            )
        last = result.last_checkpoint
        if last is not None:
            self.stdout.write(
                f"Last trusted checkpoint: seal {last.sequence}, published {last.published_at.isoformat()} "
                f"({result.checkpoints} checkpoints checked)."
            )
        published = audit_checkpoint_publish(force=True)
        if published is not None:
            self.stdout.write(f"Published checkpoint {published.name}.")
