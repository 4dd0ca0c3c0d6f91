"""`manage.py analytics_rebuild [--tenant GUILD_ID ...]`: recompute the rollups from the raw rows.

Per tenant, one transaction (queries keep reading the previous rows until it commits), one statement per
local month of its bets, each reported as it finishes; the tenant's stale mark and queued changes are
cleared. Without --tenant every tenant is rebuilt.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.analytics.services.rollups import rollups_analyze, rollups_rebuild
from apps.core.actors import Actor
from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Rebuild the analytics rollups (all tenants, or those named by --tenant) from bets and the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", action="append", default=[], metavar="GUILD_ID", help="repeatable")

    def handle(self, *args, **options):
        tenants = rebuild_targets(options["tenant"])
        actor = Actor.system("manage.py analytics_rebuild")
        started = time.monotonic()
        total = 0

        def progress(tenant, chunk: str, rows: int) -> None:
            self.stdout.write(f"  {tenant.guild_id} {chunk}: {rows} daily rows ({time.monotonic() - started:.1f} s)")

        for number, tenant in enumerate(tenants, start=1):
            self.stdout.write(f"[{number}/{len(tenants)}] {tenant.name} ({tenant.guild_id}, {tenant.timezone})")
            outcome = rollups_rebuild(tenant=tenant, actor=actor, progress=progress)
            total += outcome.daily_rows + outcome.hourly_rows
            rows = f"{outcome.daily_rows} daily and {outcome.hourly_rows} hourly rows"
            self.stdout.write(f"  rebuilt: {rows} in {outcome.seconds:.1f} s")
        rollups_analyze()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Rebuilt the rollups of {len(tenants)} tenants: {total} rows in {elapsed:.1f} s.")


def rebuild_targets(guild_ids: list[str]) -> list[Tenant]:
    """The tenants named (every one when none is), or a CommandError naming the unknown ones."""
    if not guild_ids:
        return list(Tenant.objects.order_by("pk"))
    tenants = list(Tenant.objects.filter(guild_id__in=guild_ids).order_by("pk"))
    unknown = sorted(set(guild_ids) - {tenant.guild_id for tenant in tenants})
    if unknown:
        raise CommandError(f"No tenant with guild id {', '.join(unknown)}.")
    return tenants
