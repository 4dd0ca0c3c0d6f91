"""Late posting reads the server's receive time: a bet that claims a placement before kick-off but
reached the server after it was posted late (apps/fraud/detectors/base.py, `settled_bets`)."""

from datetime import timedelta

import pytest
from django.db.models import F

from apps.betting.models import Bet
from apps.fraud.detectors import late_posting
from tests.fraud.helpers import outcomes

pytestmark = pytest.mark.django_db


def test_a_backdated_bet_received_after_kick_off_counts_as_late(make_capper, make_game, make_bet):
    cheat, lucky = make_capper("backdater"), make_capper("lucky")
    # every bet claims to be placed 30 minutes before kick-off
    backdated = [make_bet(cheat, make_game(), won=won, minutes=-30) for won in outcomes(14, 15)]
    for won in outcomes(5, 10):
        make_bet(cheat, make_game(), won=won, minutes=-120)
    for won in outcomes(9, 10, seed=2):
        make_bet(lucky, make_game(), won=won, minutes=-30)
    honest = Bet.objects.exclude(pk__in=[bet.pk for bet in backdated])
    honest.update(received_at=F("placed_at"))
    assert late_posting.detect(Bet.objects.all()) == []  # what the claimed times alone show

    for bet in backdated:  # ...but the server received them 30 minutes after kick-off
        Bet.objects.filter(pk=bet.pk).update(received_at=bet.legs.get().game.starts_at + timedelta(minutes=30))
    findings = late_posting.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [(cheat.pk,)]
    evidence = findings[0].evidence
    assert (evidence["late_bets"], evidence["late_wins"], evidence["pre_game_bets"]) == (15, 14, 10)
    assert sorted(evidence["bet_ids"]) == sorted(bet.pk for bet in backdated)
    assert evidence["median_minutes_after_start"] == 30.0
