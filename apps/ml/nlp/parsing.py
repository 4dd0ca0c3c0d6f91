"""From a message to bets: split it into parts, read each part's grammar, find the teams it names, turn
each readable part into a leg and group the legs into bets. Whatever is bet-like but not clear (an alias
several teams share, a line without a sign, two markets at once, a period or prop bet) is returned in
`unparsed` with the reason, never guessed."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from apps.betting.choices import Market, Selection
from apps.ml.nlp import analysis
from apps.ml.nlp.aliases import LINE_SHAPES
from apps.ml.nlp.catalogue import Catalogue, Mention, catalogue_get, catalogue_versions, mentions_find
from apps.ml.nlp.grammar import PartReading, part_read
from apps.ml.nlp.selectors import team_next_games
from apps.ml.nlp.text import name_normalise, text_clean

# Parlay joiners: " + ", "+Celtics", "/" between words; commas and "|" separate legs without joining them.
_JOINER = re.compile(r"(\s+\+\s+|\+(?=\s*(?:[^\W\d_]|\d+ers\b))|(?<!\d)\s*/\s*(?!\d))")
_SEPARATOR = re.compile(r"\s*\|\s*|;|,(?!\d)")
_LEADING_JOIN = re.compile(r"^\s*(?:\+|&|and\b|y\b)\s*", re.IGNORECASE)
_SLASH_WORDS = (
    (re.compile(r"(?<![a-z])m/l(?![a-z])", re.I), "ML"),
    (re.compile(r"(?<![a-z])o/u(?![a-z])", re.I), "o/u"),
)
_SAFE_SLASH = re.compile(r"(?<![a-z])(?:o/u|w/)", re.I)
UNSURE = 0.5


@dataclass
class Part:
    line: int
    text: str
    joined: bool
    reading: PartReading
    mentions: list[Mention]
    players: list[tuple[str, str]]
    leagues: set[str]
    games: dict = field(default_factory=dict)


@dataclass
class Leg:
    data: dict
    part: Part
    confidence: float
    units: list[Decimal] = field(default_factory=list)


def message_parse(text: str) -> dict:
    """The parse of a whole message in the contract's shape (see `services.bet_text_parse`)."""
    catalogue = catalogue_get()
    cleaned = text_clean(text)
    parts = _parts(catalogue, cleaned)
    _resolve(catalogue, parts)
    legs, unparsed, loose_units = _legs(catalogue, parts)
    bets = _bets(parts, legs, loose_units, has_unparsed=bool(unparsed))
    words_text = _words_text(parts)
    language = analysis.language_detect(words_text)
    return {
        "bets": bets,
        "unparsed": unparsed,
        "language": language,
        "sentiment": analysis.sentiment_score(text, language),
        "keywords": analysis.keywords_extract(cleaned, language),
        "entities": _entities(catalogue, parts),
    }


def _parts(catalogue: Catalogue, cleaned: str) -> list[Part]:
    pattern = catalogue.league_pattern
    parts: list[Part] = []
    context: set[str] = set()
    for line_number, line in enumerate(cleaned.splitlines()):
        for word, replacement in _SLASH_WORDS:
            line = word.sub(replacement, line)
        leading = bool(_LEADING_JOIN.match(line)) and bool(parts)
        line = _LEADING_JOIN.sub("", line) if leading else line
        line_leagues = set(pattern.findall(name_normalise(line))) if pattern else set()
        line_leagues = {catalogue.leagues[word] for word in line_leagues}
        if line_leagues:
            context = line_leagues
        for chunk in _SEPARATOR.split(line):
            pieces = [piece for piece in _split_joined(chunk) if piece.strip()]
            for piece in pieces:
                for sub_piece in _split_by_teams(catalogue, piece):
                    reading = part_read(sub_piece)
                    mentions, players = mentions_find(catalogue, reading.rest, sub_piece)
                    joined = leading or len(pieces) > 1
                    parts.append(Part(line_number, sub_piece.strip(), joined, reading, mentions, players, set(context)))
    return parts


def _split_joined(chunk: str) -> list[str]:
    protected = _SAFE_SLASH.sub(lambda match: match.group(0).replace("/", "\x00"), chunk)
    pieces = [piece for index, piece in enumerate(_JOINER.split(protected)) if index % 2 == 0]
    return [piece.replace("\x00", "/") for piece in pieces]


