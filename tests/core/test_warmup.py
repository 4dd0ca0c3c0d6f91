"""Warm-ups (apps/core/warmup.py): registered by apps, run in a background thread when a server (the ASGI lifespan)
or a Celery pool process starts, never at import; the parser's language models are one (apps/ml/nlp)."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator

from apps.core import warmup
from apps.core.scheduler import lifespan_application
from apps.ml.nlp import analysis

PARSER = "bet-text parser: language models"


@pytest.fixture
def warm_ups_on(settings):
    settings.WARM_UP_ENABLED = True
    warmup.state.warmed.clear()
    warmup.state.failed.clear()
    yield
    warmup.unregister_warm_up("test: ran")
    warmup.unregister_warm_up("test: broken")


def test_a_web_warm_up_runs_in_a_background_thread_and_a_failure_is_only_logged(warm_ups_on):
    ran_in = []
    warmup.register_warm_up("test: broken", lambda: 1 / 0)
    warmup.register_warm_up("test: ran", lambda: ran_in.append(threading.current_thread().name))
    warmup.unregister_warm_up(PARSER)  # not the 4 s of language models here (the lifespan test loads them)
    try:
        thread = warmup.warm_up_start("web")
        thread.join(timeout=30)
    finally:
        warmup.register_warm_up(PARSER, analysis.analysis_warm_up)

    assert ran_in == ["warm-up-web"] and thread is not threading.current_thread()
    assert (warmup.state.warmed, warmup.state.failed) == (["test: ran"], ["test: broken"])


def test_workers_run_only_the_warm_ups_registered_for_them_and_nothing_runs_when_off(warm_ups_on, settings):
    ran = []
    warmup.register_warm_up("test: ran", lambda: ran.append("worker"), web=False, worker=True)
    settings.WARM_UP_ENABLED = False
    assert warmup.warm_up_start("worker") is None

    settings.WARM_UP_ENABLED = True
    thread = warmup.warm_up_start("worker")  # the parser's models are a web warm-up unless ML_NLP_WARM_UP_WORKERS
    thread.join(timeout=30)

    assert ran == ["worker"] and warmup.state.warmed == ["test: ran"]
    with pytest.raises(ValueError, match="kind"):
        warmup.warm_up_start("beat")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_server_startup_loads_the_parser_language_models_in_the_background(warm_ups_on, settings):
    settings.EMBEDDED_SCHEDULER_ENABLED = False
    lifespan = ApplicationCommunicator(lifespan_application(), {"type": "lifespan"})
    await lifespan.send_input({"type": "lifespan.startup"})
    # the startup completes at once: the models load in a thread of their own while the server answers
    assert await lifespan.receive_output(timeout=5) == {"type": "lifespan.startup.complete"}
    for _ in range(1200):
        if PARSER in warmup.state.warmed:
            break
        await asyncio.sleep(0.05)

    assert PARSER in warmup.state.warmed and "detector" in analysis._tools
    assert await sync_to_async(analysis.language_detect)("the lakers will cover tonight, easy money") == "en"
    await lifespan.send_input({"type": "lifespan.shutdown"})
    assert await lifespan.receive_output(timeout=5) == {"type": "lifespan.shutdown.complete"}
