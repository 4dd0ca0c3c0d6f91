from django.core.management.base import BaseCommand

from apps.core.cache.warming import cache_warm


class Command(BaseCommand):
    help = "Warm the hot cache keys (active tenants' leaderboards and ledgers, today's games)."

    def handle(self, *args, **options):
        for name, keys in cache_warm().items():
            self.stdout.write(f"{name}: {'failed (see the log)' if keys < 0 else f'{keys} keys warmed'}")
