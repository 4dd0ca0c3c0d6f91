"""Co-occurrence of cappers on the same games within a short time, as a networkx graph.

Shared by the two ring detectors. Two bets co-occur when different cappers bet the same market of
the same game within `window` seconds of each other; `relation` says which side pairs count (the
opposite side for opposite-side rings, the same side for copy rings). A pair of cappers is an edge
when it co-occurred on at least `min_games` distinct games *and* on at least `min_ratio` of all the
games both of them bet: two prolific cappers in a busy guild meet by chance now and then, but for
them such meetings are a small share of their common games; for a ring they are the rule. Rings are
the connected components of that graph (split into Louvain communities when large), in one tenant or
across tenants (games are shared by all tenants).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
from django.db.models import QuerySet

from apps.betting.choices import Market, Selection
from apps.betting.models import Bet, Game
from apps.fraud.detectors.base import EVIDENCE_LIMIT, leg_rows

LARGE_COMPONENT = 8  # above this many members a component is split into communities
OPPOSITE = {
    Selection.HOME: Selection.AWAY,
    Selection.AWAY: Selection.HOME,
    Selection.OVER: Selection.UNDER,
    Selection.UNDER: Selection.OVER,
}
PAIRED_MARKETS = (Market.MONEYLINE, Market.SPREAD, Market.TOTAL)


def opposite_sides(first: str, second: str) -> bool:
    return OPPOSITE.get(first) == second


def same_side(first: str, second: str) -> bool:
    return first == second


@dataclass
class PairStats:
    games: set[int] = field(default_factory=set)
    meetings: list[tuple[int, int, int, float]] = field(default_factory=list)  # game, bet a, bet b, seconds


@dataclass(frozen=True)
class Ring:
    capper_ids: tuple[int, ...]
    tenant_ids: tuple[int, ...]
    edges: list[dict]
    games: list[dict]
    meetings: int


def find_rings(
    bets: QuerySet[Bet], *, window: float, relation: Callable[[str, str], bool], min_games: int, min_ratio: float
) -> list[Ring]:
    """Groups of cappers who repeatedly meet on the same games within `window` seconds."""
    legs = leg_rows(bets)
    groups: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    games_of: dict[int, set[int]] = defaultdict(set)
    tenant_of: dict[int, int] = {}
    for bet_id, capper_id, tenant_id, placed_at, game_id, market, selection, _line in legs:
        games_of[capper_id].add(game_id)
        tenant_of[capper_id] = tenant_id
        if market in PAIRED_MARKETS:
            groups[(game_id, market)].append((placed_at.timestamp(), capper_id, selection, bet_id))
    pairs: dict[tuple[int, int], PairStats] = defaultdict(PairStats)
    for (game_id, _market), rows in groups.items():
        rows.sort()
        for index, (moment, capper_id, selection, bet_id) in enumerate(rows):
            for other_moment, other_capper, other_selection, other_bet in rows[index + 1 :]:
                if other_moment - moment > window:
                    break
                if other_capper == capper_id or not relation(selection, other_selection):
                    continue
                key = (capper_id, other_capper) if capper_id < other_capper else (other_capper, capper_id)
                stats = pairs[key]
                stats.games.add(game_id)
                stats.meetings.append((game_id, bet_id, other_bet, round(other_moment - moment, 1)))
    graph = nx.Graph()
    for (first, second), stats in pairs.items():
        shared = len(games_of[first] & games_of[second])
        met = len(stats.games)
        if met >= min_games and met / shared >= min_ratio:
            graph.add_edge(first, second, games=met, shared=shared, stats=stats)
    return [_ring(graph.subgraph(members), tenant_of) for members in _groups(graph)]


def _groups(graph: nx.Graph) -> list[set[int]]:
    groups = []
    for component in nx.connected_components(graph):
        if len(component) > LARGE_COMPONENT:
            communities = nx.community.louvain_communities(graph.subgraph(component), weight="games", seed=0)
            groups.extend(community for community in communities if len(community) > 1)
        else:
            groups.append(component)
    return sorted(groups, key=lambda members: min(members))


def _ring(graph: nx.Graph, tenant_of: dict[int, int]) -> Ring:
    edges, meetings, game_ids = [], [], set()
    for first, second, data in graph.edges(data=True):
        edges.append({"cappers": [first, second], "games_met": data["games"], "games_shared": data["shared"]})
        meetings.extend(data["stats"].meetings)
        game_ids |= data["stats"].games
    external_ids = dict(Game.objects.filter(pk__in=game_ids).values_list("pk", "external_id"))
    by_game: dict[int, list] = defaultdict(list)
    for game_id, bet_id, other_bet, seconds in meetings:
        by_game[game_id].append({"bet_ids": [bet_id, other_bet], "seconds_apart": seconds})
    games = [
        {"game": external_ids.get(game_id, str(game_id)), "meetings": rows[:4]}
        for game_id, rows in sorted(by_game.items())
    ]
    members = tuple(sorted(graph.nodes))
    return Ring(
        capper_ids=members,
        tenant_ids=tuple(sorted({tenant_of[capper] for capper in members})),
        edges=sorted(edges, key=lambda edge: edge["cappers"]),
        games=games[:EVIDENCE_LIMIT],
        meetings=len(meetings),
    )
