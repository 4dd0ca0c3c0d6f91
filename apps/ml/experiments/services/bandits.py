"""Bandits' state changes: create with its arms, start (a new episode), stop, reward a step (the arm's posterior
moves atomically), run and keep a regret simulation."""

import math
from uuid import UUID

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, NotFoundError
from apps.ml.experiments.simulation import regret_simulate
from apps.ml.models import Bandit, BanditArm, BanditEpisode, BanditSimulation, BanditStep


def bandit_create(
    *, model_name: str, arms: list[str], actor: Actor, prior_alpha: float = 1.0, prior_beta: float = 1.0,
    minimum_share: float = 0.05,
) -> Bandit:  # fmt: skip
    """An inactive bandit over `arms` (model aliases, e.g. champion and challenger) with a Beta prior and a
    minimum share of traffic per arm."""
    names = [str(alias).strip() for alias in arms]
    if len(names) < 2 or len(set(names)) != len(names) or not all(0 < len(name) <= 64 for name in names):
        raise ApplicationError(
            _("A bandit needs at least two distinct arm aliases."), fields={"arms": [_("2+ aliases.")]}
        )
    if not (prior_alpha > 0 and prior_beta > 0 and math.isfinite(prior_alpha) and math.isfinite(prior_beta)):
        raise ApplicationError(_("The prior's alpha and beta must be positive."))
    if not 0 <= minimum_share <= 1 / len(names):
        raise ApplicationError(
            _("The minimum share per arm lies between 0 and %(maximum)g.") % {"maximum": 1 / len(names)}
        )
    with transaction.atomic():
        if Bandit.objects.filter(model_name=model_name).exists():
            raise ConflictError(_("Model %(model_name)r has a bandit already.") % {"model_name": model_name})
        bandit = Bandit.objects.create(
            model_name=model_name, prior_alpha=prior_alpha, prior_beta=prior_beta, minimum_share=minimum_share,
            created_by=actor.label,
        )  # fmt: skip
        BanditArm.objects.bulk_create(BanditArm(bandit=bandit, alias=name) for name in names)
        audit_record(
            actor=actor, action="ml.bandit_created", target=bandit,
            changes={"arms": {"after": names}, "prior": {"after": [prior_alpha, prior_beta]},
                     "minimum_share": {"after": minimum_share}},
        )  # fmt: skip
    return bandit


def bandit_start(*, bandit: Bandit, actor: Actor) -> Bandit:
    """Route the model's alias-less predict calls through the bandit, in a new episode (posteriors carry over)."""
    with transaction.atomic():
        bandit = Bandit.objects.select_for_update().get(pk=bandit.pk)
        if bandit.is_active:
            raise ConflictError(
                _("The bandit of %(model_name)r is running already.") % {"model_name": bandit.model_name}
            )
        number = (bandit.episodes.aggregate(last=Max("number"))["last"] or 0) + 1
        episode = BanditEpisode.objects.create(bandit=bandit, number=number)
        bandit.is_active, bandit.current_episode = True, episode
        bandit.save(update_fields=["is_active", "current_episode"])
        audit_record(actor=actor, action="ml.bandit_started", target=bandit, changes={"episode": {"after": number}})
    return bandit


def bandit_stop(*, bandit: Bandit, actor: Actor, reason: str = "") -> Bandit:
    """End the episode; predict calls without an alias go to `champion` again. Late rewards still count."""
    with transaction.atomic():
        bandit = Bandit.objects.select_for_update().get(pk=bandit.pk)
        if not bandit.is_active:
            raise ConflictError(_("The bandit of %(model_name)r is not running.") % {"model_name": bandit.model_name})
        BanditEpisode.objects.filter(pk=bandit.current_episode_id).update(ended_at=timezone.now())
        bandit.is_active, bandit.current_episode = False, None
        bandit.save(update_fields=["is_active", "current_episode"])
        audit_record(actor=actor, action="ml.bandit_stopped", target=bandit, reason=reason)
    return bandit


def bandit_reward(*, prediction_id: UUID, reward: float, tenant_id: int | None = None) -> BanditStep:
    """Record the observed reward (0..1) of one routed prediction, once, and add it to its arm's posterior in the
    same transaction. A tenant's key sees only its tenant's predictions (others: not found)."""
    if isinstance(reward, bool) or not isinstance(reward, int | float) or not 0 <= reward <= 1:
        raise ApplicationError(_("The reward is a number between 0 and 1."), fields={"reward": [_("0 to 1.")]})
    with transaction.atomic():
        step = BanditStep.objects.select_for_update().filter(prediction_id=prediction_id).first()
        if step is None or (tenant_id is not None and step.tenant_id != tenant_id):
            raise NotFoundError(_("No bandit-routed prediction %(prediction_id)s.") % {"prediction_id": prediction_id})
        if step.reward is not None:
            raise ConflictError(
                _("Prediction %(prediction_id)s already has its reward (%(reward)g).")
                % {"prediction_id": prediction_id, "reward": step.reward}
            )
        step.reward, step.rewarded_at = float(reward), timezone.now()
        step.save(update_fields=["reward", "rewarded_at"])
        BanditArm.objects.filter(pk=step.arm_id).update(
            successes=F("successes") + float(reward), failures=F("failures") + (1.0 - float(reward))
        )
    return step


def bandit_simulation_run(*, true_rates: list[float], steps: int, seeds: int, prior_alpha: float = 1.0,
                          prior_beta: float = 1.0, minimum_share: float = 0.0) -> BanditSimulation:  # fmt: skip
    """Simulate Thompson sampling against fixed 50/50 on arms of known rates and keep the result for the portal."""
    try:
        result = regret_simulate(
            true_rates=true_rates, steps=steps, seeds=seeds, prior_alpha=prior_alpha, prior_beta=prior_beta,
            minimum_share=minimum_share,
        )  # fmt: skip
    except ValueError as problem:
        raise ApplicationError(str(problem)) from problem
    return BanditSimulation.objects.create(true_rates=true_rates, steps=steps, seeds=seeds, result=result)