def _split_by_teams(catalogue: Catalogue, piece: str) -> list[str]:
    """ "Lakers -3.5 Celtics ML": two teams each followed by its own market are two legs."""
    reading = part_read(piece)
    mentions, _ = mentions_find(catalogue, reading.rest, piece)
    markets = reading.market_positions
    if len(mentions) < 2 or len(markets) < 2:
        return [piece]
    cuts = [0]
    for previous, mention in zip(mentions, mentions[1:], strict=False):
        if any(previous.end <= position < mention.start for position in markets):
            cuts.append(mention.start)
    if len(cuts) == 1:
        return [piece]
    return [piece[start:end] for start, end in zip(cuts, [*cuts[1:], len(piece)], strict=True)]


def _resolve(catalogue: Catalogue, parts: list[Part]) -> None:
    """Narrow each mention's teams: by the league named in the part (or the line above), by the other team
    in the same part, then by which of them has a scheduled game in the window."""
    for part in parts:
        for mention in part.mentions:
            if len(mention.team_ids) > 1 and part.leagues:
                narrowed = {team for team in mention.team_ids if catalogue.teams[team].league_key in part.leagues}
                mention.team_ids = narrowed or mention.team_ids
        for mention in part.mentions:
            others = [other for other in part.mentions if other is not mention and len(other.team_ids) == 1]
            if len(mention.team_ids) > 1 and others:
                leagues = {catalogue.teams[next(iter(other.team_ids))].league_key for other in others}
                narrowed = {team for team in mention.team_ids if catalogue.teams[team].league_key in leagues}
                mention.team_ids = narrowed or mention.team_ids
    _narrow_by_message(catalogue, parts)
    candidates = {team for part in parts for mention in part.mentions for team in mention.team_ids}
    games = team_next_games(team_ids=candidates, version=catalogue_versions())
    for part in parts:
        for mention in part.mentions:
            if len(mention.team_ids) > 1:
                scheduled = {team for team in mention.team_ids if team in games}
                if len(scheduled) == 1:
                    mention.team_ids = scheduled
        part.games = games


def _narrow_by_message(catalogue: Catalogue, parts: list[Part]) -> None:
    """An alias still shared ("Reds") in a message whose other teams are all of one league takes that league."""
    sure = {
        catalogue.teams[next(iter(mention.team_ids))].league_key
        for part in parts
        for mention in part.mentions
        if len(mention.team_ids) == 1
    }
    if len(sure) != 1:
        return
    for part in parts:
        for mention in part.mentions:
            if len(mention.team_ids) > 1:
                narrowed = {team for team in mention.team_ids if catalogue.teams[team].league_key in sure}
                mention.team_ids = narrowed if len(narrowed) == 1 else mention.team_ids


def _legs(catalogue: Catalogue, parts: list[Part]) -> tuple[list[Leg], list[dict], list[Decimal]]:
    legs: list[Leg] = []
    unparsed: list[dict] = []
    loose_units: list[Decimal] = []
    matchup: Part | None = None
    for index, part in enumerate(parts):
        reading = part.reading
        if not part.mentions and not reading.has_bet_words:
            _loose_part(part, legs, unparsed, loose_units)
            continue
        if part.mentions and not reading.has_bet_words:
            following = parts[index + 1] if index + 1 < len(parts) else None
            role = _team_only_role(part, following)
            if role == "matchup":
                matchup = part
            elif role == "unclear":
                unparsed.append(_unparsed(part, _team_only_reason(reading)))
                loose_units.extend(reading.units)
            continue
        mentions = part.mentions
        if matchup is not None and reading.totals:
            mentions = [*matchup.mentions, *part.mentions]
        matchup = None
        leg, reason = _leg(catalogue, part, mentions)
        if leg is None:
            unparsed.append(_unparsed(part, reason))
            if part.joined:  # "A ML + B ML 1u" with B unclear: the 1u is still the parlay's stake
                loose_units.extend(reading.units)
            continue
        leg.units.extend(reading.units)
        legs.append(leg)
    return legs, unparsed, loose_units


