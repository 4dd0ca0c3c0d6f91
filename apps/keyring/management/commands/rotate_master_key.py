from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.keyring.errors import KeyringError
from apps.keyring.master_rotation import master_key_rotate


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under a new master key and recompute every blind index, in one transaction "
        "(all or nothing). Stop the web, worker and beat processes first; afterwards configure the new key "
        "(DBSBM_MASTER_KEY or DBSBM_MASTER_KEY_FILE) and start them again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key-file",
            required=True,
            help="A file holding the new master key (make one with keyring_generate_master_key).",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows read at a time while reindexing.")

    def handle(self, *args, new_key_file: str, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            new_key_text = Path(new_key_file).read_text()
        except OSError as error:
            raise CommandError(f"The new master key file {new_key_file} cannot be read ({error.strerror}).") from None
        try:
            result = master_key_rotate(
                new_key_text=new_key_text,
                actor=Actor.system("rotate_master_key"),
                batch_size=batch_size,
                progress=lambda line: self.stdout.write(line),
            )
        except KeyringError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"master key {result.old_fingerprint} -> {result.new_fingerprint}: {result.data_keys} data keys "
            f"re-wrapped, {sum(result.reindexed.values())} blind indexes recomputed.\n"
            f"Now set the new key ({new_key_file}) as DBSBM_MASTER_KEY_FILE (or its content as DBSBM_MASTER_KEY) "
            "for every process and restart them; the old key no longer opens anything."
        )
