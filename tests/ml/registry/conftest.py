"""Registry fixtures: the demo kind trained on a few hundred synthetic rows, and a throw-away kind that
affects members (its champion moves only through an approved promotion)."""

import pytest

from apps.core.actors import Actor
from apps.ml.registry import demo
from apps.ml.registry.artifacts import loaded_estimators
from apps.ml.registry.services import model_version_create
from apps.ml.training import TrainingFailed, model_kind_register, model_kind_unregister

MEMBER_MODEL = "test_member_model"
BROKEN_MODEL = "test_broken_model"


def quiet(fraction: float, line: str) -> None:
    """A progress callback that keeps nothing (the trainer is called directly)."""


def demo_result(**params):
    return demo.train({"rows": 400, **params}, quiet)


@pytest.fixture(autouse=True)
def _fresh_estimator_cache():
    loaded_estimators.clear()
    yield
    loaded_estimators.clear()


@pytest.fixture
def member_kind():
    """A model kind that affects members, trained like the demo."""
    model_kind_register(
        MEMBER_MODEL,
        label="Test: affects members",
        description="",
        affects_members=True,
        train=demo.train,
        predictor=demo.DemoPredictor(),
    )
    yield MEMBER_MODEL
    model_kind_unregister(MEMBER_MODEL)


@pytest.fixture
def broken_kind():
    """A kind whose trainer refuses (too little data) or crashes, as params say."""

    def train(params, progress):
        progress(0.3, "reading the data")
        if params.get("crash"):
            raise ZeroDivisionError("division by zero")
        raise TrainingFailed("Only 12 settled legs in the window; at least 1,000 are needed.")

    model_kind_register(
        BROKEN_MODEL, label="Test: broken", description="", affects_members=False, train=train, predictor=None
    )
    yield BROKEN_MODEL
    model_kind_unregister(BROKEN_MODEL)


@pytest.fixture
def trainer() -> Actor:
    return Actor(kind="user", identifier="1", label="trainer")


@pytest.fixture
def demo_versions(db, trainer):
    """Two versions of demo_logistic: v1 is champion (the model does not affect members), v2 challenger."""
    first = model_version_create(demo.NAME, demo_result(seed=1), actor=trainer, code_version="test")
    second = model_version_create(demo.NAME, demo_result(seed=2), actor=trainer, code_version="test")
    return first, second
