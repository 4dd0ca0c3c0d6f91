"""The parser's in-memory view of the sports catalogue: every way a team, league or player is written,
normalised, with the teams each name may mean. Built from the database once per process and rebuilt when
the catalogue's version (bumped by the alias services, or every `NLP_CATALOGUE_TTL_SECONDS`) changes."""

import re
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from rapidfuzz import fuzz, process

from apps.betting.models import League, Team
from apps.ml.models import AliasKind, Player, TeamAlias
from apps.ml.nlp.aliases import LEAGUE_WORDS
from apps.ml.nlp.text import name_normalise

VERSION_KEY = "ml:nlp:catalogue-version"
FUZZY_MIN_LENGTH = 5
# Words cappers write that sit close to a team name but never mean one.
NOT_NAMES = frozenset(
    (
        "lock locks hammer hammers play plays pick picks today tonight units unit parlay parley bets best value "
        "sharp sharps fade tail tails card bomb whale max over under total line lines odds free game games week "
        "night early late slate spread spreads money moneyline straight leg legs bonus boost boosted potd de la "
        "el los las con para hoy vamos apuesta apuestas cuota gana ganar more less with from the and going gonna "
        "love like take taking hitting winner winners loser losers green red"
    ).split()
)
# Short abbreviations that are also ordinary words: they count only when written in capitals.
WORD_ABBREVIATIONS = frozenset(
    (
        "no ne sea car den min sun new ind mil was pit ana van col bal ten cle hou mia det dal tor sd sf kc tb gb "
        "lv nj sj az gs chi phi bos atl buf cin sac mem ari jax oak lee eve ful bur tex stl"
    ).split()
)


@dataclass(frozen=True)
class TeamEntry:
    id: int
    name: str
    league_key: str
    league_name: str


