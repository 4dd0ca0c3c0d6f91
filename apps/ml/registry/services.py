"""Every state change of the registry's models, versions and aliases: creating a version from a training
result, loading one (its SHA-256 verified, a mismatch refused and alerted), moving aliases, four-eyes
promotions and rollbacks. Each change records an audit event in its transaction.

Which alias a new version gets: `challenger`, always (so the bandit and the portal can compare it with the
champion at once). A model with no champion yet that does NOT affect members also gets `champion` (there is
nothing to protect and predictions work from the first training); a model that affects members gets its
first and every later champion only through an approved promotion request."""

import logging
import subprocess
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from apps.ml.models import AliasMove, ModelAlias, ModelVersion, PromotionRequest, RegisteredModel, TrainingJob
from apps.ml.registry import refusals
from apps.ml.registry.alerts import artifact_tampered_alert
from apps.ml.registry.artifacts import (
    artifact_dump,
    artifact_load,
    artifact_sha256,
    loaded_estimators,
)
from apps.ml.registry.choices import (
    CHALLENGER,
    CHAMPION,
    AliasMoveKind,
    PromotionStatus,
    VersionStatus,
)
from apps.ml.training import TrainingResult, model_kind_get, model_kinds

logger = logging.getLogger(__name__)
REFERENCE_ROWS_MAX = 5000
ALIAS_CACHE_SECONDS = 300  # a safety net only: every move drops the entry after its commit


class ArtifactTampered(ApplicationError):
    """The stored bytes no longer match the version's SHA-256: refused (and alerted)."""

    status_code = 409
    code = "artifact_tampered"


@lru_cache(maxsize=1)
def running_code_version() -> str:
    """The git commit of the running code when it is a checkout, else the project's API version."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, no shell, fixed arguments
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    commit = done.stdout.strip() if done is not None and done.returncode == 0 else ""
    return commit or f"dbsbm {settings.SPECTACULAR_SETTINGS.get('VERSION', 'unknown')}"


def registered_model_get(*, name: str) -> RegisteredModel:
    """The model of this name, created from its registered kind on first use (NotFoundError: neither)."""
    model = RegisteredModel.objects.filter(name=name).first()
    if model is not None:
        return model
    kind = model_kind_get(name)
    if kind is None:
        raise NotFoundError(gettext("No model is named %(name)r.") % {"name": name}, code="model_not_found")
    model, _ = RegisteredModel.objects.get_or_create(
        name=name,
        defaults={"label": kind.label, "description": kind.description, "affects_members": kind.affects_members},
    )
    return model


def registered_models_sync() -> int:
    """Create or update the row of every registered kind (after migrate); returns how many were created."""
    created = 0
    for kind in model_kinds():
        values = {"label": kind.label, "description": kind.description, "affects_members": kind.affects_members}
        _, was_created = RegisteredModel.objects.update_or_create(name=kind.name, defaults=values)
        created += was_created
    return created


def _json_floats(values: dict) -> dict:
    return {str(key): float(value) for key, value in values.items()}


@transaction.atomic
def model_version_create(
    name: str, result: TrainingResult, *, actor: Actor, code_version: str | None = None, user=None
) -> ModelVersion:
    """Store a trained version (skops bytes + SHA-256 + its evidence), numbered after the model's last one;
    it becomes `challenger` (and `champion` of a model without one that does not affect members)."""
    model = RegisteredModel.objects.select_for_update().get(pk=registered_model_get(name=name).pk)
    data = artifact_dump(result.estimator)
    artifact_load(data)  # refuse now what could never be loaded (a type nobody trusted)
    last = model.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ModelVersion.objects.create(
        model=model,
        number=last + 1,
        artifact=data,
        artifact_sha256=artifact_sha256(data),
        artifact_size=len(data),
        params=result.params,
        metrics=_json_floats(result.metrics),
        baseline_metrics=_json_floats(result.baseline_metrics),
        report=result.report,
        feature_names=list(result.feature_names),
        reference_features=[[float(value) for value in row] for row in result.reference_features[:REFERENCE_ROWS_MAX]],
        data_fingerprint=result.data_fingerprint,
        data_from=result.data_from,
        data_to=result.data_to,
        train_rows=result.train_rows,
        test_rows=result.test_rows,
        code_version=(code_version or running_code_version())[:64],
        trained_by=user,
        trained_by_label=actor.label[:150],
    )
    audit_record(
        actor=actor,
        action="ml.model_version_created",
        target=version,
        changes={"model": model.name, "number": version.number, "sha256": version.artifact_sha256},
    )
    _alias_set(model, CHALLENGER, version, actor=actor, kind=AliasMoveKind.NEW_VERSION, reason="new version")
    if not model.affects_members and not ModelAlias.objects.filter(model=model, name=CHAMPION).exists():
        _alias_set(model, CHAMPION, version, actor=actor, kind=AliasMoveKind.NEW_VERSION, reason="first champion")
    return version


def _verified(version: ModelVersion, data: bytes) -> Any:
    observed = artifact_sha256(data)
    if observed != version.artifact_sha256 or version.status == VersionStatus.TAMPERED:
        with transaction.atomic():
            ModelVersion.objects.filter(pk=version.pk).update(status=VersionStatus.TAMPERED)
            aliases = list(ModelAlias.objects.filter(version_id=version.pk).values_list("name", flat=True))
            _forget_aliases(version.model.name, aliases)
            artifact_tampered_alert(version=version, observed_sha256=observed)
        raise ArtifactTampered(
            refusals.tampered_message(
                number=version.number, name=version.model.name, expected=version.artifact_sha256, observed=observed
            )
        )
    estimator = artifact_load(data)
    loaded_estimators.put(version.artifact_sha256, estimator)
    return estimator


def version_estimator(version: ModelVersion) -> Any:
    """The estimator of a version: from the in-process cache (verified when it was loaded) or its bytes,
    re-read and verified now."""
    estimator = loaded_estimators.get(version.artifact_sha256)
    if estimator is not None and version.status == VersionStatus.READY:
        return estimator
    data = bytes(ModelVersion.objects.values_list("artifact", flat=True).get(pk=version.pk))
    return _verified(version, data)


def version_verify(*, version: ModelVersion) -> None:
    """Re-read the version's bytes and check their SHA-256 (ArtifactTampered, alerted, on a mismatch)."""
    data = bytes(ModelVersion.objects.values_list("artifact", flat=True).get(pk=version.pk))
    _verified(version, data)


