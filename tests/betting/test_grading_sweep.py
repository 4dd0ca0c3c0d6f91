import pytest

from apps.betting.choices import GameStatus
from apps.betting.models import Bet, Game
from apps.betting.selectors import games_with_pending_legs
from apps.betting.tasks import games_grade_sweep_task

pytestmark = pytest.mark.django_db


def test_the_sweep_grades_final_games_whose_grading_never_ran(make_game, place_bet):
    final = make_game("sweep-1")
    make_game("sweep-2", home="Lakers", away="Suns")  # still scheduled: not the sweep's business
    props_only = make_game("sweep-3", home="Heat", away="Bulls")
    place_bet("s1", [{"game": "sweep-1", "market": "moneyline", "selection": "home", "odds": 120}])
    place_bet("s2", [{"game": "sweep-2", "market": "moneyline", "selection": "home", "odds": 120}])
    place_bet("s3", [{"game": "sweep-3", "market": "prop", "selection": "LeBron 30+", "odds": 200}])
    # final scores written without the grading task (as when the broker was down at that moment)
    Game.objects.filter(pk__in=[final.pk, props_only.pk]).update(status=GameStatus.FINAL, home_score=3, away_score=1)

    assert games_with_pending_legs() == [final.pk]  # a pending prop waits for a person, not the sweep
    assert games_grade_sweep_task() == 1
    assert Bet.objects.get(external_id="s1").status == "won"
    assert Bet.objects.get(external_id="s2").status == "pending"
    assert games_with_pending_legs() == []
