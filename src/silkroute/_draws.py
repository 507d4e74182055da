"""Exact routing under many weight vectors at once (the Monte Carlo draws of :mod:`silkroute.uncertainty`).

A staged request (start, waypoints, end; see :meth:`Compiled.staged`) becomes
one *layered* graph: one copy of the allowed edges per leg, joined at the
waypoint nodes by zero-cost edges (or, for a waypoint that is a link, by the
link's own edges). Every draw's edge weights lie between the weights at the
low and at the high values of the parameters (every term is a non-negative
coefficient times a non-negative value), so an edge can lie on a draw's best
walk only if ``F(tail) + low(edge) + B(head) <= UB``, where ``F`` and ``B``
are the least low-weight costs from the start and to the end, and ``UB`` the
least high-weight cost of the whole walk. Edges that fail this test are
dropped, which is exact, and the rest is searched for all draws of a batch
together: a Bellman–Ford relaxation vectorised over draws that only relaxes
the edges out of nodes that changed in the previous round. Each draw's best
walk is read back from the predecessor edges.

Before the search, chains through nodes of degree two are contracted
(:func:`contract`) and the *cells* of edges that depend on one parameter
only (the pace of one speed class, say) are replaced by the shortest paths
between their boundary nodes (:func:`overlay`): inside a cell a walk costs the
parameter times its coefficients, so that path is the same in every draw. On
the Eurasian OSM network this leaves a few hundred edges of a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from silkroute._engine import Compiled, EdgeStage

__all__ = ["Layered", "Overlay", "contract", "layered", "overlay", "relax"]

#: Relative slack of the pruning test (rounding of sampled values at their bounds).
_SLACK = 1e-9
#: A cell with more boundary nodes than this keeps its edges (its all-pairs paths would cost more than they save).
_MAX_BOUNDARY = 256


@dataclass(frozen=True)
class Layered:
    """The pruned layered graph of one staged request, edges sorted by head node."""

    tail: np.ndarray  # compact node index
    head: np.ndarray
    edge: np.ndarray  # the network's edge index, -1 for a zero-cost join at a waypoint
    sources: np.ndarray  # compact nodes where a walk starts at cost 0
    targets: np.ndarray  # compact nodes where a walk may end
    n: int  # compact nodes

    @property
    def edges(self) -> np.ndarray:
        """The network edges whose weights a search needs (each once, sorted)."""
        return np.unique(self.edge[self.edge >= 0])


def _min_csr(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> sp.csr_array:
    """A CSR matrix keeping the lightest of parallel entries (a COO matrix would add them up)."""
    code = rows * n + cols
    order = np.lexsort((w, code))
    code, w = code[order], w[order]
    first = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, dtype=bool)
    code, w = code[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, code // n + 1, 1)
    return sp.csr_array((w, code % n, np.cumsum(indptr)), shape=(n, n))


def layered(
    net: Compiled, allowed: np.ndarray, stages: Sequence[np.ndarray | EdgeStage], low: np.ndarray, high: np.ndarray
) -> Layered | None:
    """Build the pruned layered graph of a staged request.

    Parameters
    ----------
    net
        The compiled network.
    allowed
        The request's mask over the edges.
    stages
        Start nodes, waypoints in order (node arrays or :class:`EdgeStage`), end nodes.
    low, high
        Per-edge weights at the low and at the high values of every parameter.

    Returns
    -------
    Layered or None
        ``None`` if no walk passes the stages.
    """
    n, legs = net.n, len(stages) - 1
    base = np.flatnonzero(allowed)
    tails, heads, edges = [], [], []
    for j in range(legs):
        tails.append(j * n + net.u[base])
        heads.append(j * n + net.v[base])
        edges.append(base)
        if j + 1 < legs:  # the join into the next leg at waypoint j + 1
            st = stages[j + 1]
            if isinstance(st, EdgeStage):
                e = st.edges[allowed[st.edges]]
                tails.append(j * n + net.u[e])
                heads.append((j + 1) * n + net.v[e])
                edges.append(e)
            else:
                x = np.asarray(st, dtype=np.int64)
                tails.append(j * n + x)
                heads.append((j + 1) * n + x)
                edges.append(np.full(len(x), -1, dtype=np.int64))
    tail, head, edge = np.concatenate(tails), np.concatenate(heads), np.concatenate(edges)
    start = np.asarray(stages[0], dtype=np.int64)
    end = (legs - 1) * n + np.asarray(stages[-1], dtype=np.int64)
    if not len(start) or not len(end):
        return None
    size = legs * n
    lo = np.where(edge >= 0, low[np.maximum(edge, 0)], 0.0)
    hi = np.where(edge >= 0, high[np.maximum(edge, 0)], 0.0)
    forward = np.asarray(dijkstra(_min_csr(tail, head, lo, size), indices=start, min_only=True))
    backward = np.asarray(dijkstra(_min_csr(head, tail, lo, size), indices=end, min_only=True))
    upper = float(np.min(np.asarray(dijkstra(_min_csr(tail, head, hi, size), indices=start, min_only=True))[end]))
    if not np.isfinite(upper):
        return None
    keep = forward[tail] + lo + backward[head] <= upper * (1.0 + _SLACK) + _SLACK
    tail, head, edge = tail[keep], head[keep], edge[keep]
    nodes, inverse = np.unique(np.r_[tail, head, start, end], return_inverse=True)
    k = len(tail)
    tail, head = inverse[:k], inverse[k : 2 * k]
    sources, targets = inverse[2 * k : 2 * k + len(start)], inverse[2 * k + len(start) :]
    order = np.argsort(head, kind="stable")
    return Layered(tail[order], head[order], edge[order], np.unique(sources), np.unique(targets), len(nodes))


def contract(lay: Layered) -> tuple[Layered, list[list[int]]]:
    """Replace chains through nodes with two neighbours by single edges (exact: U-turns never pay).

    A node that is no start or end, whose in- and out-neighbours are the same
    one or two nodes with one edge each way, is passed straight through: the
    walk ``a → x → b`` becomes an edge ``a → b`` whose weight is the sum of the
    two. Chains of such nodes collapse to one edge, so a search needs as many
    rounds as there are junctions on a walk, not edges.

    Parameters
    ----------
    lay
        A layered graph.

    Returns
    -------
    (Layered, list of list of int)
        The contracted graph (its ``edge`` numbers its own edges) and, per
        contracted edge, the edges of ``lay`` it stands for, in order.
    """
    seq: dict[int, list[int]] = {i: [i] for i in range(len(lay.tail))}
    ends: dict[int, tuple[int, int]] = {
        i: (int(a), int(b)) for i, (a, b) in enumerate(zip(lay.tail, lay.head, strict=True))
    }
    out: dict[int, set[int]] = {}
    inc: dict[int, set[int]] = {}
    for i, (a, b) in ends.items():
        out.setdefault(a, set()).add(i)
        inc.setdefault(b, set()).add(i)
    protected = set(lay.sources.tolist()) | set(lay.targets.tolist())
    counter = len(seq)
    for x in range(lay.n):
        if x in protected:
            continue
        ins, outs = inc.get(x, set()), out.get(x, set())
        if not ins or not outs or len(ins) > 2 or len(outs) > 2:
            continue
        preds = [ends[i][0] for i in ins]
        succs = [ends[i][1] for i in outs]
        if len(set(preds)) != len(preds) or len(set(succs)) != len(succs) or x in preds or x in succs:
            continue
        if set(preds) != set(succs) and not (len(ins) == len(outs) == 1):
            continue
        new = []
        for i in ins:
            a = ends[i][0]
            for o in outs:
                b = ends[o][1]
                if a != b or len(ins) == 1:
                    if a == b:
                        continue
                    new.append((a, b, seq[i] + seq[o]))
        for i in ins:
            out[ends[i][0]].discard(i)
            del seq[i], ends[i]
        for o in outs:
            inc[ends[o][1]].discard(o)
            del seq[o], ends[o]
        inc[x], out[x] = set(), set()
        for a, b, path in new:
            seq[counter], ends[counter] = path, (a, b)
            out[a].add(counter)
            inc[b].add(counter)
            counter += 1
    ids = list(seq)
    tail = np.array([ends[i][0] for i in ids], dtype=np.int64)
    head = np.array([ends[i][1] for i in ids], dtype=np.int64)
    nodes, inverse = np.unique(np.r_[tail, head, lay.sources, lay.targets], return_inverse=True)
    k, ns = len(ids), len(lay.sources)
    order = np.argsort(inverse[k : 2 * k], kind="stable")
    small = Layered(
        inverse[:k][order],
        inverse[k : 2 * k][order],
        np.arange(k, dtype=np.int64),
        inverse[2 * k : 2 * k + ns],
        inverse[2 * k + ns :],
        len(nodes),
    )
    return small, [seq[ids[j]] for j in order]


def relax(lay: Layered, weights: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Return every draw's least cost and best walk on a layered graph.

    Parameters
    ----------
    lay
        The layered graph.
    weights
        Shape ``(len(lay.tail), draws)``: each layered edge's weight in each draw.

    Returns
    -------
    (costs, walks, which)
        ``costs`` has one value per draw (``inf`` if none); ``walks`` the distinct best
        walks, each an array of network edge indices in order (joins left out);
        ``which`` the walk of each draw (``-1`` if none).
    """
    m, draws = lay.n, weights.shape[1]
    dist = np.full((m, draws), np.inf)
    dist[lay.sources] = 0.0
    pred = np.full((m, draws), -1, dtype=np.int64)
    active = np.zeros(m, dtype=bool)
    active[lay.sources] = True
    while True:
        idx = np.flatnonzero(active[lay.tail])
        if not len(idx):
            break
        h = lay.head[idx]
        cand = dist[lay.tail[idx]] + weights[idx]
        starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
        best = np.minimum.reduceat(cand, starts, axis=0)
        hv = h[starts]
        better = best < dist[hv]
        changed = better.any(axis=1)
        if not changed.any():
            break
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(idx)]))
        first = np.minimum.reduceat(np.where(cand == best[group], idx[:, None], len(lay.tail)), starts, axis=0)
        dist[hv] = np.where(better, best, dist[hv])
        pred[hv] = np.where(better, first, pred[hv])
        active[:] = False
        active[hv[changed]] = True
    at_end = dist[lay.targets]
    costs = at_end.min(axis=0)
    cur = lay.targets[np.argmin(at_end, axis=0)]
    cols = np.arange(draws)
    steps = []
    while True:
        e = pred[cur, cols]
        if (e < 0).all():
            break
        steps.append(e)
        cur = np.where(e >= 0, lay.tail[np.maximum(e, 0)], cur)
    back = np.stack(steps) if steps else np.full((1, draws), -1, dtype=np.int64)
    # network edges from the end backwards; -1 for joins and once a walk reached its start
    net_edges = np.where(back >= 0, lay.edge[np.maximum(back, 0)], -1)
    feasible = np.isfinite(costs)
    which = np.full(draws, -1, dtype=np.int64)
    walks: list[np.ndarray] = []
    if feasible.any():
        distinct, inverse = np.unique(net_edges[:, feasible], axis=1, return_inverse=True)
        walks = [col[col >= 0][::-1].copy() for col in distinct.T]
        which[feasible] = inverse.reshape(-1)
    return costs, walks, which