_CACHED_FIELDS = ("id", "model_id", "number", "artifact_sha256", "status")


def _alias_cache_key(name: str, alias: str) -> str:
    return f"ml:alias:{name}:{alias}"


def alias_version(*, name: str, alias: str) -> ModelVersion:
    """The version an alias of a model points at (NotFoundError naming what is missing): from the cache (Redis,
    dropped after commit whenever the alias moves or its version is found tampered), else one query. A
    cached version carries only its ids, number, SHA-256 and status."""
    key = _alias_cache_key(name, alias)
    cached = cache.get(key)
    if cached is not None:
        return ModelVersion(**cached)
    version = (
        ModelVersion.objects.filter(model__name=name, aliases__name=alias).only(*_CACHED_FIELDS).order_by().first()
    )
    if version is not None:
        cache.set(key, {field: getattr(version, field) for field in _CACHED_FIELDS}, ALIAS_CACHE_SECONDS)
        return version
    registered_model_get(name=name)  # an unknown model says so rather than "unknown alias"
    raise refusals.alias_not_found(name, alias)


def _forget_aliases(model_name: str, aliases: list[str]) -> None:
    keys = [_alias_cache_key(model_name, alias) for alias in aliases]
    transaction.on_commit(lambda: cache.delete_many(keys))


def model_load(name: str, alias: str = CHAMPION) -> tuple[ModelVersion, Any]:
    """The version an alias points at and its estimator (SHA-256 verified on every load from bytes)."""
    version = alias_version(name=name, alias=alias)
    return version, version_estimator(version)


def _alias_set(
    model: RegisteredModel, alias: str, version: ModelVersion, *, actor: Actor, kind: str, reason: str
) -> ModelAlias:
    current = ModelAlias.objects.select_for_update().filter(model=model, name=alias).first()
    previous = current.version if current is not None else None
    if current is None:
        current = ModelAlias.objects.create(model=model, name=alias, version=version)
    else:
        current.version = version
        current.updated_at = timezone.now()
        current.save(update_fields=["version", "updated_at"])
    _forget_aliases(model.name, [alias])
    AliasMove.objects.create(
        model=model,
        alias=alias,
        from_version=previous,
        to_version=version,
        kind=kind,
        actor_label=actor.label[:150],
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action="ml.alias_moved",
        target=current,
        changes={
            "model": model.name,
            "alias": alias,
            "from_version": previous.number if previous is not None else None,
            "to_version": version.number,
            "kind": kind,
        },
        reason=reason,
    )
    return current


def _version(model: RegisteredModel, number: int) -> ModelVersion:
    version = model.versions.filter(number=number).first()
    if version is None:
        raise refusals.version_not_found(model.name, number)
    if version.status != VersionStatus.READY:
        raise refusals.version_not_ready(number, model.name, version.get_status_display().lower())
    return version


def _needs_approval(model: RegisteredModel, alias: str) -> bool:
    return alias == CHAMPION and model.affects_members


@transaction.atomic
def alias_move(*, name: str, alias: str, version_number: int, actor: Actor, reason: str = "") -> ModelAlias:
    """Point an alias at a version; `champion` of a model that affects members moves only through an approved
    promotion request (PermissionDeniedError here)."""
    model = registered_model_get(name=name)
    if _needs_approval(model, alias):
        raise refusals.approval_needed(model.name)
    if not alias or len(alias) > 32 or not alias.replace("-", "").replace("_", "").isalnum():
        raise ApplicationError(_("An alias is 1-32 letters, digits, '-' or '_'."), fields={"alias": [_("invalid")]})
    return _alias_set(
        model, alias, _version(model, version_number), actor=actor, kind=AliasMoveKind.MOVE, reason=reason
    )


