"""The betting domain's models, split by aggregate."""

from apps.betting.models.bets import Bet, BetLeg, Capper
from apps.betting.models.ledger import LedgerEntry
from apps.betting.models.odds import OddsQuote
from apps.betting.models.sports import Game, League, Sport, Team

__all__ = ["Bet", "BetLeg", "Capper", "Game", "League", "LedgerEntry", "OddsQuote", "Sport", "Team"]
