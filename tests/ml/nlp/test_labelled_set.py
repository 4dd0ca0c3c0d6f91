"""The issue's quality bar: at least 95% of the labelled messages fully correct (every leg's team, market,
selection, line and odds, the units, and whether something was left unparsed). The bench reports the same
figures per field (`make bench-ml`)."""

import collections

import pytest

from apps.ml.nlp.services import bet_text_parse
from tests.ml.nlp.labelled import Score, labelled_messages, score_message

pytestmark = pytest.mark.django_db


def test_the_labelled_set_is_large_and_varied():
    messages = labelled_messages()
    categories = collections.Counter(item["c"] for item in messages)
    assert len(messages) >= 300
    assert len({item["t"] for item in messages}) == len(messages), "a message is labelled twice"
    assert {"parlay", "language", "typo", "alias", "noise", "ambiguous"} <= set(categories)
    assert categories["ambiguous"] >= 30


def test_at_least_95_percent_of_the_labelled_messages_are_fully_correct(catalogue):
    score = Score()
    for item in labelled_messages():
        score_message(score, item, bet_text_parse(item["t"]), catalogue)
    report = "\n".join(f"{text!r}: {got}" for text, got in score.failures)
    assert score.full_accuracy >= 0.95, f"{score.fully_correct}/{score.messages} fully correct; wrong:\n{report}"