def _loose_part(part: Part, legs: list[Leg], unparsed: list[dict], loose_units: list[Decimal]) -> None:
    """A part with neither team nor market: a bare number is unclear; units belong to the leg just before
    on the same line ("Lakers -3.5, 2u"), or to the message; the rest is chatter."""
    reading = part.reading
    if reading.ambiguous_numbers:
        unparsed.append(_unparsed(part, "a number without a sign or over/under: spread or total?"))
    elif reading.units and legs and legs[-1].part.line == part.line and not legs[-1].units:
        legs[-1].units.extend(reading.units)
    else:
        loose_units.extend(reading.units)


def _team_only_role(part: Part, following: Part | None) -> str:
    """A part naming teams and no market: the game of the next part's total ("Lakers vs Celtics" then
    "o221.5", or "Nuggets/Suns o 230"), a heading of the next part's bet, or unclear."""
    if following is not None and following.reading.totals and not part.reading.ambiguous_numbers:
        following.joined = following.joined and following.line != part.line
        return "matchup"
    if following is not None and _shares_team(part, following):
        return "heading"
    return "unclear"


def _team_only_reason(reading: PartReading) -> str:
    if reading.ambiguous_numbers:
        return f"a number without a sign or over/under ({reading.ambiguous_numbers[0]}): spread or total?"
    return "a team without a market (ML, a spread, a total or odds)"


def _shares_team(part: Part, other: Part) -> bool:
    teams = {team for mention in part.mentions for team in mention.team_ids}
    return any(mention.team_ids & teams for mention in other.mentions)


def _leg_refusal(part: Part, mentions: list[Mention]) -> str:
    """Why a part with a market cannot be one leg, or "" when it can."""
    reading = part.reading
    kinds = [bool(reading.totals), bool(reading.spreads), bool(reading.moneylines)]
    refusals = (
        (reading.unsupported, lambda: f"a market the parser does not take ({reading.unsupported[0]}): "
         "periods, props, team totals"),
        (part.players, lambda: f"a player bet ({part.players[0][0]}): props are not parsed"),
        (reading.ambiguous_numbers, lambda: f"a number without a sign or over/under ({reading.ambiguous_numbers[0]})"),
        (len(reading.odds) > 1, lambda: "several prices in one leg"),
        (sum(kinds) > 1 or len(reading.totals) > 1 or len(reading.spreads) > 1, lambda: "two markets in one leg"),
        (not mentions, lambda: "a market without a team"),
    )  # fmt: skip
    return next((reason() for failed, reason in refusals if failed), "")


def _leg(catalogue: Catalogue, part: Part, mentions: list[Mention]) -> tuple[Leg | None, str]:
    reading = part.reading
    refusal = _leg_refusal(part, mentions)
    if refusal:
        return None, refusal
    if reading.totals:
        market, anchor = Market.TOTAL, reading.totals[0][0]
    elif reading.spreads:
        market, anchor = Market.SPREAD, reading.spreads[0][0]
    else:
        market = Market.MONEYLINE
        anchor = (reading.moneylines or [position for position, _ in reading.odds])[0]
    mention = mentions[0] if market == Market.TOTAL else _nearest(mentions, anchor)
    team_ids = _narrow_by_line(catalogue, mention.team_ids, market, reading)
    if len(team_ids) != 1:
        names = sorted(catalogue.teams[team].name for team in team_ids)
        return None, f"'{mention.text}' may be {', '.join(names[:4])}: name the team or the league"
    team_id = next(iter(team_ids))
    game = part.games.get(team_id)
    if market == Market.TOTAL:
        selection, line = reading.totals[0][1], reading.totals[0][2]
    else:
        line = reading.spreads[0][1] if market == Market.SPREAD else None
        selection = None if game is None else Selection.HOME if game.home_team_id == team_id else Selection.AWAY
    data = {
        "team": catalogue.teams[team_id].name,
        "game_external_id": game.external_id if game else None,
        "market": str(market),
        "selection": str(selection) if selection else None,
        "line": _decimal_text(line),
        "american_odds": reading.odds[0][1] if reading.odds else None,
    }
    confidence = mention.score * (1.0 if game else 0.9)
    return Leg(data=data, part=part, confidence=confidence), ""