@dataclass(frozen=True)
class Overlay:
    """A layered graph with its one-parameter cells replaced by shortest paths between their boundary nodes."""

    graph: Layered  # its own nodes; ``edge`` numbers the overlay's own edges
    A: sp.csr_array  # the overlay edges' coefficients (rows) per parameter (columns)
    R: sp.csr_array  # their road running terms (multiplied by the rest factor)
    kept: np.ndarray  # per overlay edge: the edge of the input it is (-1 for a path through a cell)
    cells: list[tuple[np.ndarray, dict[int, int], dict[int, int]]]  # per cell: predecessors, edge by code, row
    path_of: dict[int, tuple[int, int, int]]  # overlay edge → (cell, from, to node of the input)

    def expand(self, e: int) -> list[int]:
        """Return the input edges an overlay edge stands for, in order."""
        if self.kept[e] >= 0:
            return [int(self.kept[e])]
        cell, a, b = self.path_of[e]
        pred, edge_of, row = self.cells[cell]
        r, n = row[a], pred.shape[1]
        out, node = [], b
        while node != a:
            p = int(pred[r, node])
            out.append(edge_of[p * n + node])
            node = p
        return out[::-1]


def overlay(lay: Layered, A: sp.csr_array, R: sp.csr_array) -> Overlay:
    """Replace the one-parameter cells of a layered graph by the shortest paths between their boundary nodes.

    An edge whose hours are ``c × x_j`` for one parameter ``j`` (or ``c × x_j × (1 + rest)``
    on a road) belongs to the cell of its connected edges with the same parameter. Inside a
    cell every walk costs ``x_j`` times its coefficients, so the best walk between two of
    its boundary nodes (a start, an end, or a node that other edges touch) is the same in
    every draw: the cell is replaced, exactly, by one edge per pair of boundary nodes (pairs
    whose best walk passes through a third boundary node are left to the two shorter edges).

    Parameters
    ----------
    lay
        A (contracted) layered graph.
    A, R
        Its edges' coefficients: hours ``= A @ x + rest × (R @ x)``.

    Returns
    -------
    Overlay
        The smaller graph, its coefficients and the way back to the input's edges.
    """
    from scipy.sparse.csgraph import connected_components

    m, n = len(lay.tail), lay.n
    A, R = sp.csr_array(A), sp.csr_array(R)
    nnz_a, nnz_r = np.diff(A.indptr), np.diff(R.indptr)
    first_a = np.minimum(A.indptr[:-1], max(len(A.indices) - 1, 0))
    first_r = np.minimum(R.indptr[:-1], max(len(R.indices) - 1, 0))
    param = np.where(nnz_a == 1, A.indices[first_a] if len(A.indices) else -1, -1)
    coef = np.where(nnz_a == 1, A.data[first_a] if len(A.data) else 0.0, 0.0)
    road = nnz_r > 0
    same_r = (nnz_r == 1) & (R.indices[first_r] == param if len(R.indices) else False)
    same_r &= np.isclose(R.data[first_r] if len(R.data) else 0.0, coef, rtol=1e-12, atol=0.0)
    cellable = (nnz_a == 1) & (coef > 0) & (~road | same_r)
    label = np.zeros(n, dtype=np.int64)
    while True:  # until no cell has too many boundary nodes (those keep their edges; each pass drops some)
        signature = np.where(cellable, param * 2 + road, -2 - np.arange(m))  # a unique one for the others
        ends = np.r_[lay.tail, lay.head]
        pairs = np.unique(np.stack([ends, np.r_[signature, signature]]), axis=1)
        boundary = np.bincount(pairs[0], minlength=n) > 1
        boundary[lay.sources] = True
        boundary[lay.targets] = True
        cell_edges = np.flatnonzero(cellable)
        if not len(cell_edges):
            break
        graph = sp.coo_array((np.ones(len(cell_edges)), (lay.tail[cell_edges], lay.head[cell_edges])), shape=(n, n))
        _k, label = connected_components(graph, directed=False)
        key = signature[cell_edges].astype(np.int64) * (n + 1) + label[lay.tail[cell_edges]]
        ends_b = np.r_[lay.tail[cell_edges], lay.head[cell_edges]]
        on_boundary = np.unique(np.stack([np.r_[key, key], ends_b])[:, boundary[ends_b]], axis=1)
        cells_of, counts = np.unique(on_boundary[0], return_counts=True)
        too_big = cells_of[counts > _MAX_BOUNDARY]
        if not len(too_big):
            break
        cellable[cell_edges[np.isin(key, too_big)]] = False
    tails, heads, rows, cols, rvals, kept = [], [], [], [], [], []
    # the edges that stay as they are
    stay = np.flatnonzero(~cellable)
    cells: list[tuple[np.ndarray, dict[int, int], dict[int, int]]] = []
    path_of: dict[int, tuple[int, int, int]] = {}
    count = 0
    for e in stay.tolist():
        tails.append(int(lay.tail[e]))
        heads.append(int(lay.head[e]))
        kept.append(e)
        count += 1
    a_rows, r_rows = [A[stay]], [R[stay]]
    # the cells
    cell_edges = np.flatnonzero(cellable)
    if len(cell_edges):
        key = signature[cell_edges].astype(np.int64) * (n + 1) + label[lay.tail[cell_edges]]
        order = np.argsort(key, kind="stable")
        splits = np.flatnonzero(np.diff(key[order])) + 1
        for group in np.split(cell_edges[order], splits):
            nodes = np.unique(np.r_[lay.tail[group], lay.head[group]])
            inside = nodes[boundary[nodes]]
            if len(inside) < 2:
                continue  # a walk entering and leaving at the same node never pays
            w = coef[group]
            code = lay.tail[group].astype(np.int64) * n + lay.head[group]
            sort = np.lexsort((w, code))
            lightest = np.r_[True, code[sort][1:] != code[sort][:-1]]
            chosen = group[sort][lightest]
            mat = _min_csr(lay.tail[chosen], lay.head[chosen], coef[chosen], n)
            dist, pred = dijkstra(mat, directed=True, indices=inside, return_predecessors=True)
            edge_of = {int(c): int(e) for c, e in zip(code[sort][lightest], chosen, strict=True)}
            sub = dist[:, inside]
            j, is_road = int(param[group[0]]), bool(road[group[0]])
            cell_id = len(cells)
            cells.append((pred, edge_of, {int(a): r for r, a in enumerate(inside.tolist())}))
            for ia, a in enumerate(inside.tolist()):
                for ib, b in enumerate(inside.tolist()):
                    d = sub[ia, ib]
                    if ia == ib or not np.isfinite(d):
                        continue
                    via = sub[ia, :] + sub[:, ib]
                    via[[ia, ib]] = np.inf
                    if len(inside) > 2 and via.min() <= d * (1 + 1e-12):
                        continue  # through a third boundary node: two shorter overlay edges
                    tails.append(a)
                    heads.append(b)
                    kept.append(-1)
                    path_of[count] = (cell_id, a, b)
                    rows.append(count)
                    cols.append(j)
                    rvals.append((d, is_road))
                    count += 1
    n_params = A.shape[1]
    k_stay = len(stay)
    macro_rows = np.asarray(rows, dtype=np.int64) - k_stay
    data = np.array([d for d, _r in rvals], dtype=float)
    is_r = np.array([r for _d, r in rvals], dtype=bool)
    shape = (count - k_stay, n_params)
    a_rows.append(sp.csr_array((data, (macro_rows, np.asarray(cols, dtype=np.int64))), shape=shape))
    r_rows.append(sp.csr_array((data[is_r], (macro_rows[is_r], np.asarray(cols, dtype=np.int64)[is_r])), shape=shape))
    A_o, R_o = sp.vstack(a_rows, format="csr"), sp.vstack(r_rows, format="csr")
    tail, head = np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64)
    # the overlay's own node numbers: only the nodes its edges, starts and ends use
    nodes, inverse = np.unique(np.r_[tail, head, lay.sources, lay.targets], return_inverse=True)
    k, ns = len(tail), len(lay.sources)
    tail, head = inverse[:k], inverse[k : 2 * k]
    order = np.argsort(head, kind="stable")
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    graph_o = Layered(
        tail[order],
        head[order],
        np.arange(count, dtype=np.int64),
        inverse[2 * k : 2 * k + ns],
        inverse[2 * k + ns :],
        len(nodes),
    )
    return Overlay(
        graph_o,
        sp.csr_array(A_o[order]),
        sp.csr_array(R_o[order]),
        np.asarray(kept, dtype=np.int64)[order],
        cells,
        {int(inv[e]): v for e, v in path_of.items()},
    )
