"""Co-occurrence of cappers on the same games within a short time, as a networkx graph.

Shared by the two ring detectors. Two bets co-occur when different cappers bet the same market of
the same game within `window` seconds of each other; `relation` says which side pairs count (the
opposite side for opposite-side rings, the same side for copy rings). A pair of cappers is an edge
when it co-occurred on at least `min_games` distinct games *and* on at least `min_ratio` of all the
games both of them bet: two prolific cappers in a busy guild meet by chance now and then, but for
them such meetings are a small share of their common games; for a ring they are the rule. Rings are
the connected components of that graph (split into Louvain communities when large), in one tenant or
across tenants (games are shared by all tenants).

The pairing is vectorized (numpy): the paired-market legs are sorted by (game and market, time,
capper, selection, bet) and compared with the k-th next leg for k = 1, 2, … while any is still within
the window of its group. A meeting's position is (its group, its earlier leg, its later leg) in that
order, which is the order a loop over the groups (in order of first appearance) and over each sorted
group would meet them in; pairs, graph edges and the meetings listed as evidence keep that order.
"""

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse

from apps.betting.choices import Market, Selection
from apps.betting.models import Game
from apps.fraud.detectors.base import EVIDENCE_LIMIT, Finding, Legs, threshold

LARGE_COMPONENT = 8  # above this many members a component is split into communities
MEETINGS_PER_GAME = 4  # meetings listed per game in a ring's evidence
LOW_32 = (1 << 32) - 1
OPPOSITE = {
    Selection.HOME: Selection.AWAY,
    Selection.AWAY: Selection.HOME,
    Selection.OVER: Selection.UNDER,
    Selection.UNDER: Selection.OVER,
}
PAIRED_MARKETS = (Market.MONEYLINE, Market.SPREAD, Market.TOTAL)


def opposite_sides(selection: str) -> str | None:
    """The selection that meets this one: the other side."""
    return OPPOSITE.get(selection)


def same_side(selection: str) -> str:
    """The selection that meets this one: itself."""
    return selection


@dataclass(frozen=True)
class Meetings:
    """Every meeting (two cappers' legs related as asked, on one game and market, within the window), in order."""

    game_ids: np.ndarray
    first_bets: np.ndarray
    second_bets: np.ndarray
    first_moments: np.ndarray
    second_moments: np.ndarray


@dataclass(frozen=True)
class PairStats:
    games: np.ndarray  # distinct games the pair met on
    meetings: np.ndarray  # indices into Meetings, in order


@dataclass(frozen=True)
class Ring:
    capper_ids: tuple[int, ...]
    tenant_ids: tuple[int, ...]
    edges: list[dict]
    games: list[dict]
    meetings: int


