"""A capper's skill estimate for the API (`GET /api/v1/tenants/{guild_id}/cappers/{id}/skill/`).

The prior comes from the `capper_skill` model's champion when there is one (fitted across every tenant's
cappers by a training job); until then it is fitted on the fly across this tenant's cappers (cached until
the tenant's next settlement), and with fewer than two cappers with decided legs it is a stated default.
"""

import numpy as np

from apps.betting import selectors as betting_selectors
from apps.betting.models import Capper
from apps.core.cache import cache_get_or_set
from apps.ml.predictive import capper_skill
from apps.ml.predictive.common import champion_load
from apps.ml.predictive.leg_features import implied_probability
from apps.ml.training import TrainingFailed
from apps.tenants.models import Tenant

DEFAULT_PRIOR = {"prior_mean": 0.0, "prior_variance": 0.03**2, "prior_mean_variance": 0.0}


def _records(rows: list[tuple]) -> dict[str, np.ndarray]:
    if not rows:
        return {key: np.zeros(0) for key in ("capper", "legs", "wins", "expected", "variance")}
    cappers, _ids, results, odds = zip(*rows, strict=True)
    won = np.array([result == "won" for result in results], dtype=float)
    return capper_skill.records(np.array(cappers), won, implied_probability(np.array(odds)))


def _tenant_prior(tenant: Tenant) -> dict:
    def fit() -> dict:
        record = _records(betting_selectors.capper_leg_record(tenant=tenant))
        try:
            prior = capper_skill.fit_prior(record["legs"], record["wins"], record["expected"], record["variance"])
        except TrainingFailed:
            return {**DEFAULT_PRIOR, "source": "default"}
        return {**prior, "source": "tenant"}

    return cache_get_or_set("capper_ledger", "ml_skill_prior", fit, tenant_id=tenant.pk)


def skill_prior(tenant: Tenant) -> tuple[dict, int | None]:
    """(prior, model version number or None)."""
    version, estimator = champion_load(capper_skill.NAME)
    if estimator is None:
        return dict(_tenant_prior(tenant)), None
    return {**estimator, "source": "model"}, version.number


def capper_skill_get(*, tenant: Tenant, capper: Capper) -> dict:
    """The capper's edge estimate, 90% credible interval, P(edge > 0), decided legs and label."""
    prior, version = skill_prior(tenant)
    record = _records(betting_selectors.capper_leg_record(tenant=tenant, capper=capper))
    values = [record[key][:1] if len(record["capper"]) else [0.0] for key in ("legs", "wins", "expected", "variance")]
    estimate = capper_skill.posterior(prior, *values, min_legs=int(prior.get("min_legs", 30)))[0]
    return {
        "discord_user_id": capper.member.discord_user_id,
        "display_name": capper.display_name,
        **estimate,
        "credible_level": capper_skill.CREDIBLE,
        "label_rule": capper_skill.LABEL_RULE,
        "prior": {
            "source": prior["source"],
            "model_version": version,
            "mean": round(float(prior["prior_mean"]), 6),
            "variance": round(float(prior["prior_variance"]), 8),
        },
    }
