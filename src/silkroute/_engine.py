"""The routing engine: a network compiled to compact arrays, searched with ``scipy.sparse.csgraph``.

A :class:`Compiled` network is an immutable snapshot of a networkx graph: node
and edge arrays, the place index and the link references. It is made for one
request (or one batch of requests) and never stored on the graph, so an edited
graph can never be answered from a stale copy. Constraints (avoided countries,
places, links, kinds, the mode, closed links) are boolean masks over the edge
arrays; a search builds a CSR matrix of the allowed edges (the lightest of
parallel edges) and runs Dijkstra from a virtual source joined to the start
nodes with their start costs, which also solves ordered waypoints stage by
stage exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from silkroute import schema
from silkroute._validate import validate_network
from silkroute.places import Place, PlaceIndex

__all__ = ["WEIGHTS", "Compiled", "EdgeStage", "GraphView", "Request", "Search", "TableView", "group_costs"]

#: What a route minimises → the edge attribute that is its weight (``cost`` and ``generalized``:
#: USD per FEU, on networks with costs, see :mod:`silkroute.costs`).
WEIGHTS = {
    "time": schema.TRAVEL_TIME,
    "distance": schema.LENGTH,
    "cost": schema.COST,
    "generalized": schema.GENERALIZED_COST,
}
#: Weights every compiled network has; the others are compiled when every edge carries them.
REQUIRED_WEIGHTS = ("time", "distance")
#: Modes a request can ask for.
MODES = ("rail", "road", "any")
#: Searches (CSR matrices of a request) a compiled network keeps.
_SEARCHES_KEPT = 8


class GraphView:
    """A read-only snapshot of a network's attributes: ``nodes[n]``, ``edges[u, v, k]`` and ``graph``.

    Routes read their numbers from the snapshot of the network they were found
    on, so changing the graph afterwards never changes a route already found.

    Parameters
    ----------
    G
        The network to copy (attribute dicts are copied, values are shared).
    """

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.nodes: dict[Any, dict[str, Any]] = {n: dict(d) for n, d in G.nodes(data=True)}
        self.edges: dict[tuple[Any, Any, Any], dict[str, Any]] = {
            (u, v, k): dict(d) for u, v, k, d in G.edges(keys=True, data=True)
        }
        self.graph: dict[str, Any] = dict(G.graph)


class _Rows(Mapping[Any, dict[str, Any]]):
    """Attribute dicts by node id or edge key, read from the tables row by row on first use."""

    def __init__(self, keys: Sequence[Any], row: Any, load: Any = None) -> None:
        self._keys, self._row, self._load = keys, row, load
        self._index: dict[Any, int] | None = None

    def _rows(self) -> dict[Any, int]:
        if self._index is None:
            self._index = dict(zip(self._keys, range(len(self._keys)), strict=True))
        return self._index

    def __getitem__(self, key: Any) -> dict[str, Any]:
        return dict(self._row(self._rows()[key]))

    def prefetch(self, keys: Sequence[Any]) -> None:
        """Read the rows of these keys in one go (when the source can), before they are asked for one by one."""
        if self._load is not None:
            index = self._rows()
            self._load([index[k] for k in keys])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class TableView:
    """A read-only view of a network's attributes read from its tables: ``nodes[n]``, ``edges[u, v, k]``, ``graph``.

    The tables are not changed by anyone, so the view is a snapshot like :class:`GraphView`.

    Parameters
    ----------
    applied
        A :class:`silkroute.scenario.AppliedTables`.
    node_ids
        Node id of each node row.
    edge_keys
        ``(u, v, key)`` of each edge row.
    """

    def __init__(self, applied: Any, node_ids: Sequence[Any], edge_keys: Sequence[tuple[Any, Any, Any]]) -> None:
        self.nodes = _Rows(node_ids, applied.node, applied.load_nodes)
        self.edges = _Rows(edge_keys, applied.edge, applied.load_edges)
        self.graph: dict[str, Any] = dict(applied.graph)


@dataclass(frozen=True)
class Request:
    """The constraints of one search (each a mask over the edges)."""

    optimize: str = "time"
    mode: str = "any"
    avoid_countries: frozenset[str] = frozenset()
    avoid_places: frozenset[str] = frozenset()
    avoid_kinds: frozenset[str] = frozenset()
    banned: frozenset[str] = frozenset()  # link references never used
    ignore_blocks: bool = False  # also use links the scenario makes unusable (to explain a failure)


@dataclass(frozen=True)
class Search:
    """The CSR matrix of the edges a request allows, and how to map its entries back to edges."""

    matrix: sp.csr_array
    edge_of: np.ndarray  # CSR entry → edge index
    codes: np.ndarray  # sorted u * n + v of the entries, for look-up
    weight: np.ndarray  # the weight of every edge
    allowed: np.ndarray  # the request's mask over every edge


@dataclass(frozen=True)
class EdgeStage:
    """A waypoint that is a link: the walk must traverse one of these edges (e.g. a ferry crossing)."""

    edges: np.ndarray

    def __len__(self) -> int:
        return len(self.edges)


def group_costs(matrix: sp.csr_array, sources: Sequence[np.ndarray], targets: Sequence[np.ndarray]) -> np.ndarray:
    """Return the least cost from each group of source nodes to each group of target nodes.

    One multi-source Dijkstra per source node (``scipy.sparse.csgraph.dijkstra``
    with ``indices=``, one batch), then the minimum over each group's nodes: a
    place is as near as the nearest of its nodes (one per gauge layer or mode).

    Parameters
    ----------
    matrix
        The CSR matrix of a :class:`Search` (or any square CSR matrix of edge weights).
    sources
        One array of node indices per row of the result (a place's nodes); none empty.
    targets
        One array of node indices per column of the result; none empty.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sources), len(targets))``; ``inf`` where no path exists.
    """
    if not len(sources) or not len(targets):
        return np.full((len(sources), len(targets)), np.inf)
    src = np.concatenate([np.asarray(g, dtype=np.int64) for g in sources])
    tgt = np.concatenate([np.asarray(g, dtype=np.int64) for g in targets])
    row_starts = np.cumsum([0, *(len(g) for g in sources[:-1])])
    col_starts = np.cumsum([0, *(len(g) for g in targets[:-1])])
    dist = np.asarray(dijkstra(matrix, directed=True, indices=src))[:, tgt]
    return np.asarray(np.minimum.reduceat(np.minimum.reduceat(dist, row_starts, axis=0), col_starts, axis=1))


@dataclass(frozen=True)
class Compiled:
    """A network as arrays: nodes ``0..n-1``, edges ``0..m-1`` with their endpoints, weights and masks.

    It is a snapshot: the weights, masks and the attribute copy in ``view``
    are taken when it is compiled; compile again after changing the graph.
    """

    source: Any = field(repr=False)  # the networkx graph, or the tables it is built from on demand
    view: GraphView | TableView = field(repr=False)
    node_ids: list[Any] = field(repr=False)
    edge_keys: list[tuple[Any, Any, Any]] = field(repr=False)
    u: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    weights: dict[str, np.ndarray] = field(repr=False)
    usable: np.ndarray = field(repr=False)
    kind: np.ndarray = field(repr=False)
    mode_ok: dict[str, np.ndarray] = field(repr=False)
    edge_country: np.ndarray = field(repr=False)
    node_country: np.ndarray = field(repr=False)
    node_place: np.ndarray = field(repr=False)
    ref_edges: dict[str, np.ndarray] = field(repr=False)
    places: PlaceIndex = field(repr=False)
    place_nodes: dict[str, np.ndarray] = field(repr=False)

    # caches of this snapshot: not copied by dataclasses.replace (other weights, other searches)
    _built: dict[str, nx.MultiDiGraph] = field(default_factory=dict, repr=False, init=False)
    _searches: dict[Request, Search] = field(default_factory=dict, repr=False, init=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def G(self) -> nx.MultiDiGraph:  # noqa: N802 - the networkx convention (osmnx, geopandas docs)
        """The networkx graph (built on first use when the network was compiled from tables)."""
        if isinstance(self.source, nx.MultiDiGraph):
            return self.source
        if "G" not in self._built:
            self._built["G"] = self.source.to_graph()
        return self._built["G"]

    @classmethod
    def from_tables(cls, applied: Any) -> Compiled:
        """Compile a network file's tables under a scenario, without building a graph.

        Parameters
        ----------
        applied
            A :class:`silkroute.scenario.AppliedTables`.

        Returns
        -------
        Compiled
            The same arrays :meth:`from_graph` gives for ``applied.to_graph()``; the
            graph itself is only built if something asks for :attr:`G`.

        Raises
        ------
        silkroute.NetworkError
            If a node lacks a valid position or an edge a valid length or travel time.
        """
        from silkroute._errors import NetworkError

        t = applied.tables
        source = t.source
        x = np.asarray(t.column("nodes", "x"), dtype=float)
        y = np.asarray(t.column("nodes", "y"), dtype=float)
        if not len(x) or not (np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)).all():
            msg = f"{source}: a node has no valid lon/lat; every node needs x and y in degrees"
            raise NetworkError(msg)
        for name, w in ((schema.LENGTH, applied.length), (schema.TRAVEL_TIME, applied.travel_time)):
            if not (np.isfinite(w) & (w >= 0)).all():
                msg = (
                    f"{source}: an edge has no valid '{name}' (finite, >= 0); rebuild the network with silkroute build"
                )
                raise NetworkError(msg)
        node_ids = t.column("nodes", "node")
        ends = [t.column("edges", c) for c in ("u", "v", "key")]
        kind = np.asarray(t.column("edges", "kind"), dtype=object)
        mode = np.asarray(t.column("edges", "mode"), dtype=object)
        carries = np.asarray(t.column("edges", "carries"), dtype=object)
        is_ferry, is_transfer = kind == schema.FERRY, kind == schema.TRANSFER
        mode_ok = {m: np.where(is_ferry, carries == m, (mode == m) & ~is_transfer) for m in schema.LINE_MODES} | {
            "any": np.ones(len(kind), dtype=bool)
        }
        group = applied.group
        order = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[order], np.arange(len(applied.reps) + 1))
        ref_lists: dict[str, list[np.ndarray]] = {}
        for g, rep in enumerate(applied.reps):
            for ref in schema.edge_refs(rep):
                ref_lists.setdefault(ref, []).append(order[bounds[g] : bounds[g + 1]])
        node_place = np.asarray(t.column("nodes", "place"), dtype=object)
        place_rows = np.flatnonzero(node_place != None)  # noqa: E711 - elementwise
        places = PlaceIndex(
            Place(
                str(node_place[i]),
                str(t.column("nodes", "name")[i] or node_place[i]),
                tuple(a for a in str(t.column("nodes", "aliases")[i] or "").split(";") if a),
                t.column("nodes", "country")[i],
                t.column("nodes", "kind")[i],
                float(x[i]),
                float(y[i]),
            )
            for i in place_rows.tolist()
        )
        place_lists: dict[str, list[int]] = {}
        for i in place_rows.tolist():
            place_lists.setdefault(str(node_place[i]), []).append(i)
        return cls(
            source=applied,
            view=TableView(applied, node_ids, list(zip(*ends, strict=True))),
            node_ids=node_ids,
            edge_keys=list(zip(*ends, strict=True)),
            u=applied.u,
            v=applied.v,
            weights={"time": applied.travel_time, "distance": applied.length}
            | ({"cost": applied.cost, "generalized": applied.generalized} if applied.cost is not None else {}),
            usable=applied.usable,
            kind=kind,
            mode_ok=mode_ok,
            edge_country=np.asarray(t.column("edges", "country"), dtype=object),
            node_country=np.asarray(t.column("nodes", "country"), dtype=object),
            node_place=node_place,
            ref_edges={r: np.sort(np.concatenate(ix)).astype(np.int64) for r, ix in ref_lists.items()},
            places=places,
            place_nodes={p: np.array(ix, dtype=np.int64) for p, ix in place_lists.items()},
        )

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph, *, optimize: Sequence[str] | None = None) -> Compiled:
        """Compile a network with travel times (see :func:`silkroute.scenario.apply`).

        Parameters
        ----------
        G
            A silkroute network.
        optimize
            The weights to extract (``time``: ``travel_time``; ``distance``: ``length``; ``cost``:
            ``cost_usd``; ``generalized``: ``generalized_cost_usd``); by default time and distance,
            and cost and generalized cost where every edge has them.

        Returns
        -------
        Compiled
            The arrays; ``G`` is referenced, not copied.

        Raises
        ------
        silkroute.NetworkError
            If ``G`` lacks what routing needs (the message says what).
        """
        if optimize is None:
            extra = [o for o in WEIGHTS if o not in REQUIRED_WEIGHTS]
            present = {o for o in extra if all(WEIGHTS[o] in d for _u, _v, d in G.edges(data=True))}
            optimize = (*REQUIRED_WEIGHTS, *(o for o in extra if o in present and G.number_of_edges()))
        validate_network(G, weights=[WEIGHTS[o] for o in optimize])
        node_ids = list(G.nodes)
        pos = {n: i for i, n in enumerate(node_ids)}
        node_data = [G.nodes[n] for n in node_ids]
        edges = list(G.edges(keys=True, data=True))
        u = np.fromiter((pos[a] for a, _b, _k, _d in edges), dtype=np.int64, count=len(edges))
        v = np.fromiter((pos[b] for _a, b, _k, _d in edges), dtype=np.int64, count=len(edges))
        data = [d for *_, d in edges]
        weights = {o: np.array([float(d[WEIGHTS[o]]) for d in data]) for o in optimize}
        kind = np.array([d.get("kind") for d in data], dtype=object)
        mode = np.array([d.get("mode") for d in data], dtype=object)
        carries = np.array([d.get("carries") for d in data], dtype=object)
        is_ferry, is_transfer = kind == schema.FERRY, kind == schema.TRANSFER
        mode_ok = {m: np.where(is_ferry, carries == m, (mode == m) & ~is_transfer) for m in schema.LINE_MODES} | {
            "any": np.ones(len(data), dtype=bool)
        }
        ref_lists: dict[str, list[int]] = {}
        for i, d in enumerate(data):
            for ref in schema.edge_refs(d):
                ref_lists.setdefault(ref, []).append(i)
        node_place = np.array([d.get("place") for d in node_data], dtype=object)
        place_lists: dict[str, list[int]] = {}
        for i, p in enumerate(node_place):
            if p:
                place_lists.setdefault(str(p), []).append(i)
        return cls(
            source=G,
            view=GraphView(G),
            node_ids=node_ids,
            edge_keys=[(a, b, k) for a, b, k, _d in edges],
            u=u,
            v=v,
            weights=weights,
            usable=np.array([bool(d.get(schema.USABLE, True)) for d in data], dtype=bool),
            kind=kind,
            mode_ok=mode_ok,
            edge_country=np.array([d.get("country") for d in data], dtype=object),
            node_country=np.array([d.get("country") for d in node_data], dtype=object),
            node_place=node_place,
            ref_edges={r: np.array(ix, dtype=np.int64) for r, ix in ref_lists.items()},
            places=PlaceIndex.from_graph(G),
            place_nodes={p: np.array(ix, dtype=np.int64) for p, ix in place_lists.items()},
        )

    # ----------------------------------------------------------------------- masks and matrices

    def mask(self, req: Request) -> np.ndarray:
        """Return the edges a request allows.

        Parameters
        ----------
        req
            The constraints.

        Returns
        -------
        numpy.ndarray
            Boolean, one per edge.
        """
        ok = self.mode_ok[req.mode].copy()
        if not req.ignore_blocks:
            ok &= self.usable
        if req.avoid_countries or req.avoid_places:
            bad = np.isin(self.node_country, list(req.avoid_countries)) | np.isin(
                self.node_place, list(req.avoid_places)
            )
            ok &= ~bad[self.u] & ~bad[self.v]
        if req.avoid_countries:
            ok &= ~np.isin(self.edge_country, list(req.avoid_countries))
        if req.avoid_kinds:
            ok &= ~np.isin(self.kind, list(req.avoid_kinds))
        for ref in req.banned:
            ix = self.ref_edges.get(ref)
            if ix is not None:
                ok[ix] = False
        return ok

    def search(self, req: Request, weight: np.ndarray | None = None) -> Search:
        """Return the CSR matrix of the allowed edges (the lightest of parallel edges).

        Parameters
        ----------
        req
            The constraints.
        weight
            Edge weights to use instead of the request's ``optimize`` weight
            (one per edge, e.g. a Monte Carlo draw).

        Returns
        -------
        Search
            The matrix and its entry → edge map. The compiled network is a
            snapshot, so the last few searches of its own weights are kept and
            a repeated request costs nothing.
        """
        if weight is None:
            cached = self._searches.get(req)
            if cached is None:
                cached = self._search(req, self.weights[req.optimize])
                if len(self._searches) >= _SEARCHES_KEPT:
                    self._searches.pop(next(iter(self._searches)))
                self._searches[req] = cached
            return cached
        return self._search(req, weight)

    def _search(self, req: Request, w: np.ndarray) -> Search:
        allowed = self.mask(req)
        edges = np.flatnonzero(allowed)
        n = self.n
        code = self.u[edges] * n + self.v[edges]
        order = np.lexsort((w[edges], code))
        code, edges = code[order], edges[order]
        first = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, dtype=bool)
        code, edges = code[first], edges[first]
        rows = code // n
        indptr = np.zeros(n + 2, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        indptr = np.cumsum(indptr)
        # one extra row and column: the virtual source (index n)
        matrix = sp.csr_array((w[edges].astype(float), code % n, indptr), shape=(n + 1, n + 1))
        return Search(matrix, edges, code, w, allowed)

    # ----------------------------------------------------------------------- searches

    def _from(self, s: Search, starts: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from a virtual source joined to ``starts`` at ``costs``: distances and predecessors."""
        n = self.n
        m = s.matrix
        extra_data = np.r_[m.data, costs]
        extra_idx = np.r_[m.indices, starts]
        indptr = m.indptr.copy()
        indptr[-1] = len(extra_data)
        graph = sp.csr_array((extra_data, extra_idx, indptr), shape=(n + 1, n + 1))
        dist, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True)
        return np.asarray(dist), np.asarray(pred)

    def costs_from(self, s: Search, starts: Iterable[int]) -> np.ndarray:
        """Return the least cost from any of ``starts`` to every node (``inf`` where unreachable).

        Parameters
        ----------
        s
            A search matrix.
        starts
            Node indices.

        Returns
        -------
        numpy.ndarray
            One cost per node.
        """
        idx = np.asarray(sorted(set(starts)), dtype=np.int64)
        if len(idx) == 0:
            return np.full(self.n, np.inf)
        dist, _pred = self._from(s, idx, np.zeros(len(idx)))
        return dist[: self.n]

    def staged(self, s: Search, stages: Sequence[np.ndarray | EdgeStage]) -> tuple[float, list[int]] | None:
        """Return the cheapest walk that passes the stages in order, or ``None``.

        Parameters
        ----------
        s
            A search matrix.
        stages
            The start nodes, the waypoints in order and the end nodes: each a node index
            array, or an :class:`EdgeStage` whose edges the walk must traverse.

        Returns
        -------
        tuple or None
            ``(cost, edge indices)``.
        """
        if any(len(st) == 0 for st in stages):
            return None
        first = stages[0]
        starts = first.edges if isinstance(first, EdgeStage) else first
        best: dict[int, tuple[float, list[int]]] = {int(x): (0.0, []) for x in starts}
        for nxt in stages[1:]:
            if isinstance(nxt, EdgeStage):
                edges = nxt.edges[s.allowed[nxt.edges]]
                reached = self._advance(s, best, np.unique(self.u[edges]))
                new: dict[int, tuple[float, list[int]]] = {}
                for e in edges.tolist():
                    tail, head = int(self.u[e]), int(self.v[e])
                    if tail in reached:
                        cost = reached[tail][0] + float(s.weight[e])
                        if head not in new or cost < new[head][0]:
                            new[head] = (cost, [*reached[tail][1], e])
            else:
                new = self._advance(s, best, nxt)
            if not new:
                return None
            best = new
        return min(best.values(), key=lambda t: t[0])

    def _advance(
        self, s: Search, best: dict[int, tuple[float, list[int]]], targets: np.ndarray
    ) -> dict[int, tuple[float, list[int]]]:
        """Extend the walks ending at the keys of ``best`` to each reachable node of ``targets``."""
        n = self.n
        starts = np.array(sorted(best), dtype=np.int64)
        dist, pred = self._from(s, starts, np.array([best[int(x)][0] for x in starts]))
        new: dict[int, tuple[float, list[int]]] = {}
        for target in targets.tolist():
            if not np.isfinite(dist[target]):
                continue
            nodes = [target]
            while pred[nodes[-1]] != n:
                nodes.append(int(pred[nodes[-1]]))
            nodes.reverse()
            new[target] = (float(dist[target]), best[nodes[0]][1] + self._edges_between(s, nodes))
        return new

    def _edges_between(self, s: Search, nodes: list[int]) -> list[int]:
        """Map consecutive node indices of a path to the edges the search used."""
        if len(nodes) < 2:
            return []
        a = np.asarray(nodes[:-1], dtype=np.int64)
        b = np.asarray(nodes[1:], dtype=np.int64)
        pos = np.searchsorted(s.codes, a * self.n + b)
        return [int(x) for x in s.edge_of[pos]]

    def edge_ids(self, edges: Iterable[int]) -> list[tuple[Any, Any, Any]]:
        """Return the networkx ``(u, v, key)`` of edge indices.

        Parameters
        ----------
        edges
            Edge indices.

        Returns
        -------
        list of tuple
            ``(u, v, key)`` per edge.
        """
        return [self.edge_keys[i] for i in edges]