@dataclass
class Catalogue:
    teams: dict[int, TeamEntry] = field(default_factory=dict)
    names: dict[str, set[int]] = field(default_factory=dict)  # normalised name -> team ids
    abbreviations: dict[str, set[int]] = field(default_factory=dict)
    fuzzy_choices: list[str] = field(default_factory=list)
    leagues: dict[str, str] = field(default_factory=dict)  # normalised word -> league key
    league_names: dict[str, str] = field(default_factory=dict)  # league key -> name
    players: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)  # normalised -> (name, league, team)
    longest: int = 4

    def league_pattern(self) -> re.Pattern | None:
        if not self.leagues:
            return None
        words = sorted(self.leagues, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b")


@dataclass
class Mention:
    """A name found in a part: the teams it may mean, where it is, and how sure the match is."""

    text: str
    start: int
    end: int
    team_ids: set[int]
    score: float


_lock = threading.Lock()
_state: dict = {"catalogue": None, "version": None, "checked": 0.0, "built": 0.0, "league_pattern": None}


def catalogue_version_bump() -> None:
    """Tell every process to rebuild its catalogue (aliases or players changed)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def catalogue_version() -> int | None:
    return _state["version"]


def catalogue_get() -> Catalogue:
    """The current catalogue; the cache version is read at most once a second per process."""
    now = time.monotonic()
    if _state["catalogue"] is not None and now - _state["checked"] < 1.0:
        return _state["catalogue"]
    version = cache.get(VERSION_KEY)
    if version is None:  # never set, or the cache was flushed: start a new version everyone rebuilds on
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    ttl = getattr(settings, "NLP_CATALOGUE_TTL_SECONDS", 300)
    with _lock:
        stale = _state["catalogue"] is None or version != _state["version"] or now - _state["built"] > ttl
        if stale:
            _state["catalogue"] = _build()
            _state["built"] = now
            _state["version"] = version
            _state["league_pattern"] = _state["catalogue"].league_pattern()
        _state["checked"] = now
    return _state["catalogue"]


def league_pattern() -> re.Pattern | None:
    catalogue_get()
    return _state["league_pattern"]


def _build() -> Catalogue:
    catalogue = Catalogue()
    for league in League.objects.only("key", "name"):
        catalogue.league_names[league.key] = league.name
        for word in {league.key, league.name, *LEAGUE_WORDS.get(league.key, ())}:
            catalogue.leagues[name_normalise(word)] = league.key
    for team in Team.objects.select_related("league").only("name", "abbreviation", "league__key", "league__name"):
        catalogue.teams[team.pk] = TeamEntry(team.pk, team.name, team.league.key, team.league.name)
        catalogue.names.setdefault(name_normalise(team.name), set()).add(team.pk)
        if team.abbreviation:
            catalogue.abbreviations.setdefault(name_normalise(team.abbreviation), set()).add(team.pk)
    for team_id, normalised, kind in TeamAlias.objects.values_list("team_id", "normalised", "kind"):
        target = catalogue.abbreviations if kind == AliasKind.ABBREVIATION else catalogue.names
        target.setdefault(normalised, set()).add(team_id)
    short_names: dict[str, list] = {}
    for name, normalised, league_key, team_id in Player.objects.values_list(
        "name", "normalised", "league__key", "team_id"
    ):
        catalogue.players[normalised] = (name, league_key, team_id)
        for word in normalised.split():
            short_names.setdefault(word, []).append((name, league_key, team_id))
    for word, named in short_names.items():  # "LeBron", "Jokic": a first or last name only one player has
        if len(named) == 1 and len(word) >= 5 and word not in catalogue.names and word not in NOT_NAMES:
            catalogue.players.setdefault(word, named[0])
    catalogue.fuzzy_choices = sorted(
        name for name in catalogue.names if len(name) >= FUZZY_MIN_LENGTH and name not in NOT_NAMES
    )
    every = [*catalogue.names, *catalogue.abbreviations, *catalogue.players]
    catalogue.longest = max((len(name.split()) for name in every), default=1)
    return catalogue


_TOKEN = re.compile(r"[^\W_]+(?:['\u2019.&-][^\W_]+)*", re.UNICODE)


def mentions_find(catalogue: Catalogue, rest: str, original: str) -> tuple[list[Mention], list[tuple[str, str]]]:
    """Team mentions (longest exact name first, then fuzzy on what is left) and player mentions in `rest`
    (the part with the grammar's spans blanked); `original` keeps the writer's capitals for abbreviations."""
    tokens = [(match.start(), match.end(), name_normalise(match.group(0))) for match in _TOKEN.finditer(rest)]
    tokens = [token for token in tokens if token[2]]
    mentions: list[Mention] = []
    players: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        found = _exact_at(catalogue, tokens, index, original, mentions, players)
        index += found or 1
    _fuzzy_pass(catalogue, tokens, mentions)
    mentions.sort(key=lambda mention: mention.start)
    return mentions, players


def _contiguous(rest_tokens: list[tuple[int, int, str]], index: int, size: int) -> bool:
    return all(rest_tokens[i + 1][0] - rest_tokens[i][1] <= 3 for i in range(index, index + size - 1))


def _exact_at(catalogue, tokens, index, original, mentions, players) -> int:
    for size in range(min(catalogue.longest, len(tokens) - index), 0, -1):
        if not _contiguous(tokens, index, size):
            continue
        start, end = tokens[index][0], tokens[index + size - 1][1]
        key = " ".join(token[2] for token in tokens[index : index + size])
        if key in catalogue.players:
            name, league_key, _team_id = catalogue.players[key]
            players.append((name, league_key))
            return size
        if key in catalogue.names:
            mentions.append(Mention(original[start:end], start, end, set(catalogue.names[key]), 1.0))
            return size
        if key in catalogue.abbreviations:
            written = original[start:end]
            if key in WORD_ABBREVIATIONS and not written.isupper():
                continue
            mentions.append(Mention(written, start, end, set(catalogue.abbreviations[key]), 0.97))
            return size
    return 0


def _fuzzy_pass(catalogue, tokens, mentions) -> None:
    """Typos ("Lakerss", "Celitcs"): n-grams of words no exact name covered, scored with rapidfuzz."""
    taken = {position for mention in mentions for position in range(mention.start, mention.end)}
    free = [token for token in tokens if token[0] not in taken and token[2] not in NOT_NAMES and not token[2].isdigit()]
    used: set[int] = set()
    for size in (3, 2, 1):
        for index in range(len(free) - size + 1):
            window = free[index : index + size]
            if any(token[0] in used for token in window) or not _contiguous(free, index, size):
                continue
            key = " ".join(token[2] for token in window)
            if len(key) < FUZZY_MIN_LENGTH:
                continue
            best = process.extractOne(key, catalogue.fuzzy_choices, scorer=fuzz.ratio, score_cutoff=_cutoff(len(key)))
            if best is None:
                continue
            start, end = window[0][0], window[-1][1]
            mentions.append(Mention(key, start, end, set(catalogue.names[best[0]]), round(best[1] / 100 * 0.9, 3)))
            used.update(token[0] for token in window)


def _cutoff(length: int) -> float:
    # One wrong letter in a five-letter word is 80; longer names tolerate a little more.
    return 84.0 if length <= 7 else 82.0
