"""A/B experiments' state changes: create (the stop rule's sample size computed here), start, stop, assign a unit
(records its exposure once), record a unit's outcome (once)."""

import math

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, NotFoundError
from apps.ml.experiments.assignment import variant_for
from apps.ml.experiments.choices import ExperimentStatus, MetricKind, UnitKind
from apps.ml.experiments.stats import sample_size_per_variant
from apps.ml.models import Experiment, ExperimentExposure, ExperimentOutcome

MAX_VARIANTS = 10


def _clean_variants(variants: list[dict]) -> list[dict]:
    if not isinstance(variants, list) or not 2 <= len(variants) <= MAX_VARIANTS:
        raise ApplicationError(
            _("Give between 2 and %(max_variants)s variants.") % {"max_variants": MAX_VARIANTS},
            fields={"variants": [_("2 to 10.")]},
        )
    cleaned, names = [], set()
    for variant in variants:
        name = str(variant.get("name", "")).strip() if isinstance(variant, dict) else ""
        weight = variant.get("weight") if isinstance(variant, dict) else None
        if not name or len(name) > 64 or name in names:
            raise ApplicationError(
                _("Each variant needs a unique name of 1 to 64 characters."), fields={"variants": [name]}
            )
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight) or weight <= 0:
            raise ApplicationError(
                _("Variant %(name)r needs a positive weight.") % {"name": name}, fields={"variants": [name]}
            )
        names.add(name)
        cleaned.append({"name": name, "weight": float(weight)})
    return cleaned


def experiment_create(
    *, key: str, hypothesis: str, unit_kind: str, variants: list[dict], metric: str, metric_kind: str,
    minimum_detectable_effect: float, actor: Actor, baseline_rate: float | None = None,
    baseline_sd: float | None = None, alpha: float = 0.05, power: float = 0.8,
) -> Experiment:  # fmt: skip
    """A draft experiment; its fixed sample size per variant is computed from the effect, alpha and power."""
    if unit_kind not in UnitKind.values or metric_kind not in MetricKind.values:
        raise ApplicationError(_("Unknown unit kind or metric kind."))
    if not 0 < alpha < 1 or not 0 < power < 1 or not minimum_detectable_effect > 0:
        raise ApplicationError(_("Alpha and power lie strictly between 0 and 1; the detectable effect is positive."))
    cleaned = _clean_variants(variants)
    try:
        required = sample_size_per_variant(
            metric_kind=metric_kind, minimum_detectable_effect=minimum_detectable_effect, alpha=alpha,
            power=power, baseline_rate=baseline_rate, baseline_sd=baseline_sd,
        )  # fmt: skip
    except ValueError as problem:
        raise ApplicationError(str(problem)) from problem
    with transaction.atomic():
        if Experiment.objects.filter(key=key).exists():
            raise ConflictError(_("An experiment with key %(key)r exists already.") % {"key": key})
        experiment = Experiment.objects.create(
            key=key, hypothesis=hypothesis, unit_kind=unit_kind, variants=cleaned, metric=metric,
            metric_kind=metric_kind, baseline_rate=baseline_rate, baseline_sd=baseline_sd,
            minimum_detectable_effect=minimum_detectable_effect, alpha=alpha, power=power,
            sample_size_per_variant=required, created_by=actor.label,
        )  # fmt: skip
        audit_record(
            actor=actor, action="ml.experiment_created", target=experiment,
            changes={"key": {"after": key}, "variants": {"after": cleaned}, "sample_size": {"after": required}},
        )  # fmt: skip
    return experiment


def experiment_start(*, experiment: Experiment, actor: Actor) -> Experiment:
    """Draft -> running: units are assigned from now on."""
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if experiment.status != ExperimentStatus.DRAFT:
            raise ConflictError(
                _("Only a draft experiment starts; this one is %(status)s.") % {"status": experiment.status}
            )
        experiment.status, experiment.started_at = ExperimentStatus.RUNNING, timezone.now()
        experiment.save(update_fields=["status", "started_at"])
        audit_record(actor=actor, action="ml.experiment_started", target=experiment)
    return experiment


def experiment_stop(*, experiment: Experiment, actor: Actor, reason: str) -> Experiment:
    """Running -> stopped, with the reason (usually the stop rule's decision)."""
    if not reason.strip():
        raise ApplicationError(_("Say why the experiment stops."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if experiment.status != ExperimentStatus.RUNNING:
            raise ConflictError(
                _("Only a running experiment stops; this one is %(status)s.") % {"status": experiment.status}
            )
        experiment.status, experiment.stopped_at = ExperimentStatus.STOPPED, timezone.now()
        experiment.stop_reason = reason.strip()[:300]
        experiment.save(update_fields=["status", "stopped_at", "stop_reason"])
        audit_record(actor=actor, action="ml.experiment_stopped", target=experiment, reason=experiment.stop_reason)
    return experiment


def _running(key: str) -> Experiment:
    experiment = Experiment.objects.filter(key=key).first()
    if experiment is None:
        raise NotFoundError(_("No experiment with key %(key)r.") % {"key": key})
    if experiment.status != ExperimentStatus.RUNNING:
        raise ConflictError(
            _("Experiment %(key)r is %(status)s, not running.") % {"key": key, "status": experiment.status}
        )
    return experiment


def experiment_assign(*, key: str, unit_id: str) -> tuple[Experiment, str, bool]:
    """The unit's variant (hashing; the same every time) and its exposure, recorded once: (experiment, variant,
    whether this call recorded it)."""
    experiment = _running(key)
    variant = variant_for(experiment.key, unit_id, experiment.variants)
    try:
        with transaction.atomic():
            ExperimentExposure.objects.create(experiment=experiment, unit_id=unit_id, variant=variant)
    except IntegrityError:
        return experiment, variant, False
    return experiment, variant, True


def experiment_outcome_record(*, key: str, unit_id: str, value: float) -> tuple[ExperimentOutcome, bool]:
    """The unit's metric value, once: the same value again is a no-op, a different one a conflict; a conversion is
    0 or 1, and the unit must have been exposed."""
    experiment = _running(key)
    if experiment.metric_kind == MetricKind.CONVERSION and value not in (0, 1):
        raise ApplicationError(_("A conversion outcome is 0 or 1."), fields={"value": [_("0 or 1.")]})
    exposure = ExperimentExposure.objects.filter(experiment=experiment, unit_id=unit_id).first()
    if exposure is None:
        raise ApplicationError(
            _("Unit %(unit_id)r was never assigned in %(key)r; assign it first.") % {"unit_id": unit_id, "key": key},
            code="not_exposed",
        )
    try:
        with transaction.atomic():
            outcome = ExperimentOutcome.objects.create(
                experiment=experiment, unit_id=unit_id, variant=exposure.variant, value=float(value)
            )
    except IntegrityError:
        outcome = ExperimentOutcome.objects.get(experiment=experiment, unit_id=unit_id)
        if outcome.value != float(value):
            raise ConflictError(
                _("Unit %(unit_id)r already has outcome %(outcome)g in %(key)r; an outcome is recorded once.")
                % {"unit_id": unit_id, "outcome": outcome.value, "key": key}
            ) from None
        return outcome, False
    return outcome, True
