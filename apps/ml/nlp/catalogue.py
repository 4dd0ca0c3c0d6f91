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


def _words(text: str) -> list[str]:
    return text.split()


VERSION_KEY = "ml:nlp:catalogue-version"
SCHEDULE_VERSION_KEY = "ml:nlp:schedule-version"
FUZZY_MIN_LENGTH = 5
# Words cappers write that sit close to a team name but never mean one.
NOT_NAMES = frozenset(
    _words(
        "lock locks hammer hammers play plays pick picks today tonight units unit parlay parley bets best value "
        "sharp sharps fade tail tails card bomb whale max over under total line lines odds free game games week "
        "night early late slate spread spreads money moneyline straight leg legs bonus boost boosted potd de la "
        "el los las con para hoy vamos apuesta apuestas cuota gana ganar more less with from the and going gonna "
        "love like take taking hitting winner winners loser losers green red"
    )
)
# Abbreviations that are ordinary words: never read as teams (all-capitals messages would make capitals
# meaningless), and short ones that count only when written in capitals.
WORD_ABBREVIATIONS = frozenset(
    _words("no new sea car den min sun was pit ten ind van col ana mil bal lee eve ful bur oak mem cle")
)
CAPITALS_ONLY = frozenset(_words("ne sd sf kc tb gb lv nj sj az gs"))


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
    league_pattern: re.Pattern | None = None


@dataclass
class Mention:
    """A name found in a part: the teams it may mean, where it is, and how sure the match is."""

    text: str
    start: int
    end: int
    team_ids: set[int]
    score: float


_lock = threading.Lock()
_state: dict = {"catalogue": None, "version": None, "schedule_version": None, "built": 0.0}


def catalogue_version_bump() -> None:
    """Tell every process to rebuild its catalogue (teams, aliases or players changed)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def schedule_version_bump() -> None:
    """Tell every process to re-read the schedule of the window (a game was added, moved or finished)."""
    cache.set(SCHEDULE_VERSION_KEY, time.time_ns(), timeout=None)


def catalogue_versions() -> tuple:
    """(catalogue version, schedule version) seen by the last `catalogue_get` of this process."""
    return _state["version"], _state["schedule_version"]


def catalogue_get() -> Catalogue:
    """The current catalogue: both versions are read from the cache in one round trip per message, so a
    change made anywhere is seen by the next parse everywhere; a missing version (never set, or the cache
    was flushed) starts a new one."""
    versions = cache.get_many([VERSION_KEY, SCHEDULE_VERSION_KEY])
    for key in (VERSION_KEY, SCHEDULE_VERSION_KEY):
        if versions.get(key) is None:
            cache.add(key, time.time_ns(), timeout=None)
            versions[key] = cache.get(key)
    version = versions[VERSION_KEY]
    now = time.monotonic()
    with _lock:
        _state["schedule_version"] = versions[SCHEDULE_VERSION_KEY]
        expired = now - _state["built"] > settings.NLP_CATALOGUE_TTL_SECONDS
        if _state["catalogue"] is None or version != _state["version"] or expired:
            _state["catalogue"] = _build()
            _state["built"] = now
            _state["version"] = version
        return _state["catalogue"]


def _build() -> Catalogue:
    catalogue = Catalogue()
    for league in League.objects.only("key", "name"):
        catalogue.league_names[league.key] = league.name
        for word in {league.key, league.name, *LEAGUE_WORDS.get(league.key, ())}:
            catalogue.leagues[name_normalise(word)] = league.key
    for team in Team.objects.select_related("league").only("name", "abbreviation", "league__key", "league__name"):
        catalogue.teams[team.pk] = TeamEntry(team.pk, team.name, team.league.key, team.league.name)
        catalogue.names.setdefault(name_normalise(team.name), set()).add(team.pk)
        for nickname in _nicknames(team.name):
            catalogue.names.setdefault(nickname, set()).add(team.pk)
        if team.abbreviation:
            catalogue.abbreviations.setdefault(name_normalise(team.abbreviation), set()).add(team.pk)
    for team_id, normalised, kind in TeamAlias.objects.values_list("team_id", "normalised", "kind"):
        target = catalogue.abbreviations if kind == AliasKind.ABBREVIATION else catalogue.names
        target.setdefault(normalised, set()).add(team_id)
    _players_add(catalogue)
    catalogue.fuzzy_choices = sorted(
        name for name in catalogue.names if len(name) >= FUZZY_MIN_LENGTH and name not in NOT_NAMES
    )
    if catalogue.leagues:
        words = sorted(catalogue.leagues, key=len, reverse=True)
        catalogue.league_pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b")
    every = [*catalogue.names, *catalogue.abbreviations, *catalogue.players]
    catalogue.longest = max((len(name.split()) for name in every), default=1)
    return catalogue


def _nicknames(name: str) -> list[str]:
    """What a team name ends with ("Lakers", "Trail Blazers"): a catalogue without curated aliases (a league
    a feed just added) still knows teams by their nicknames."""
    words = name_normalise(name).split()
    found = [words[-1]] if len(words) >= 2 and len(words[-1]) >= 4 else []
    return found + ([" ".join(words[-2:])] if len(words) >= 3 else [])


def _players_add(catalogue: Catalogue) -> None:
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


_TOKEN = re.compile(r"[^\W_]+(?:['\u2019.][^\W_]+)*", re.UNICODE)


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
    return _merge_adjacent(mentions), players


def _merge_adjacent(mentions: list[Mention]) -> list[Mention]:
    """ "Philly Eagles", "Boston Bruins" written apart: a city and a nickname side by side that share a team
    are one mention of that team."""
    merged: list[Mention] = []
    for mention in mentions:
        previous = merged[-1] if merged else None
        if previous is not None and mention.start - previous.end <= 2:
            shared = previous.team_ids & mention.team_ids
            if shared and shared != previous.team_ids | mention.team_ids:
                merged[-1] = Mention(
                    f"{previous.text} {mention.text}",
                    previous.start,
                    mention.end,
                    shared,
                    min(previous.score, mention.score),
                )
                continue
        merged.append(mention)
    return merged


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
            if key in WORD_ABBREVIATIONS or (key in CAPITALS_ONLY and not written.isupper()):
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
