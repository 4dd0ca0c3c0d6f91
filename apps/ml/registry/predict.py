"""The predict path: pick the alias (the caller's, else the bandit's, else champion), validate each input
row with the model's Predictor, answer from the cached estimator, and log a sample of calls.

Kept to one query on a warm process (the alias's version, without its bytes) plus the sampled log insert."""

import random
import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, NotFoundError
from apps.ml.experiments.routing import bandit_route
from apps.ml.models import PredictionLog
from apps.ml.registry.choices import CHAMPION
from apps.ml.registry.services import alias_version, version_estimator
from apps.ml.training import model_kind_get


def _rows(inputs) -> list:
    limit = settings.ML_PREDICT_MAX_INPUTS
    if not isinstance(inputs, list) or not inputs:
        raise ApplicationError(
            _("Send a non-empty list of input rows as 'inputs'."), fields={"inputs": [_("required")]}
        )
    if len(inputs) > limit:
        raise ApplicationError(
            _("At most %(limit)s input rows per call; this one has %(count)s. Split it.")
            % {"limit": limit, "count": len(inputs)},
            fields={"inputs": [_("at most %(limit)s rows") % {"limit": limit}]},
        )
    return inputs


def _validated(serializer_class, inputs: list) -> list[dict]:
    serializer = serializer_class(data=inputs, many=True)
    if serializer.is_valid():
        return list(serializer.validated_data)
    fields: dict[str, list[str]] = {}
    errors = serializer.errors  # per row: a list, or (newer DRF) a dict of the failing rows' indexes
    rows = errors.items() if isinstance(errors, dict) and all(isinstance(key, int) for key in errors) else None
    for index, row in rows if rows is not None else enumerate(errors if isinstance(errors, list) else [errors]):
        if isinstance(row, dict):
            for field, messages in row.items():
                fields[f"inputs[{index}].{field}"] = [str(message) for message in messages]
        elif row:
            fields[f"inputs[{index}]"] = [str(message) for message in row]
    first = next(iter(fields.items()))
    raise ApplicationError(
        _("Input row rejected: %(field)s: %(message)s") % {"field": first[0], "message": first[1][0]}, fields=fields
    )


def predict(
    *, name: str, inputs, alias: str | None = None, tenant_id: int | None = None, api_key_prefix: str = ""
) -> dict:
    """Predictions of a model for a list of input rows, with the alias and version that answered."""
    rows = _rows(inputs)
    kind = model_kind_get(name)
    if kind is None or kind.predictor is None:
        raise NotFoundError(_("No model named %(name)r serves predictions.") % {"name": name}, code="model_not_found")
    validated = _validated(kind.predictor.input_serializer, rows)  # before the bandit stores a step for it
    prediction_id = uuid.uuid4()
    chosen = alias or bandit_route(name, prediction_id, tenant_id=tenant_id) or CHAMPION
    try:
        version = alias_version(name=name, alias=chosen)
    except NotFoundError:
        if alias is not None or chosen == CHAMPION:
            raise
        chosen = CHAMPION  # the bandit named an alias the model no longer has
        version = alias_version(name=name, alias=chosen)
    estimator = version_estimator(version)
    outputs = kind.predictor.predict(estimator, validated)
    if random.random() < settings.ML_PREDICTION_LOG_SAMPLE:  # noqa: S311 - sampling, not security
        PredictionLog.objects.create(
            model_id=version.model_id,
            version=version,
            alias=chosen,
            prediction_id=prediction_id,
            tenant_id=tenant_id,
            api_key_prefix=api_key_prefix[:32],
            features=kind.predictor.features(validated),
            output=outputs,
        )
    return {
        "model": name,
        "alias": chosen,
        "version": version.number,
        "prediction_id": str(prediction_id),
        "predictions": outputs,
    }
