"""The model registry in the portal (issue #16): models, one model (versions with metrics against the baseline,
aliases and their history, promotions, the forms that act on them), a version's evaluation report (calibration
and feature importance charts, the verdict), training jobs and their logs, the prediction log and drift.

Compliance officers and security analysts read every page (`portal_view`: a verified second factor); what
each may do is checked by the action views (apps/portal/views/ml_registry_actions.py)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.portal import portal_user_may
from apps.ml.models import RegisteredModel, TrainingJob
from apps.ml.registry import selectors
from apps.ml.registry.choices import CHAMPION
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.ml_charts import calibration_figure, feature_importance_figure
from apps.portal.shell import paginate, render_portal

ROLES = (OFFICER, ANALYST)


def _metric_rows(metrics: dict, baseline: dict) -> list[dict]:
    """Each metric of the model beside the baseline's (lower is better for the losses the trainers report)."""
    return [
        {
            "name": name,
            "model": value,
            "baseline": baseline.get(name),
            "difference": value - baseline[name] if name in baseline else None,
        }
        for name, value in metrics.items()
    ]


def _model(name: str) -> RegisteredModel:
    model = RegisteredModel.objects.filter(name=name).first()
    if model is None:
        raise Http404("No such model.")
    return model


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_models(request: HttpRequest) -> HttpResponse:
    models = [
        {"model": model, "aliases": sorted(model.aliases.all(), key=lambda alias: (alias.name != CHAMPION, alias.name))}
        for model in selectors.model_list()
    ]
    return render_portal(request, "portal/ml/models.html", {"models": models})


def _permissions(request: HttpRequest) -> dict:
    user = request.user
    return {
        "may_train": portal_user_may(user, "ml.train"),
        "may_request": portal_user_may(user, "ml.request_promotion"),
        "may_decide": portal_user_may(user, "ml.decide_promotion"),
        "may_move": portal_user_may(user, "ml.move_alias"),
    }


def render_model(
    request: HttpRequest, model: RegisteredModel, extra: dict | None = None, status: int = 200
) -> HttpResponse:
    versions = selectors.model_versions(model=model)
    aliases = {alias.name: alias.version_id for alias in model.aliases.all()}
    rows = [
        {
            "version": version,
            "aliases": sorted(name for name, version_id in aliases.items() if version_id == version.pk),
            "metrics": _metric_rows(version.metrics, version.baseline_metrics),
            "verdict": (version.report or {}).get("verdict", ""),
        }
        for version in versions
    ]
    context = {
        "model": model,
        "rows": rows,
        "aliases": sorted(
            model.aliases.select_related("version").only("name", "version__number", "model_id", "updated_at"),
            key=lambda a: a.name,
        ),
        "history": selectors.alias_history(model=model),
        "pending": selectors.pending_promotions(model=model),
        "decided": selectors.promotions_decided(model=model),
        "jobs": list(selectors.job_list().filter(model=model)[:5]),
        **_permissions(request),
        **(extra or {}),
    }
    return render_portal(request, "portal/ml/model.html", context, status=status)


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_model(request: HttpRequest, name: str) -> HttpResponse:
    return render_model(request, _model(name))


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_version(request: HttpRequest, name: str, number: int) -> HttpResponse:
    model = _model(name)
    version = selectors.version_get(model=model, number=number)
    if version is None:
        raise Http404("No such version.")
    report = version.report or {}
    calibration = report.get("calibration") or {}
    importance = report.get("feature_importance") or []
    context = {
        "model": model,
        "version": version,
        "report": report,
        "metrics": _metric_rows(version.metrics, version.baseline_metrics),
        "baseline_name": report.get("baseline_name", "baseline"),
        "calibration_figure": calibration_figure(
            calibration.get("model", []), calibration.get("baseline", []), report.get("baseline_name", "baseline")
        )
        if calibration.get("model")
        else None,
        "importance_figure": feature_importance_figure(importance) if importance else None,
        "extra": {
            key: value
            for key, value in report.items()
            if key not in ("verdict", "calibration", "feature_importance", "baseline_name")
        },
    }
    return render_portal(request, "portal/ml/version.html", context)


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_jobs(request: HttpRequest) -> HttpResponse:
    return render_portal(request, "portal/ml/jobs.html", {"page": paginate(request, selectors.job_list())})


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = (
        TrainingJob.objects.select_related("model", "version")
        .filter(pk=job_id)
        .defer("version__artifact", "version__reference_features")
        .first()
    )
    if job is None:
        raise Http404("No such training job.")
    return render_portal(request, "portal/ml/job.html", {"job": job})


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_predictions(request: HttpRequest) -> HttpResponse:
    model_name = request.GET.get("model", "")
    context = {
        "page": paginate(request, selectors.prediction_list(model_name=model_name)),
        "model_name": model_name,
        "model_names": list(RegisteredModel.objects.order_by("name").values_list("name", flat=True)),
    }
    return render_portal(request, "portal/ml/predictions.html", context)


@never_cache
@require_safe
@portal_view(*ROLES)
def ml_drift(request: HttpRequest) -> HttpResponse:
    return render_portal(request, "portal/ml/drift.html", {"page": paginate(request, selectors.drift_list())})
