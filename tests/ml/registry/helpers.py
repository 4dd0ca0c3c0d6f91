"""Plain helpers of the registry tests (fixtures live in conftest.py): the demo kind's training result and a
throw-away kind that affects members."""

from apps.ml.registry import demo
from apps.ml.training import model_kind_register

MEMBER_MODEL = "test_member_model"


def quiet(fraction: float, line: str) -> None:
    """A progress callback that keeps nothing (the trainer is called directly)."""


def demo_result(**params):
    return demo.train({"rows": 400, **params}, quiet)


def member_kind_register() -> str:
    """Register a model kind that affects members, trained like the demo; returns its name."""
    model_kind_register(
        MEMBER_MODEL,
        label="Test: affects members",
        description="",
        affects_members=True,
        train=demo.train,
        predictor=demo.DemoPredictor(),
    )
    return MEMBER_MODEL
