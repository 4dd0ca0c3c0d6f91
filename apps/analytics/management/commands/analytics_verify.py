"""`manage.py analytics_verify [--tenant GUILD_ID ...]`: compare every rollup row with the raw ledger.

Prints each difference (key, part, rollup value, raw value), says which tenants' rollups are stale (or
never built, or behind a queue of changes: their queries read the raw rows meanwhile), and exits
non-zero when any difference was found.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.analytics.management.commands.analytics_rebuild import rebuild_targets
from apps.analytics.rollup_verify import verify_tenant

SHOWN_PER_TENANT = 200


class Command(BaseCommand):
    help = "Compare the analytics rollups with the raw bets and ledger; non-zero exit on any difference."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", action="append", default=[], metavar="GUILD_ID", help="repeatable")

    def handle(self, *args, **options):
        tenants = rebuild_targets(options["tenant"])
        started = time.monotonic()
        differences = rows = 0
        for tenant in tenants:
            report = verify_tenant(tenant)
            rows += report.rows
            differences += len(report.differences)
            status = "" if report.state == "ok" else f" — {report.state}"
            self.stdout.write(
                f"{tenant.guild_id} ({tenant.name}): {report.rows} rollup rows, "
                f"{len(report.differences)} differences{status}"
            )
            for difference in report.differences[:SHOWN_PER_TENANT]:
                self.stdout.write(f"  {difference.describe()}")
            if len(report.differences) > SHOWN_PER_TENANT:
                self.stdout.write(f"  … and {len(report.differences) - SHOWN_PER_TENANT} more")
        elapsed = time.monotonic() - started
        summary = f"{len(tenants)} tenants, {rows} rollup rows, {differences} differences ({elapsed:.1f} s)."
        if differences:
            raise CommandError(f"The rollups differ from the raw ledger: {summary}")
        self.stdout.write(f"No difference: {summary}")