def find_rings(
    legs: Legs, *, window: float, relation: Callable[[str], str | None], min_games: int, min_ratio: float
) -> list[Ring]:
    """Groups of cappers who repeatedly meet on the same games within `window` seconds.

    `relation(selection)` is the selection a later leg must have to meet a leg with `selection`.
    """
    meetings, pair_keys = _meetings(legs, window=window, relation=relation)
    if not len(pair_keys):
        return []
    tenant_of = _last_tenant_of(legs)
    # pairs in order of their first meeting, each with its meetings (in order) and its distinct games
    by_pair = np.argsort(pair_keys, kind="stable")
    starts = np.flatnonzero(np.diff(pair_keys[by_pair], prepend=-1))
    bounds = np.append(starts, len(by_pair))
    pairs, first_seen = pair_keys[by_pair][starts], by_pair[starts]
    pair_of = np.repeat(np.arange(len(pairs)), np.diff(bounds))  # of the meetings in by_pair order
    distinct = np.unique(pair_of * (int(meetings.game_ids.max()) + 1) + meetings.game_ids[by_pair])
    games_met = np.bincount(distinct // (int(meetings.game_ids.max()) + 1), minlength=len(pairs))
    candidates = np.flatnonzero(games_met >= min_games)
    candidates = candidates[np.argsort(first_seen[candidates], kind="stable")]
    shared_games = _shared_games(legs, pairs[candidates] >> 32, pairs[candidates] & LOW_32)
    graph = nx.Graph()
    for index, shared in zip(candidates.tolist(), shared_games.tolist(), strict=True):
        met = int(games_met[index])
        if met / shared >= min_ratio:
            first, second = divmod(int(pairs[index]), 1 << 32)
            own = by_pair[bounds[index] : bounds[index + 1]]
            stats = PairStats(games=np.unique(meetings.game_ids[own]), meetings=own)
            graph.add_edge(first, second, games=met, shared=shared, stats=stats)
    return [_ring(graph.subgraph(members), tenant_of, meetings) for members in _groups(graph)]


def ring_findings(
    legs: Legs,
    *,
    kind: str,
    window_threshold: str,
    relation: Callable[[str], str | None],
    score_per_meeting: float,
    explain: Callable[[Ring, str], str],
) -> list[Finding]:
    """One finding per ring of `find_rings` (window from the `window_threshold` setting, the ring thresholds):
    scored 0.5 plus `score_per_meeting` a meeting (at most 1), explained by `explain(ring, tenants)` where
    tenants is "across tenants" or "in one tenant"."""
    window = threshold(window_threshold)
    rings = find_rings(
        legs,
        window=window,
        relation=relation,
        min_games=threshold("ring_min_games"),
        min_ratio=threshold("ring_min_ratio"),
    )
    findings = []
    for ring in rings:
        tenants = "across tenants" if len(ring.tenant_ids) > 1 else "in one tenant"
        findings.append(
            Finding(
                kind=kind,
                capper_ids=ring.capper_ids,
                score=round(min(1.0, 0.5 + score_per_meeting * ring.meetings), 4),
                explanation=explain(ring, tenants),
                evidence={
                    "window_seconds": window,
                    "tenant_ids": list(ring.tenant_ids),
                    "pairs": ring.edges,
                    "games": ring.games,
                    "meetings": ring.meetings,
                },
            )
        )
    return findings


def _meetings(legs: Legs, *, window: float, relation: Callable[[str], str | None]) -> tuple[Meetings, np.ndarray]:
    """The meetings in order, and the pair of cappers of each (smaller id << 32 | larger id)."""
    paired = np.flatnonzero(np.isin(legs.markets, [str(market) for market in PAIRED_MARKETS]))
    games, markets = legs.game_ids[paired], legs.markets[paired]
    _, market_codes = np.unique(markets, return_inverse=True)
    group_keys = games * len(PAIRED_MARKETS) + market_codes
    # groups numbered in order of first appearance
    keys, first_rows, group_of = np.unique(group_keys, return_index=True, return_inverse=True)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.argsort(first_rows, kind="stable")] = np.arange(len(keys))
    names, selections = np.unique(legs.selections[paired], return_inverse=True)  # codes in str order
    code_of = {str(name): code for code, name in enumerate(names)}
    partners = (relation(str(name)) for name in names)
    partner = np.array([-1 if other is None else code_of.get(str(other), -1) for other in partners], dtype=np.int64)
    moments, cappers, bets = legs.moments[paired], legs.capper_ids[paired], legs.bet_ids[paired]
    order = np.lexsort((bets, selections, cappers, moments, rank[group_of]))
    group, moments, cappers = rank[group_of][order], moments[order], cappers[order]
    selections, bets, games = selections[order], bets[order], games[order]
    firsts, seconds = [], []
    active = np.arange(len(order) - 1)
    step = 1
    while len(active):
        later = active + step
        within = (group[later] == group[active]) & (moments[later] - moments[active] <= window)
        active, later = active[within], later[within]
        meet = (cappers[later] != cappers[active]) & (partner[selections[active]] == selections[later])
        firsts.append(active[meet])
        seconds.append(later[meet])
        step += 1
        active = active[active + step < len(order)]
    first = np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64)
    second = np.concatenate(seconds) if seconds else np.zeros(0, dtype=np.int64)
    in_order = np.lexsort((second, first))
    first, second = first[in_order], second[in_order]
    low = np.minimum(cappers[first], cappers[second])
    high = np.maximum(cappers[first], cappers[second])
    meetings = Meetings(
        game_ids=games[first],
        first_bets=bets[first],
        second_bets=bets[second],
        first_moments=moments[first],
        second_moments=moments[second],
    )
    return meetings, (low << 32) | high


