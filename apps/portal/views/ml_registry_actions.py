"""What staff do on a model's page: train now, request a promotion, approve or reject another person's request,
move an alias (not the champion of a model that affects members), roll an alias back. Each is a CSRF-protected
POST through the registry's services (one transaction, audited); bad input or a refused rule shows the page
again with the message (4xx) and writes nothing; a role that may read but not act gets 403."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.ml.models import PromotionRequest, RegisteredModel
from apps.ml.registry.services import (
    alias_move,
    alias_rollback,
    promotion_approve,
    promotion_reject,
    promotion_request,
    training_job_enqueue,
)
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.views.ml_registry import render_model

ROLES = (OFFICER, ANALYST)


def _require(request: HttpRequest, action: str, what: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied(f"Your role may read the model registry but not {what}.")


def _model(name: str) -> RegisteredModel:
    model = RegisteredModel.objects.filter(name=name).first()
    if model is None:
        raise Http404("No such model.")
    return model


def _refused(request: HttpRequest, model: RegisteredModel, error: ApplicationError) -> HttpResponse:
    messages.error(request, error.message)
    status = error.status_code if 400 <= error.status_code < 500 else 400
    return render_model(request, model, status=status)


def _model_action(request: HttpRequest, name: str, *, permission: str, what: str, act, done: str) -> HttpResponse:
    """One action on a model's page: 403 without `permission` (`what` says what the role may not do), 404 for
    an unknown model; `act(model)` refused shows the page again with the message and a 4xx; else `done` and back
    to the model's page."""
    _require(request, permission, what)
    model = _model(name)
    try:
        act(model)
    except ApplicationError as error:
        return _refused(request, model, error)
    messages.success(request, done)
    return redirect("portal:ml_model", name=model.name)


def _number(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError as error:
        raise ApplicationError(
            _("Choose a version (%(name)s).") % {"name": name}, fields={name: [_("a version number")]}
        ) from error


@never_cache
@require_POST
@portal_view(*ROLES)
def ml_train(request: HttpRequest, name: str) -> HttpResponse:
    _require(request, "ml.train", "train models")
    model = _model(name)
    try:
        raw = request.POST.get("params", "").strip()
        try:
            params = json.loads(raw) if raw else {}
        except json.JSONDecodeError as error:
            raise ApplicationError(_("Parameters must be a JSON object: %(msg)s.") % {"msg": error.msg}) from error
        job = training_job_enqueue(model.name, params, actor=actor_for_request(request), user=request.user)
    except ApplicationError as error:
        return _refused(request, model, error)
    messages.success(request, _("Training job %(job)s queued.") % {"job": job.pk})
    return redirect("portal:ml_job", job_id=job.pk)


@never_cache
@require_POST
@portal_view(*ROLES)
def ml_promotion_request(request: HttpRequest, name: str) -> HttpResponse:
    return _model_action(
        request,
        name,
        permission="ml.request_promotion",
        what="request promotions",
        act=lambda model: promotion_request(
            name=model.name,
            version_number=_number(request, "version"),
            user=request.user,
            actor=actor_for_request(request),
            reason=request.POST.get("reason", ""),
        ),
        done="Promotion requested; a second staff user must approve it.",
    )


@never_cache
@require_POST
@portal_view(*ROLES)
def ml_promotion_decide(request: HttpRequest, name: str, request_id: int) -> HttpResponse:
    _require(request, "ml.decide_promotion", "decide promotions")
    model = _model(name)
    promotion = PromotionRequest.objects.filter(pk=request_id, model=model).first()
    if promotion is None:
        raise Http404("No such promotion request.")
    decision = request.POST.get("decision")
    decide = {"approve": promotion_approve, "reject": promotion_reject}.get(decision)
    try:
        if decide is None:
            raise ApplicationError(_("Approve or reject."), fields={"decision": [_("approve or reject")]})
        decide(
            request=promotion, user=request.user, actor=actor_for_request(request), note=request.POST.get("note", "")
        )
    except ApplicationError as error:
        return _refused(request, model, error)
    messages.success(request, f"Promotion request {promotion.pk} {decision}d.")
    return redirect("portal:ml_model", name=model.name)


@never_cache
@require_POST
@portal_view(*ROLES)
def ml_alias_move(request: HttpRequest, name: str) -> HttpResponse:
    return _model_action(
        request,
        name,
        permission="ml.move_alias",
        what="move aliases",
        act=lambda model: alias_move(
            name=model.name,
            alias=request.POST.get("alias", "").strip(),
            version_number=_number(request, "version"),
            actor=actor_for_request(request),
            reason=request.POST.get("reason", ""),
        ),
        done="Alias moved.",
    )


@never_cache
@require_POST
@portal_view(*ROLES)
def ml_alias_rollback(request: HttpRequest, name: str) -> HttpResponse:
    return _model_action(
        request,
        name,
        permission="ml.move_alias",
        what="roll aliases back",
        act=lambda model: alias_rollback(
            name=model.name,
            alias=request.POST.get("alias", "").strip(),
            actor=actor_for_request(request),
            reason=request.POST.get("reason", ""),
        ),
        done="Alias rolled back.",
    )