@transaction.atomic
def promotion_request(
    *, name: str, version_number: int, user, actor: Actor, reason: str, alias: str = CHAMPION
) -> PromotionRequest:
    """Ask for a version to become `alias` (champion); one pending request per model and alias."""
    if not reason.strip():
        raise ApplicationError(_("Say why this version should be promoted."), fields={"reason": [_("required")]})
    model = RegisteredModel.objects.select_for_update().get(pk=registered_model_get(name=name).pk)
    version = _version(model, version_number)
    if model.promotion_requests.filter(alias=alias, status=PromotionStatus.PENDING).exists():
        raise refusals.promotion_pending(model.name, alias)
    if ModelAlias.objects.filter(model=model, name=alias, version=version).exists():
        raise refusals.already_aliased(version.number, model.name, alias)
    request = PromotionRequest.objects.create(
        model=model, version=version, alias=alias, reason=reason.strip()[:500], requested_by=user
    )
    audit_record(
        actor=actor,
        action="ml.promotion_requested",
        target=request,
        changes={"model": model.name, "alias": alias, "version": version.number},
        reason=request.reason,
    )
    return request


def _pending(request: PromotionRequest, user) -> PromotionRequest:
    request = PromotionRequest.objects.select_for_update().select_related("model", "version").get(pk=request.pk)
    if request.status != PromotionStatus.PENDING:
        raise ConflictError(_("This promotion request was already %(status)s.") % {"status": request.status})
    if request.requested_by_id == user.pk:
        raise PermissionDeniedError(_("You asked for this promotion: a second staff user must decide it."))
    return request


@transaction.atomic
def promotion_approve(*, request: PromotionRequest, user, actor: Actor, note: str = "") -> PromotionRequest:
    """A second staff user (not the requester) approves: the alias moves to the requested version."""
    request = _pending(request, user)
    if request.version.status != VersionStatus.READY:
        raise refusals.version_not_promotable(request.version.number, request.version.status)
    request.status = PromotionStatus.APPROVED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="ml.promotion_approved",
        target=request,
        changes={"model": request.model.name, "alias": request.alias, "version": request.version.number},
        reason=request.decision_note,
    )
    _alias_set(
        request.model,
        request.alias,
        request.version,
        actor=actor,
        kind=AliasMoveKind.PROMOTION,
        reason=f"promotion request {request.pk} approved",
    )
    return request


@transaction.atomic
def promotion_reject(*, request: PromotionRequest, user, actor: Actor, note: str = "") -> PromotionRequest:
    """A second staff user rejects the request; the alias stays where it is."""
    request = _pending(request, user)
    request.status = PromotionStatus.REJECTED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="ml.promotion_rejected",
        target=request,
        changes={"model": request.model.name, "alias": request.alias, "version": request.version.number},
        reason=request.decision_note,
    )
    return request


@transaction.atomic
def alias_rollback(*, name: str, alias: str, actor: Actor, reason: str) -> ModelAlias:
    """Move the alias back to the version it pointed at before its last move (that version was approved
    then, so a rollback needs no second approval); nothing to go back to is a 409."""
    if not reason.strip():
        raise ApplicationError(_("Say why the alias is rolled back."), fields={"reason": [_("required")]})
    model = registered_model_get(name=name)
    current = ModelAlias.objects.select_for_update().filter(model=model, name=alias).first()
    if current is None:
        raise refusals.alias_not_found(model.name, alias)
    last = AliasMove.objects.filter(model=model, alias=alias, to_version=current.version).order_by("-id").first()
    previous = last.from_version if last is not None else None
    if previous is None:
        raise refusals.nothing_to_roll_back(model.name, alias)
    if previous.status != VersionStatus.READY:
        raise refusals.earlier_version_not_ready(previous.number, previous.status)
    return _alias_set(model, alias, previous, actor=actor, kind=AliasMoveKind.ROLLBACK, reason=reason.strip())


@transaction.atomic
def training_job_enqueue(name: str, params: dict | None = None, *, actor: Actor, user=None) -> TrainingJob:
    """Queue a training job of a registered model kind (its task is published after commit)."""
    # the tasks module imports the runner, which creates versions through this module
    from apps.ml.registry.tasks import training_job_run_task  # noqa: PLC0415 - a module-level import is circular

    if model_kind_get(name) is None:
        raise ApplicationError(
            _("No trainer is registered for %(name)r.") % {"name": name}, code="model_not_found", status_code=404
        )
    if params is not None and not isinstance(params, dict):
        raise ApplicationError(_("Training parameters are a JSON object."), fields={"params": [_("an object")]})
    model = registered_model_get(name=name)
    job = TrainingJob.objects.create(
        model=model, params=params or {}, requested_by=user, requested_by_label=actor.label[:150]
    )
    audit_record(actor=actor, action="ml.training_requested", target=job, changes={"model": name, "params": job.params})
    enqueue(training_job_run_task, job.pk)
    return job
