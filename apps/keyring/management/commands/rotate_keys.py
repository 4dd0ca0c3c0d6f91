from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.keyring.errors import KeyringError
from apps.keyring.services import keys_rotate


class Command(BaseCommand):
    help = (
        "Create a new data key when due (or with --new-key), re-encrypt every row not on the active key in "
        "resumable batches, and retire keys no row uses. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None, help="Rows per transaction (default: setting).")
        parser.add_argument("--new-key", action="store_true", help="Create a new active key even if not due.")

    def handle(self, *args, batch_size=None, new_key=False, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            result = keys_rotate(
                actor=Actor.system("rotate_keys"),
                new_key=new_key,
                batch_size=batch_size,
                progress=lambda line: self.stdout.write(line, ending="\n") or self.stdout.flush(),
            )
        except KeyringError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"active key v{result.active_version}; {result.reencrypted} rows re-encrypted; "
            f"retired: {', '.join(f'v{v}' for v in result.retired_versions) or 'none'}"
        )
        for version, rows in sorted(result.still_in_use.items()):
            self.stdout.write(f"v{version} still used by {rows} values: not retired")
        if result.failed:
            for failure in result.failed:
                self.stderr.write(failure)
            raise CommandError(f"{len(result.failed)} values could not be decrypted; they were left unchanged.")
