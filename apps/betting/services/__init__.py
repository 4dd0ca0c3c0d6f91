"""Every state change of the betting domain (one transaction, invariants, audit event, signal)."""

from apps.betting.services.auto_grading import game_grade, games_grade
from apps.betting.services.bets import bet_place
from apps.betting.services.cappers import capper_create, capper_freeze, capper_unfreeze, capper_update
from apps.betting.services.corrections import game_correct_score
from apps.betting.services.games import game_record_result, game_upsert
from apps.betting.services.odds_quotes import OddsQuoteInput, odds_quotes_upsert
from apps.betting.services.settlement import bet_correct, bet_settle, bet_void

__all__ = [
    "bet_correct",
    "bet_place",
    "bet_settle",
    "bet_void",
    "capper_create",
    "capper_freeze",
    "capper_unfreeze",
    "capper_update",
    "game_correct_score",
    "game_grade",
    "games_grade",
    "game_record_result",
    "game_upsert",
    "OddsQuoteInput",
    "odds_quotes_upsert",
]
