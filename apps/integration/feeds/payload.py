"""The feed's JSON, one page per answer, checked whole before anything is written.

    GET <base url>[?cursor=<cursor of the last run>]       (If-None-Match / If-Modified-Since when known)
    200 {
      "games": [
        {"external_id": "nfl-2026-w14-kc-buf", "sport": "football", "league": "NFL",
         "home_team": "Buffalo Bills", "away_team": "Kansas City Chiefs",
         "starts_at": "2026-12-07T18:00:00Z",
         "status": "scheduled" | "live" | "final" | "postponed" | "cancelled",
         "home_score": 27 | null, "away_score": 24 | null,      (both required when final)
         "updated_at": "2026-12-07T21:14:03Z",                  (the provider's change time: the lag metric)
         "odds": [                                              (optional: absent, null or a list)
           {"market": "moneyline" | "spread" | "total",
            "selection": "home" | "away" (moneyline, spread) | "over" | "under" (total),
            "line": "-3.5" | -3.5 | null,                       (required for spread and total, none for moneyline)
            "american_odds": -110,                              (an integer, at least +100 or at most -100)
            "bookmaker": "DraftKings",                          (optional: the source's name)
            "updated_at": "2026-12-07T17:55:00Z"}               (optional: the item's updated_at)
         ]}
      ],
      "next": "<URL of the next page, absolute or relative to this one>" | null,
      "cursor": "<opaque: sent as ?cursor= on the next run's first page>" | null   (last page only)
    }
    304 (nothing changed since the ETag / Last-Modified sent)

Anything else in a game's own fields — not JSON, another shape, a field missing or of the wrong type, a
naive date-time — is garbage: `FeedGarbage`, and the run fails without writing. Odds are checked per
game instead: a game whose odds are malformed (`odds_error` here) or refused by the betting service
(an unknown market, |odds| < 100, a spread without a line, …) is rejected alone, the game and its odds
together, and named in the run's errors; the rest of the listing is written. Unknown keys are ignored.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from apps.betting.choices import GameStatus
from apps.core.outbound import OutboundError

TEXT_FIELDS = {"external_id": 64, "sport": 40, "league": 40, "home_team": 120, "away_team": 120}
MAX_ODDS_PER_GAME = 500


class FeedGarbage(OutboundError):
    """The feed answered something that is not a page of the documented shape."""


class OddsMalformed(ValueError):
    """One game's odds are not of the documented shape: that game is rejected, not the run."""


@dataclass(frozen=True)
class FeedQuote:
    """One price as the feed states it; the betting service checks what the values mean."""

    market: str
    selection: str
    line: Decimal | None
    american_odds: int
    bookmaker: str  # "" when the feed names none
    quoted_at: datetime


@dataclass(frozen=True)
class FeedGame:
    external_id: str
    sport: str
    league: str
    home_team: str
    away_team: str
    starts_at: datetime
    status: str
    home_score: int | None
    away_score: int | None
    updated_at: datetime
    odds: tuple[FeedQuote, ...] = ()
    odds_error: str | None = None  # the first thing wrong with the item's odds: the item is rejected


@dataclass(frozen=True)
class FeedPage:
    games: list[FeedGame]
    next: str | None
    cursor: str | None


def _datetime(item: dict, name: str, where: str) -> datetime:
    value = item.get(name)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise FeedGarbage(f"{where}: {name} must be an ISO 8601 date-time with a time zone, got {value!r}.")
    return parsed


def _score(item: dict, name: str, where: str) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise FeedGarbage(f"{where}: {name} must be a whole number from 0 to 10000 or null, got {value!r}.")
    return value


