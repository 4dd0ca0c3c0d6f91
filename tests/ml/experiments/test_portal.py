"""The experiments' and bandits' portal pages: they render with their charts for portal roles; creating,
starting and stopping needs the permission (a superuser's), goes through the services and is audited."""

import json
import uuid

import pytest

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.ml.experiments.routing import bandit_route
from apps.ml.experiments.services import bandit_reward, bandit_simulation_run, experiment_assign
from apps.ml.models import Bandit, BanditSimulation, Experiment
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(staff_user):
    return verified_client(staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer"))


@pytest.fixture
def root_client(staff_user):
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


def _figure(response, name: str) -> dict:
    content = response.content.decode()
    start = content.index(f'id="{name}"')
    body = content[content.index(">", start) + 1 : content.index("</script>", start)]
    return json.loads(body)


def test_the_experiment_page_shows_the_report_and_charts(officer_client, make_experiment):
    make_experiment()
    for unit in range(40):
        experiment_assign(key="exp-a", unit_id=f"capper-{unit}")
    listing = officer_client.get("/portal/ml/experiments/")
    assert listing.status_code == 200 and b"exp-a" in listing.content
    assert b"New experiment" not in listing.content  # an officer reads, does not manage
    page = officer_client.get("/portal/ml/experiments/exp-a/")
    assert page.status_code == 200
    figure = _figure(page, "fig-exposures")
    assert sum(trace["y"][-1] for trace in figure["data"]) == 40
    assert b"No sample ratio mismatch" in page.content and b"Keep running" in page.content


def test_an_unknown_experiment_is_404(officer_client):
    assert officer_client.get("/portal/ml/experiments/nope/").status_code == 404


def test_an_officer_may_not_create_or_start(officer_client, make_experiment):
    make_experiment("draft", start=False)
    created = officer_client.post("/portal/ml/experiments/new/", {"key": "x"})
    started = officer_client.post("/portal/ml/experiments/draft/start/")
    assert (created.status_code, started.status_code) == (403, 403)
    assert list(Experiment.objects.values_list("key", "status")) == [("draft", "draft")]


def test_a_superuser_creates_starts_and_stops_an_experiment(root_client):
    form = {
        "key": "cards", "hypothesis": "Cards help", "unit_kind": "tenant", "metric": "retained",
        "metric_kind": "conversion", "variants": "control:2, treatment:1", "baseline_rate": "0.2",
        "minimum_detectable_effect": "0.05", "alpha": "0.05", "power": "0.8",
    }  # fmt: skip
    response = root_client.post("/portal/ml/experiments/new/", form)
    assert response.status_code == 302
    experiment = Experiment.objects.get(key="cards")
    assert experiment.variants == [{"name": "control", "weight": 2.0}, {"name": "treatment", "weight": 1.0}]
    root_client.post("/portal/ml/experiments/cards/start/")
    root_client.post("/portal/ml/experiments/cards/stop/", {"reason": "enough"})
    experiment.refresh_from_db()
    assert (experiment.status, experiment.stop_reason) == ("stopped", "enough")
    actions = set(AuditEvent.objects.filter(target_id=str(experiment.pk)).values_list("action", flat=True))
    assert actions == {"ml.experiment_created", "ml.experiment_started", "ml.experiment_stopped"}


def test_a_bad_experiment_form_is_400_and_writes_nothing(root_client):
    form = {"key": "bad", "hypothesis": "h", "unit_kind": "capper", "metric": "m", "metric_kind": "conversion",
            "variants": "only:1", "baseline_rate": "0.2", "minimum_detectable_effect": "0.05", "alpha": "0.05",
            "power": "0.8"}  # fmt: skip
    response = root_client.post("/portal/ml/experiments/new/", form)
    assert response.status_code == 400 and b"between 2 and 10" in response.content
    assert not Experiment.objects.exists()


def test_the_bandit_pages_show_posteriors_allocation_and_regret(officer_client, running_bandit):
    for reward in (1, 1, 0):
        prediction_id = uuid.uuid4()
        bandit_route("leg_win_probability", prediction_id)
        bandit_reward(prediction_id=prediction_id, reward=reward)
    bandit_simulation_run(true_rates=[0.3, 0.5], steps=100, seeds=2)
    assert officer_client.get("/portal/ml/bandits/").status_code == 200
    page = officer_client.get("/portal/ml/bandits/leg_win_probability/")
    assert page.status_code == 200
    posterior = _figure(page, "fig-posterior")
    assert {trace["name"].split()[0] for trace in posterior["data"]} == {"champion", "challenger"}
    allocation = _figure(page, "fig-allocation")
    assert sum(sum(trace["y"]) for trace in allocation["data"]) == 3
    regret = _figure(page, "fig-regret")
    assert regret["data"][0]["x"][-1] == 100


def test_a_superuser_creates_and_runs_a_bandit_and_a_simulation(root_client):
    form = {"model_name": "capper_skill", "arms": "champion, challenger", "prior_alpha": "2", "prior_beta": "2",
            "minimum_share": "0.1"}  # fmt: skip
    assert root_client.post("/portal/ml/bandits/new/", form).status_code == 302
    root_client.post("/portal/ml/bandits/capper_skill/start/")
    bandit = Bandit.objects.get(model_name="capper_skill")
    assert bandit.is_active and bandit.current_episode.number == 1 and bandit.prior_alpha == 2.0
    response = root_client.post("/portal/ml/bandits/simulate/", {"rate_a": "0.1", "rate_b": "0.2", "steps": "300",
                                                                 "seeds": "2"})  # fmt: skip
    assert response.status_code == 302
    assert BanditSimulation.objects.get().result["steps"] == 300
    assert root_client.post("/portal/ml/bandits/simulate/", {"rate_a": "2"}).status_code == 302
    assert BanditSimulation.objects.count() == 1


def test_a_security_analyst_manages_experiments_and_bandits_an_officer_only_reads(staff_user, officer_client):
    """The role that operates models (security analyst) holds the experiments' and bandits' change permissions the
    portal actions need; compliance officers hold the view permissions only (the admin lists), not the actions."""
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="analyst")
    analyst_client = verified_client(analyst)
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="reader")
    views = {"ml.view_experiment", "ml.view_bandit", "ml.view_banditsimulation", "ml.view_experimentexposure"}
    assert views <= analyst.get_all_permissions() and views <= officer.get_all_permissions()
    assert analyst.has_perms(["ml.change_experiment", "ml.change_bandit"])
    assert not officer.has_perm("ml.change_experiment") and not officer.has_perm("ml.change_bandit")

    assert b"New experiment" in analyst_client.get("/portal/ml/experiments/").content
    form = {
        "key": "cards", "hypothesis": "Cards help", "unit_kind": "tenant", "metric": "retained",
        "metric_kind": "conversion", "variants": "control:1, treatment:1", "baseline_rate": "0.2",
        "minimum_detectable_effect": "0.05", "alpha": "0.05", "power": "0.8",
    }  # fmt: skip
    assert analyst_client.post("/portal/ml/experiments/new/", form).status_code == 302
    assert analyst_client.post("/portal/ml/experiments/cards/start/").status_code == 302
    assert analyst_client.post("/portal/ml/experiments/cards/stop/", {"reason": "enough"}).status_code == 302
    assert Experiment.objects.get(key="cards").status == "stopped"
    assert analyst_client.post("/portal/ml/experiments/cards/pause/").status_code == 404  # no such action
    bandit = {"model_name": "capper_skill", "arms": "champion, challenger", "prior_alpha": "1", "prior_beta": "1",
              "minimum_share": "0.1"}  # fmt: skip
    assert analyst_client.post("/portal/ml/bandits/new/", bandit).status_code == 302
    assert analyst_client.post("/portal/ml/bandits/capper_skill/start/").status_code == 302
    assert Bandit.objects.get(model_name="capper_skill").is_active
    assert officer_client.post("/portal/ml/bandits/capper_skill/stop/", {"reason": "no"}).status_code == 403
    assert analyst_client.post("/portal/ml/bandits/capper_skill/stop/", {"reason": "done"}).status_code == 302
    assert not Bandit.objects.get(model_name="capper_skill").is_active
