"""An attacker who can write the database: rewritten history, truncation, forged checkpoints."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.audit.services import audit_seal_pending
from tests.audit.tampering import rewrite_history, truncate_chain

pytestmark = pytest.mark.django_db


def _call(name: str, *args: str) -> str:
    stdout = StringIO()
    call_command(name, *args, stdout=stdout)
    return stdout.getvalue()


def _verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        _call("audit_verify")
    assert error.value.returncode == 1
    return str(error.value)


@pytest.mark.parametrize("position", [0, 2, 7])
def test_an_event_rewritten_with_every_later_hash_recomputed_is_detected(record_events, position):
    """Done when of issue #11: plain SHA-256 (and the seals marked as the unkeyed algorithm) no
    longer passes, because the seals are keyed with a secret the database does not hold."""
    events = record_events(8)
    audit_seal_pending()

    rewrite_history(events[position].pk)

    assert _verify_fails().startswith(
        f"Audit chain BROKEN after {position} good events: first bad event {events[position].pk}: "
    )


def test_truncation_before_the_last_checkpoint_is_detected(record_events):
    record_events(8)
    _call("audit_verify")  # publishes a checkpoint of the chain head (seal 8)

    truncate_chain(keep=5)

    message = _verify_fails()
    assert "truncated" in message
    assert "seal 8" in message
