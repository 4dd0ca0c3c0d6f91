"""The bet-text parser (the contract other areas call) and the writes of its catalogue."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.betting.models import League, Team
from apps.core.errors import ApplicationError
from apps.ml.models import AliasKind, Player, TeamAlias
from apps.ml.nlp.aliases import CURATED, PLAYERS
from apps.ml.nlp.catalogue import catalogue_version_bump
from apps.ml.nlp.parsing import message_parse
from apps.ml.nlp.text import name_normalise

MAX_TEXT_LENGTH = 4000


def bet_text_parse(text: str, *, tenant=None) -> dict:
    """Structured bets from a capper's free text: `{"bets": [{"legs": [{"team", "game_external_id", "market",
    "selection", "line", "american_odds"}], "stake_units", "confidence"}], "unparsed", "language",
    "sentiment", "keywords", "entities"}`. Ambiguous parts go to `unparsed` (with a reason), never guessed.

    The catalogue (teams, aliases, players, games) is shared by every tenant, so `tenant` does not change
    the result today; it is part of the signature so callers need not change if tenants get their own aliases.
    """
    if not isinstance(text, str):
        raise ApplicationError(
            _("The text must be a string."), code="text_invalid", fields={"text": [_("Not a string.")]}
        )
    if len(text) > MAX_TEXT_LENGTH:
        message = _("The text has %(length)s characters; the parser reads at most %(maximum)s.") % {
            "length": f"{len(text):,}",
            "maximum": f"{MAX_TEXT_LENGTH:,}",
        }
        raise ApplicationError(message, code="text_too_long", fields={"text": [message]})
    if not text.strip():
        message = _("The text is empty: paste the bet as the capper wrote it.")
        raise ApplicationError(message, code="text_empty", fields={"text": [message]})
    return message_parse(text)


@transaction.atomic
def team_alias_create(*, team: Team, alias: str, kind: str = AliasKind.NICKNAME) -> TeamAlias:
    """Add another name for a team; the same normalised name twice for one team is refused."""
    normalised = name_normalise(alias)
    if not normalised:
        raise ApplicationError(_("The alias has no letters or digits."), code="alias_empty")
    if TeamAlias.objects.filter(team=team, normalised=normalised).exists():
        raise ApplicationError(
            _("%(name)s already has the alias '%(alias)s'.") % {"name": team.name, "alias": alias}, code="alias_exists"
        )
    row = TeamAlias.objects.create(team=team, alias=alias.strip(), normalised=normalised, kind=kind)
    transaction.on_commit(catalogue_version_bump)
    return row


@transaction.atomic
def team_aliases_seed() -> int:
    """Store the curated aliases (apps/ml/nlp/aliases.py) and players for the teams that exist; idempotent.
    Returns how many rows were created."""
    teams = {(team.league.key, team.name): team for team in Team.objects.select_related("league")}
    existing = set(TeamAlias.objects.values_list("team_id", "normalised"))
    rows = []
    for league_key, names in CURATED.items():
        for team_name, spec in names.items():
            team = teams.get((league_key, team_name))
            if team is None:
                continue
            groups = [group.split(",") for group in spec.split("|")]
            kinds = (AliasKind.NICKNAME, AliasKind.ABBREVIATION, AliasKind.CITY)
            for kind, aliases in zip(kinds, groups, strict=False):
                for alias in (alias.strip() for alias in aliases):
                    normalised = name_normalise(alias)
                    if normalised and (team.pk, normalised) not in existing:
                        existing.add((team.pk, normalised))
                        rows.append(TeamAlias(team=team, alias=alias, normalised=normalised, kind=kind))
    TeamAlias.objects.bulk_create(rows)
    created = len(rows) + _players_seed(teams)
    transaction.on_commit(catalogue_version_bump)
    return created


def _players_seed(teams: dict) -> int:
    leagues = {league.key: league for league in League.objects.all()}
    existing = set(Player.objects.values_list("league_id", "normalised"))
    rows = []
    for league_key, by_team in PLAYERS.items():
        league = leagues.get(league_key)
        if league is None:
            continue
        for team_name, names in by_team.items():
            for name in (name.strip() for name in names.split(",")):
                normalised = name_normalise(name)
                if (league.pk, normalised) not in existing:
                    existing.add((league.pk, normalised))
                    rows.append(
                        Player(name=name, normalised=normalised, league=league, team=teams.get((league_key, team_name)))
                    )
    Player.objects.bulk_create(rows)
    return len(rows)