def _line(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OddsMalformed(f"line must be a decimal string, a number or null, got {value!r}")
    try:
        line = Decimal(str(value).strip())
    except InvalidOperation:
        raise OddsMalformed(f"line must be a decimal string, a number or null, got {value!r}") from None
    if not line.is_finite():
        raise OddsMalformed(f"line must be a finite number, got {value!r}")
    return line


def _quote(entry: object, *, updated_at: datetime) -> FeedQuote:
    if not isinstance(entry, dict):
        raise OddsMalformed("is not an object")
    for name in ("market", "selection"):
        if not isinstance(entry.get(name), str):
            raise OddsMalformed(f"{name} must be a string, got {entry.get(name)!r}")
    odds = entry.get("american_odds")
    if isinstance(odds, bool) or not isinstance(odds, int):
        raise OddsMalformed(f"american_odds must be a whole number, got {odds!r}")
    bookmaker = entry.get("bookmaker")
    if not isinstance(bookmaker, str | None):
        raise OddsMalformed(f"bookmaker must be a string or absent, got {bookmaker!r}")
    quoted_at = updated_at
    if entry.get("updated_at") is not None:
        try:
            quoted_at = _datetime(entry, "updated_at", "the quote")
        except FeedGarbage as error:
            raise OddsMalformed(str(error)) from None
    return FeedQuote(
        market=entry["market"],
        selection=entry["selection"],
        line=_line(entry.get("line")),
        american_odds=odds,
        bookmaker=(bookmaker or "").strip(),
        quoted_at=quoted_at,
    )


def feed_odds(value: object, *, updated_at: datetime) -> tuple[tuple[FeedQuote, ...], str | None]:
    """A game's quotes, or the first thing wrong with them (the game is then rejected, not the run)."""
    if value is None:
        return (), None
    if not isinstance(value, list):
        return (), f"odds must be a list, got {type(value).__name__}"
    if len(value) > MAX_ODDS_PER_GAME:
        return (), f"odds has {len(value)} entries, more than {MAX_ODDS_PER_GAME}"
    quotes = []
    for index, entry in enumerate(value):
        try:
            quotes.append(_quote(entry, updated_at=updated_at))
        except OddsMalformed as error:
            return (), f"odds[{index}]: {error}"
    return tuple(quotes), None


def feed_game(item: object, where: str) -> FeedGame:
    if not isinstance(item, dict):
        raise FeedGarbage(f"{where} is not an object.")
    texts = {}
    for name, limit in TEXT_FIELDS.items():
        value = item.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise FeedGarbage(f"{where}: {name} must be a non-empty string of at most {limit} characters.")
        texts[name] = value.strip()
    status = item.get("status")
    if status not in GameStatus.values:
        raise FeedGarbage(f"{where}: status must be one of {', '.join(GameStatus.values)}, got {status!r}.")
    home_score, away_score = _score(item, "home_score", where), _score(item, "away_score", where)
    if status == GameStatus.FINAL and (home_score is None or away_score is None):
        raise FeedGarbage(f"{where}: a final game needs home_score and away_score.")
    updated_at = _datetime(item, "updated_at", where)
    odds, odds_error = feed_odds(item.get("odds"), updated_at=updated_at)
    return FeedGame(
        **texts,
        starts_at=_datetime(item, "starts_at", where),
        status=status,
        home_score=home_score,
        away_score=away_score,
        updated_at=updated_at,
        odds=odds,
        odds_error=odds_error,
    )


def feed_page(body: bytes, *, page: int) -> FeedPage:
    """Parse one answer; FeedGarbage names the first thing wrong (and where)."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedGarbage(f"Page {page} is not JSON: {error}.") from error
    if not isinstance(document, dict) or not isinstance(document.get("games"), list):
        raise FeedGarbage(f'Page {page} is not an object with a "games" list.')
    for name in ("next", "cursor"):
        if not isinstance(document.get(name), str | None):
            raise FeedGarbage(f"Page {page}: {name} must be a string or null.")
    games = [feed_game(item, f"Page {page}, game {index + 1}") for index, item in enumerate(document["games"])]
    return FeedPage(games=games, next=document.get("next") or None, cursor=document.get("cursor") or None)
