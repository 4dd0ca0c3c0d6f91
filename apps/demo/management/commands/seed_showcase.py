"""`manage.py seed_showcase`: the demo story on top of `seed_demo`'s bets (apps/demo/showcase.py), once.

`make run` calls it after `seed_demo`. Each step says what it did and how long it took; a step whose result is
already there is skipped, so a second run creates nothing."""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import Actor
from apps.demo.loading import demo_present
from apps.demo.showcase import seed_showcase


class Command(BaseCommand):
    help = "Add the demo story (fraud cases, alerts, an incident, requests, check runs, reports, forecasts), once."

    def handle(self, *args, **options):
        if not demo_present(tenant_count=1):
            raise CommandError("No demo data: run `manage.py seed_demo` first.")
        started = time.monotonic()
        ran = seed_showcase(actor=Actor.system("manage.py seed_showcase"), say=self.stdout.write)
        if ran:
            self.stdout.write(f"Demo story: {ran} steps in {time.monotonic() - started:.1f} s.")
        else:
            self.stdout.write("Demo story: already present, nothing created.")
