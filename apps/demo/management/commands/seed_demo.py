"""`manage.py seed_demo [--tenants N] [--bets N] [--seed S] [--fraud]`: realistic demo data, once.

`--fraud` also plants the integrity scenarios (apps/demo/fraud_scenarios.py): every fraud
kind a few times, among hard negatives (lucky, live, prolific and honest hand-settling cappers).

With no arguments it loads the small set `make run` shows (2 tenants, 300 bets). If demo data is
already there it says so and creates nothing (finishing any grading an interrupted run left).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.actors import Actor
from apps.demo.fraud_loading import FraudPlantingError, plant_fraud
from apps.demo.loading import (
    build_rollups,
    demo_present,
    demo_tenants_without_rollups,
    demo_ungraded_game_ids,
    grade_games,
    seed_demo,
)
from apps.ml.nlp.services import team_aliases_seed


class Command(BaseCommand):
    help = "Create demo tenants, cappers, a season of games and bets (most settled by auto-grading)."

    def add_arguments(self, parser):
        parser.add_argument("--tenants", type=int, default=2, help="demo tenants (guilds), 1 to 99")
        parser.add_argument("--bets", type=int, default=300, help="bets in total, over all tenants")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument("--fraud", action="store_true", help="also plant the fraud scenarios (once)")

    def handle(self, *args, **options):
        tenants, bets = options["tenants"], options["bets"]
        if not 1 <= tenants <= 99:
            raise CommandError("--tenants must be between 1 and 99.")
        if bets < 0:
            raise CommandError("--bets must not be negative.")
        actor = Actor.system("manage.py seed_demo")

        def progress(**kwargs):
            return tqdm(disable=options["no_progress"], mininterval=0.5, file=self.stderr, **kwargs)

        if demo_present(tenant_count=tenants):
            ungraded = demo_ungraded_game_ids()
            settled = grade_games(game_ids=ungraded, actor=actor, progress=progress) if ungraded else 0
            finished = f" (settled {settled} bets an interrupted run left pending)" if settled else ""
            self.stdout.write(f"Demo data: already present, nothing created{finished}.")
            team_aliases_seed()  # the bet-text parser's aliases (idempotent: a demo seeded before them gets them)
            unbuilt = demo_tenants_without_rollups(tenant_count=tenants)
            if unbuilt.exists():
                rows, seconds = build_rollups(tenants=unbuilt, actor=actor, progress=progress)
                self.stdout.write(f"Analytics rollups built for the demo tenants: {rows} rows in {seconds:.1f} s.")
            if options["fraud"]:
                self._plant(actor, options["seed"])
            return
        result = seed_demo(tenant_count=tenants, bet_count=bets, seed=options["seed"], actor=actor, progress=progress)
        self.stdout.write(
            f"Demo data: {result.tenants} tenants, {result.members} members ({result.cappers} cappers), "
            f"{result.games} games, {result.bets} bets with {result.legs} legs; auto-grading of "
            f"{result.graded_games} finished games settled {result.settled_bets} bets; analytics rollups: "
            f"{result.rollup_rows} rows in {result.rollup_seconds:.1f} s."
        )
        self.stdout.write(f"Parser catalogue: {team_aliases_seed()} team aliases and players.")
        if options["fraud"]:
            self._plant(actor, options["seed"])

    def _plant(self, actor, seed: int) -> None:
        try:
            scenarios = plant_fraud(seed=seed, actor=actor)
        except FraudPlantingError as error:
            self.stdout.write(f"Fraud scenarios: {error}")
            return
        kinds = sorted({scenario.kind for scenario in scenarios})
        self.stdout.write(f"Fraud scenarios: planted {len(scenarios)} ({', '.join(kinds)}).")
