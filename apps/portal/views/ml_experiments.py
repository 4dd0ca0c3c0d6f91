"""Experiments and bandits in the portal: lists, an experiment's report with its charts, a bandit's posteriors,
allocation and the regret of the latest simulation; create, start and stop (staff holding the permission that
apps/ml/portal_experiments.py registered), through the ml services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.ml.experiments.selectors import (
    bandit_allocation,
    bandit_get,
    bandit_list,
    bandit_posteriors,
    bandit_recent_steps,
    bandit_simulation_latest,
    experiment_exposures_over_time,
    experiment_get,
    experiment_list,
    experiment_report,
)
from apps.ml.experiments.services import (
    bandit_create,
    bandit_simulation_run,
    bandit_start,
    bandit_stop,
    experiment_create,
    experiment_start,
    experiment_stop,
)
from apps.portal import ml_experiments_charts as charts
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.ml_experiments_forms import BanditForm, ExperimentForm, SimulationForm, StopForm

MANAGE_EXPERIMENTS, MANAGE_BANDITS = "ml.experiment_manage", "ml.bandit_manage"


def _require(request: HttpRequest, action: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied("Your role may read experiments and bandits but not change them.")


def _create(request: HttpRequest, *, permission: str, form, page, create, done) -> HttpResponse:
    """A create form posted: 403 without `permission`; the list `page` again with the form's or the service's
    message (400) and nothing written; else `create(actor=…, **cleaned_data)`, and `done(created)` gives the
    success message and the redirect."""
    _require(request, permission)
    if not form.is_valid():
        return page(request, form, status=400)
    try:
        created = create(actor=actor_for_request(request), **form.cleaned_data)
    except ApplicationError as refused:
        form.add_error(None, refused.message)
        return page(request, form, status=400)
    message, response = done(created)
    messages.success(request, message)
    return response


def _act(request: HttpRequest, actions: dict, action: str, done: str, response: HttpResponse) -> HttpResponse:
    """Run one of `actions` by name (404 for another name); its refusal or `done` is the message on `response`."""
    if action not in actions:
        raise Http404("No such action.")
    try:
        actions[action]()
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return response


def _experiments_page(request: HttpRequest, form: ExperimentForm, status: int = 200) -> HttpResponse:
    context = {
        "page": paginate(request, experiment_list()),
        "form": form,
        "may_manage": portal_user_may(request.user, MANAGE_EXPERIMENTS),
    }
    return render_portal(request, "portal/ml/experiments.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def ml_experiments(request: HttpRequest) -> HttpResponse:
    return _experiments_page(request, ExperimentForm())


@require_POST
@portal_view(OFFICER, ANALYST)
def ml_experiment_create(request: HttpRequest) -> HttpResponse:
    return _create(
        request,
        permission=MANAGE_EXPERIMENTS,
        form=ExperimentForm(request.POST),
        page=_experiments_page,
        create=experiment_create,
        done=lambda experiment: (
            f"Experiment {experiment.key} created as a draft.",
            redirect("portal:ml_experiment", key=experiment.key),
        ),
    )


def _experiment_or_404(key: str):
    try:
        return experiment_get(key=key)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def ml_experiment_detail(request: HttpRequest, key: str) -> HttpResponse:
    experiment = _experiment_or_404(key)
    report = experiment_report(experiment)
    context = {
        "experiment": experiment,
        "report": report,
        "exposures_figure": charts.cumulative_exposures_figure(
            experiment_exposures_over_time(experiment), experiment.variant_names
        ),
        "effect_figure": charts.effect_figure(report["effects"]),
        "may_manage": portal_user_may(request.user, MANAGE_EXPERIMENTS),
        "stop_form": StopForm(initial={"reason": report["decision"]["message"][:300]}),
    }
    return render_portal(request, "portal/ml/experiment.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def ml_experiment_action(request: HttpRequest, key: str, action: str) -> HttpResponse:
    _require(request, MANAGE_EXPERIMENTS)
    experiment = _experiment_or_404(key)
    actor = actor_for_request(request)

    def stop() -> None:
        form = StopForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Say why the experiment stops (up to 300 characters)."))
        experiment_stop(experiment=experiment, actor=actor, reason=form.cleaned_data["reason"])

    actions = {"start": lambda: experiment_start(experiment=experiment, actor=actor), "stop": stop}
    done = f"Experiment {experiment.key}: {action} done."
    return _act(request, actions, action, done, redirect("portal:ml_experiment", key=experiment.key))


def _bandits_page(request: HttpRequest, form: BanditForm, status: int = 200) -> HttpResponse:
    simulation = bandit_simulation_latest()
    context = {
        "bandits": bandit_list(),
        "form": form,
        "simulation_form": SimulationForm(),
        "simulation": simulation,
        "regret_figure": charts.regret_figure(simulation.result if simulation else None),
        "may_manage": portal_user_may(request.user, MANAGE_BANDITS),
    }
    return render_portal(request, "portal/ml/experiments_bandits.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def ml_bandits(request: HttpRequest) -> HttpResponse:
    return _bandits_page(request, BanditForm())


@require_POST
@portal_view(OFFICER, ANALYST)
def ml_bandit_create(request: HttpRequest) -> HttpResponse:
    return _create(
        request,
        permission=MANAGE_BANDITS,
        form=BanditForm(request.POST),
        page=_bandits_page,
        create=bandit_create,
        done=lambda bandit: (
            f"Bandit for {bandit.model_name} created (not running yet).",
            redirect("portal:ml_bandit", model_name=bandit.model_name),
        ),
    )


@require_POST
@portal_view(OFFICER, ANALYST)
def ml_bandit_simulate(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_BANDITS)
    form = SimulationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rates lie between 0 and 1; up to 5,000 steps and 10 seeds."))
        return redirect("portal:ml_bandits")
    data = form.cleaned_data
    bandit_simulation_run(true_rates=[data["rate_a"], data["rate_b"]], steps=data["steps"], seeds=data["seeds"])
    messages.success(request, _("Simulation done."))
    return redirect("portal:ml_bandits")


def _bandit_or_404(model_name: str):
    try:
        return bandit_get(model_name=model_name)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def ml_bandit_detail(request: HttpRequest, model_name: str) -> HttpResponse:
    bandit = _bandit_or_404(model_name)
    posteriors = bandit_posteriors(bandit)
    simulation = bandit_simulation_latest()
    context = {
        "bandit": bandit,
        "posteriors": posteriors,
        "posterior_figure": charts.posterior_figure(posteriors),
        "allocation_figure": charts.allocation_figure(bandit_allocation(bandit)),
        "regret_figure": charts.regret_figure(simulation.result if simulation else None),
        "simulation": simulation,
        "steps": bandit_recent_steps(bandit),
        "episodes": bandit.episodes.all()[:10],
        "may_manage": portal_user_may(request.user, MANAGE_BANDITS),
    }
    return render_portal(request, "portal/ml/experiments_bandit.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def ml_bandit_action(request: HttpRequest, model_name: str, action: str) -> HttpResponse:
    _require(request, MANAGE_BANDITS)
    bandit = _bandit_or_404(model_name)
    actor = actor_for_request(request)
    actions = {
        "start": lambda: bandit_start(bandit=bandit, actor=actor),
        "stop": lambda: bandit_stop(bandit=bandit, actor=actor, reason=request.POST.get("reason", "")[:300]),
    }
    done = f"Bandit of {bandit.model_name}: {action} done."
    return _act(request, actions, action, done, redirect("portal:ml_bandit", model_name=bandit.model_name))
