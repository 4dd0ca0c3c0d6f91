"""`manage.py fraud_scan [--tenant GUILD_ID] [--since 30d] [--dry-run]`: every detector now, with a summary."""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import NotFoundError
from apps.fraud.services import fraud_scan
from apps.tenants.selectors import tenant_get

UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """`30d`, `12h`, `2w` or `90m` as a time span."""
    match = re.fullmatch(r"(\d{1,5})([mhdw])", text.strip())
    if match is None:
        raise CommandError(f"--since must look like 30d, 12h, 2w or 90m, not {text!r}.")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = "Run every fraud detector now, record the findings as cases (not with --dry-run), and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="GUILD_ID", help="only this guild's bets (rings: within it)")
        parser.add_argument("--since", default="30d", help="bets placed in this span before now (default 30d)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="run the detectors and print their findings without recording cases (writes nothing)",
        )

    def handle(self, *args, **options):
        tenant = None
        if options["tenant"]:
            try:
                tenant = tenant_get(guild_id=options["tenant"])
            except NotFoundError as error:
                raise CommandError(error.message) from None
        since = timezone.now() - parse_since(options["since"])
        dry_run = options["dry_run"]
        report = fraud_scan(actor=Actor.system("manage.py fraud_scan"), tenant=tenant, since=since, record=not dry_run)
        scope = f"guild {tenant.guild_id}" if tenant else "all tenants"
        mode = "; dry run, no cases recorded" if dry_run else ""
        self.stdout.write(f"Fraud scan of {report.bets} bets ({scope}, placed since {since:%Y-%m-%d %H:%M} UTC{mode}):")
        self.stdout.write(f"  {'detector':<20} {'findings':>8} {'opened':>7} {'updated':>8} {'seconds':>8}")
        for run in report.runs:
            self.stdout.write(
                f"  {run.kind:<20} {run.findings:>8} {run.opened:>7} {run.updated:>8} {run.seconds:>8.2f}"
            )
        total = sum(run.findings for run in report.runs)
        self.stdout.write(f"  {'total':<20} {total:>8} {'':>7} {'':>8} {report.seconds:>8.2f}")
        if dry_run:
            for finding in report.findings:
                cappers = ", ".join(str(capper_id) for capper_id in finding.capper_ids)
                self.stdout.write(f"  {finding.kind} [{cappers}] score {finding.score:.2f}: {finding.explanation}")
