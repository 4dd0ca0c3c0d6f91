"""`manage.py setup_demo`: what `make run` does before serving, in one process: migrate, `seed_demo`,
`seed_showcase` and `ensure_staff_login`, each step announced and timed.

One process rather than four: each `manage.py` start imports the whole project (scikit-learn, statsmodels,
scipy, GraphQL…), about 5 s of CPU, which on a shared two-core machine is 20 s or more of waiting. Each command
still exists alone and does the same thing; each step is idempotent, so a second `make run` only checks."""

import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, seed the demo data and story, and make sure a staff login exists (what `make run` runs)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bars while seeding")

    def handle(self, *args, **options):
        steps = [
            ("migrate", lambda: call_command("migrate", interactive=False, **self._streams())),
            ("seed_demo", lambda: call_command("seed_demo", no_progress=options["no_progress"], **self._streams())),
            ("seed_showcase", lambda: call_command("seed_showcase", **self._streams())),
            ("ensure_staff_login", lambda: call_command("ensure_staff_login", **self._streams())),
        ]
        started = time.monotonic()
        for number, (name, run) in enumerate(steps, start=1):
            self.stdout.write(f"== setup {number}/{len(steps)}: {name} …")
            step_started = time.monotonic()
            run()
            self.stdout.write(f"== setup {number}/{len(steps)}: {name} done in {time.monotonic() - step_started:.1f} s")
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(f"== setup: {len(steps)} steps in {time.monotonic() - started:.1f} s (load average {load})")

    def _streams(self) -> dict:
        return {"stdout": self.stdout, "stderr": self.stderr}
