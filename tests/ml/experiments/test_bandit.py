"""The bandit: routing (None without a running bandit), stored steps, atomic posterior updates, regret."""

import threading
import uuid

import pytest
from django.db import connection

from apps.core.errors import ApplicationError, ConflictError, NotFoundError
from apps.ml.experiments.routing import bandit_route
from apps.ml.experiments.services import bandit_create, bandit_reward, bandit_start, bandit_stop
from apps.ml.experiments.simulation import regret_simulate
from apps.ml.models import BanditArm, BanditStep


def test_routing_returns_none_without_a_bandit(db):
    assert bandit_route("leg_win_probability", uuid.uuid4()) is None
    assert not BanditStep.objects.exists()


def test_routing_returns_none_for_a_stopped_bandit(running_bandit, actor):
    bandit_stop(bandit=running_bandit, actor=actor)
    assert bandit_route("leg_win_probability", uuid.uuid4()) is None


def test_routing_picks_an_arm_and_stores_the_step(running_bandit, django_assert_num_queries):
    prediction_id = uuid.uuid4()
    with django_assert_num_queries(2):
        alias = bandit_route("leg_win_probability", prediction_id, tenant_id=7)
    step = BanditStep.objects.get(prediction_id=prediction_id)
    assert alias in {"champion", "challenger"} and step.arm.alias == alias
    assert set(step.sampled) == {"champion", "challenger"}
    assert alias == max(step.sampled, key=step.sampled.get)  # no exploration floor: the largest draw wins
    assert (step.episode_id, step.tenant_id, step.reward) == (running_bandit.current_episode_id, 7, None)


def test_routing_follows_the_evidence(running_bandit):
    BanditArm.objects.filter(bandit=running_bandit, alias="challenger").update(successes=300, failures=100)
    BanditArm.objects.filter(bandit=running_bandit, alias="champion").update(successes=100, failures=300)
    chosen = [bandit_route("leg_win_probability", uuid.uuid4()) for _ in range(30)]
    assert chosen == ["challenger"] * 30


def test_a_reward_moves_the_posterior_once(running_bandit):
    prediction_id = uuid.uuid4()
    alias = bandit_route("leg_win_probability", prediction_id)
    step = bandit_reward(prediction_id=prediction_id, reward=0.75)
    arm = BanditArm.objects.get(bandit=running_bandit, alias=alias)
    assert (arm.successes, arm.failures, step.reward) == (0.75, 0.25, 0.75)
    with pytest.raises(ConflictError, match="already has its reward"):
        bandit_reward(prediction_id=prediction_id, reward=1)
    arm.refresh_from_db()
    assert (arm.successes, arm.failures) == (0.75, 0.25)


@pytest.mark.parametrize("reward", [-0.1, 1.5, True, "1"])
def test_a_bad_reward_is_refused(running_bandit, reward):
    prediction_id = uuid.uuid4()
    bandit_route("leg_win_probability", prediction_id)
    with pytest.raises(ApplicationError, match="between 0 and 1"):
        bandit_reward(prediction_id=prediction_id, reward=reward)
    assert BanditStep.objects.get(prediction_id=prediction_id).reward is None


def test_another_tenants_prediction_is_not_found(running_bandit):
    prediction_id = uuid.uuid4()
    bandit_route("leg_win_probability", prediction_id, tenant_id=1)
    with pytest.raises(NotFoundError):
        bandit_reward(prediction_id=prediction_id, reward=1, tenant_id=2)
    with pytest.raises(NotFoundError):
        bandit_reward(prediction_id=uuid.uuid4(), reward=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_rewards_all_count(actor):
    """Rewards of many steps of one arm arrive at once from threads: every one lands in the posterior."""
    bandit = bandit_create(model_name="fraud_case_ranking", arms=["champion", "challenger"], actor=actor,
                           minimum_share=0.5)  # fmt: skip
    bandit_start(bandit=bandit, actor=actor)
    ids = [uuid.uuid4() for _ in range(16)]
    for prediction_id in ids:
        bandit_route("fraud_case_ranking", prediction_id)
    errors = []

    def reward(prediction_id):
        try:
            bandit_reward(prediction_id=prediction_id, reward=1)
            bandit_reward(prediction_id=prediction_id, reward=1)
        except ConflictError:
            pass
        except Exception as problem:  # noqa: BLE001 - collected and asserted below
            errors.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=reward, args=(prediction_id,)) for prediction_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    arms = BanditArm.objects.filter(bandit=bandit)
    assert sum(arm.successes for arm in arms) == 16 and sum(arm.failures for arm in arms) == 0
    assert BanditStep.objects.filter(reward=1).count() == 16


def test_thompson_regret_is_lower_than_fixed_allocation():
    result = regret_simulate(true_rates=[0.3, 0.5], steps=1500, seeds=5, first_seed=11)
    assert result["thompson"]["max"] * 3 < result["fixed_50_50"]["min"]
    assert result["fixed_50_50"]["mean"] == pytest.approx(0.2 * 1500 / 2, rel=0.1)
