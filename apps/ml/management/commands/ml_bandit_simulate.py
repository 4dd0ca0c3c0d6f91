"""Simulate Thompson sampling against fixed 50/50 on arms of known rates; keep the result for the portal."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.ml.experiments.services import bandit_simulation_run


class Command(BaseCommand):
    help = "Regret of Thompson sampling against fixed 50/50 allocation over a simulated run (kept for the portal)."

    def add_arguments(self, parser):
        parser.add_argument("--rates", default="0.05,0.07", help="True success rates of the arms, comma-separated.")
        parser.add_argument("--steps", type=int, default=10000)
        parser.add_argument("--seeds", type=int, default=20)
        parser.add_argument("--prior", default="1,1", help="Beta prior alpha,beta.")
        parser.add_argument("--minimum-share", type=float, default=0.0)

    def handle(self, *args, **options):
        try:
            rates = [float(rate) for rate in options["rates"].split(",")]
            prior_alpha, prior_beta = (float(value) for value in options["prior"].split(","))
            simulation = bandit_simulation_run(
                true_rates=rates, steps=options["steps"], seeds=options["seeds"], prior_alpha=prior_alpha,
                prior_beta=prior_beta, minimum_share=options["minimum_share"],
            )  # fmt: skip
        except (ValueError, ApplicationError) as problem:
            raise CommandError(getattr(problem, "message", str(problem))) from problem
        result = simulation.result
        for name in ("thompson", "fixed_50_50"):
            row = result[name]
            self.stdout.write(
                f"{name}: cumulative regret {row['mean']:.1f} ± {row['std']:.1f} (min {row['min']:.1f}, "
                f"max {row['max']:.1f}) over {result['seeds']} seeds × {result['steps']} steps"
            )
        self.stdout.write(f"kept as simulation {simulation.pk}")