def _narrow_by_line(catalogue: Catalogue, team_ids: set[int], market: str, reading: PartReading) -> set[int]:
    """Of the teams an alias shares, those whose league offers such a line, when that leaves exactly one."""
    if len(team_ids) < 2 or market == Market.MONEYLINE:
        return team_ids
    fitting = set()
    for team_id in team_ids:
        spreads, lowest, highest = LINE_SHAPES.get(catalogue.teams[team_id].league_key, (None, 0, 1000))
        if market == Market.TOTAL:
            fits = lowest <= reading.totals[0][2] <= highest
        else:
            fits = spreads is None or abs(reading.spreads[0][1]) in spreads
        if fits:
            fitting.add(team_id)
    return fitting if len(fitting) == 1 else team_ids


def _nearest(mentions: list[Mention], anchor: int) -> Mention:
    before = [mention for mention in mentions if mention.end <= anchor]
    return before[-1] if before else min(mentions, key=lambda mention: abs(mention.start - anchor))


def _bets(parts: list[Part], legs: list[Leg], loose_units: list[Decimal], *, has_unparsed: bool) -> list[dict]:
    if not legs:
        return []
    is_parlay = any(part.reading.is_parlay for part in parts) or any(leg.part.joined for leg in legs)
    is_each = any(part.reading.is_each for part in parts)
    penalty = UNSURE if has_unparsed else 1.0
    if len(legs) == 1 or (is_parlay and not is_each):
        stakes = {value for leg in legs for value in leg.units} | set(loose_units)
        stake = next(iter(stakes)) if len(stakes) == 1 else None
        sure = 1.0 if len(stakes) <= 1 else UNSURE
        return [_bet(legs, stake, min(leg.confidence for leg in legs) * sure * penalty)]
    bets = []
    # "1u each" shares its units with every leg; a leg's own units otherwise stay its own.
    each_units = {value for leg in legs if leg.part.reading.is_each for value in leg.units}
    shared = set(loose_units) | each_units
    for leg in legs:
        own = set() if leg.part.reading.is_each else set(leg.units)
        stakes = own or shared
        stake = next(iter(stakes)) if len(stakes) == 1 else None
        sure = 1.0 if len(stakes) <= 1 else UNSURE
        bets.append(_bet([leg], stake, leg.confidence * sure * penalty))
    return bets


def _bet(legs: list[Leg], stake: Decimal | None, confidence: float) -> dict:
    return {
        "legs": [leg.data for leg in legs],
        "stake_units": _decimal_text(stake),
        "confidence": round(max(0.0, min(1.0, confidence)), 3),
    }


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "+0"} else text


def _unparsed(part: Part, reason: str) -> dict:
    return {"text": part.text, "reason": reason}


def _words_text(parts: list[Part]) -> str:
    """The message's words without team names, numbers and the grammar's tokens: what lingua judges."""
    words = []
    for part in parts:
        rest = list(part.reading.rest)
        for mention in part.mentions:
            rest[mention.start : mention.end] = " " * (mention.end - mention.start)
        words.append("".join(rest))
    return " ".join(" ".join(words).split())


def _entities(catalogue: Catalogue, parts: list[Part]) -> list[dict]:
    entities: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, text: str, value) -> None:
        if (kind, str(value)) not in seen:
            seen.add((kind, str(value)))
            entities.append({"type": kind, "text": text, "value": value})

    for part in parts:
        for kind, text, value in _part_entities(catalogue, part):
            add(kind, text, value)
    return entities


def _part_entities(catalogue: Catalogue, part: Part) -> list[tuple[str, str, object]]:
    found: list[tuple[str, str, object]] = [
        ("league", catalogue.league_names.get(league, league), league) for league in sorted(part.leagues)
    ]
    found += [
        ("team", mention.text, catalogue.teams[next(iter(mention.team_ids))].name)
        for mention in part.mentions
        if len(mention.team_ids) == 1
    ]
    found += [("player", name, name) for name, _league in part.players]
    found += [("odds", f"{odds:+d}", odds) for _position, odds in part.reading.odds]
    found += [("units", f"{_decimal_text(units)}u", _decimal_text(units)) for units in part.reading.units]
    found += [("money", money, money) for money in part.reading.money]
    return found
