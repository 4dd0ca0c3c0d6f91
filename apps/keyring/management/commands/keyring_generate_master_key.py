from django.core.management.base import BaseCommand

from apps.keyring.master import generate_master_key


class Command(BaseCommand):
    help = "Print a new random master key for DBSBM_MASTER_KEY (store it in your secret manager)."

    def handle(self, *args, **options):
        self.stdout.write(generate_master_key())