def _shared_games(legs: Legs, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """How many distinct games (any market) both cappers of each pair bet: one sparse capper × game product."""
    if not len(firsts):
        return np.zeros(0, dtype=np.int64)
    cappers, capper_index = np.unique(legs.capper_ids, return_inverse=True)
    games, game_index = np.unique(legs.game_ids, return_inverse=True)
    incidence = sparse.csr_matrix(
        (np.ones(len(capper_index), dtype=np.int64), (capper_index, game_index)), shape=(len(cappers), len(games))
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1  # several legs of a capper on one game: one game
    common = (incidence @ incidence.T).tocsr()
    rows, columns = np.searchsorted(cappers, firsts), np.searchsorted(cappers, seconds)
    return np.asarray(common[rows, columns]).ravel().astype(np.int64)


def _last_tenant_of(legs: Legs) -> dict[int, int]:
    """The tenant of each capper's last leg (a capper belongs to one tenant)."""
    cappers, last = np.unique(legs.capper_ids[::-1], return_index=True)
    tenants = legs.tenant_ids[::-1][last]
    return dict(zip(cappers.tolist(), tenants.tolist(), strict=True))


def _groups(graph: nx.Graph) -> list[set[int]]:
    groups = []
    for component in nx.connected_components(graph):
        if len(component) > LARGE_COMPONENT:
            communities = nx.community.louvain_communities(graph.subgraph(component), weight="games", seed=0)
            groups.extend(community for community in communities if len(community) > 1)
        else:
            groups.append(component)
    return sorted(groups, key=lambda members: min(members))


def _ring(graph: nx.Graph, tenant_of: dict[int, int], meetings: Meetings) -> Ring:
    edges, parts = [], []
    for first, second, data in graph.edges(data=True):
        edges.append({"cappers": [first, second], "games_met": data["games"], "games_shared": data["shared"]})
        parts.append(data["stats"].meetings)
    # the ring's meetings in edge order; per game (the first EVIDENCE_LIMIT games by id) its first few
    ring_meetings = np.concatenate(parts)
    games = meetings.game_ids[ring_meetings]
    by_game = np.argsort(games, kind="stable")
    shown, starts = np.unique(games[by_game], return_index=True)
    shown, starts = shown[:EVIDENCE_LIMIT], starts[:EVIDENCE_LIMIT]
    external_ids = dict(Game.objects.filter(pk__in=shown.tolist()).values_list("pk", "external_id"))
    listed = []
    for game_id, start in zip(shown.tolist(), starts.tolist(), strict=True):
        rows = []
        for position in by_game[start : start + MEETINGS_PER_GAME].tolist():
            meeting = int(ring_meetings[position])
            if int(meetings.game_ids[meeting]) != game_id:
                break
            seconds = float(meetings.second_moments[meeting]) - float(meetings.first_moments[meeting])
            rows.append(
                {
                    "bet_ids": [int(meetings.first_bets[meeting]), int(meetings.second_bets[meeting])],
                    "seconds_apart": round(seconds, 1),
                }
            )
        listed.append({"game": external_ids.get(game_id, str(game_id)), "meetings": rows})
    members = tuple(sorted(graph.nodes))
    return Ring(
        capper_ids=members,
        tenant_ids=tuple(sorted({tenant_of[capper] for capper in members})),
        edges=sorted(edges, key=lambda edge: edge["cappers"]),
        games=listed,
        meetings=len(ring_meetings),
    )
