"""Reads of experiments and bandits: lists, one experiment's report (aggregates in two queries, then the
statistics), a bandit's posteriors, its allocation over time, the latest regret simulation."""

from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast, TruncHour
from django.utils.translation import gettext as _
from scipy import stats as scipy_stats

from apps.core.errors import NotFoundError
from apps.ml.experiments.stats import VariantTotals, effect, sample_ratio_mismatch, stop_decision
from apps.ml.models import Bandit, BanditSimulation, BanditStep, Experiment, ExperimentExposure, ExperimentOutcome


def experiment_list():
    return Experiment.objects.all()


def experiment_get(*, key: str) -> Experiment:
    experiment = Experiment.objects.filter(key=key).first()
    if experiment is None:
        raise NotFoundError(_("No experiment with key %(key)r.") % {"key": key})
    return experiment


def experiment_totals(experiment: Experiment) -> list[VariantTotals]:
    """Per-variant exposures and outcome aggregates, in the configured order (control first)."""
    exposures = dict(
        ExperimentExposure.objects.filter(experiment=experiment)
        .values("variant")
        .annotate(n=Count("id"))
        .values_list("variant", "n")
    )
    outcomes = {
        row["variant"]: row
        for row in ExperimentOutcome.objects.filter(experiment=experiment)
        .values("variant")
        .annotate(n=Count("id"), total=Sum("value"), squares=Sum(F("value") * F("value"), output_field=FloatField()))
    }
    return [
        VariantTotals(
            name=variant["name"],
            weight=float(variant["weight"]),
            exposures=exposures.get(variant["name"], 0),
            n=outcomes.get(variant["name"], {}).get("n", 0),
            total=float(outcomes.get(variant["name"], {}).get("total") or 0),
            total_squares=float(outcomes.get(variant["name"], {}).get("squares") or 0),
        )
        for variant in experiment.variants
    ]


def experiment_report(experiment: Experiment) -> dict:
    """Per-variant n and mean, each treatment's effect against the control with a 95% interval, the sample ratio
    check and the stop rule's decision."""
    totals = experiment_totals(experiment)
    control, treatments = totals[0], totals[1:]
    effects = [effect(control, variant, metric_kind=experiment.metric_kind) for variant in treatments]
    srm = sample_ratio_mismatch(totals)
    return {
        "experiment": experiment.key,
        "status": experiment.status,
        "metric": experiment.metric,
        "metric_kind": experiment.metric_kind,
        "stop_rule": (
            f"Fixed horizon: {experiment.sample_size_per_variant} outcomes per variant (two-sided, alpha "
            f"{experiment.alpha:g}, power {experiment.power:g}, minimum detectable effect "
            f"{experiment.minimum_detectable_effect:g}); read only once every variant has them."
        ),
        "sample_size_per_variant": experiment.sample_size_per_variant,
        "variants": [
            {"name": row.name, "weight": row.weight, "exposures": row.exposures, "n": row.n, "mean": row.mean}
            for row in totals
        ],
        "effects": effects,
        "srm": srm,
        "decision": stop_decision(totals, effects, required=experiment.sample_size_per_variant, srm=srm),
    }


def experiment_exposures_over_time(experiment: Experiment) -> list[dict]:
    """Exposures per hour and variant (for the cumulative chart)."""
    return list(
        ExperimentExposure.objects.filter(experiment=experiment)
        .annotate(hour=TruncHour("exposed_at"))
        .values("hour", "variant")
        .annotate(n=Count("id"))
        .order_by("hour", "variant")
    )


def bandit_list():
    return Bandit.objects.prefetch_related("arms")


def bandit_get(*, model_name: str) -> Bandit:
    bandit = Bandit.objects.filter(model_name=model_name).prefetch_related("arms").first()
    if bandit is None:
        raise NotFoundError(_("No bandit for model %(model_name)r.") % {"model_name": model_name})
    return bandit


def bandit_posteriors(bandit: Bandit) -> list[dict]:
    """Each arm's Beta posterior: its parameters, mean, 95% credible interval, the number of calls routed to it
    and of rewards observed."""
    counts = {
        row["arm_id"]: row
        for row in BanditStep.objects.filter(arm__bandit=bandit)
        .values("arm_id")
        .annotate(calls=Count("id"), rewarded=Count("id", filter=Q(reward__isnull=False)))
    }
    rows = []
    for arm in bandit.arms.all():
        alpha, beta = bandit.prior_alpha + arm.successes, bandit.prior_beta + arm.failures
        low, high = scipy_stats.beta.ppf([0.025, 0.975], alpha, beta)
        rows.append({
            "alias": arm.alias, "alpha": alpha, "beta": beta, "mean": alpha / (alpha + beta),
            "low": float(low), "high": float(high), "calls": counts.get(arm.pk, {}).get("calls", 0),
            "rewarded": counts.get(arm.pk, {}).get("rewarded", 0),
        })  # fmt: skip
    return rows


def bandit_allocation(bandit: Bandit) -> list[dict]:
    """Calls per hour and arm (the allocation over time) with the mean reward observed."""
    return list(
        BanditStep.objects.filter(arm__bandit=bandit)
        .annotate(hour=TruncHour("chosen_at"))
        .values("hour", arm_alias=F("arm__alias"))
        .annotate(calls=Count("id"), reward_total=Sum(Cast("reward", FloatField())))
        .order_by("hour", "arm_alias")
    )


def bandit_recent_steps(bandit: Bandit, limit: int = 20):
    return BanditStep.objects.filter(arm__bandit=bandit).select_related("arm", "episode")[:limit]


def bandit_simulation_latest() -> BanditSimulation | None:
    return BanditSimulation.objects.first()
