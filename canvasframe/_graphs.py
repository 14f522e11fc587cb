"""Graph measures shared by the reply network (:mod:`.discussions`) and the network of every
channel (:mod:`.network`): one home for how a tie's weight, eigenvector centrality, reciprocity
and a roster's people are computed."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pandas as pd

from .errors import ConfigError, warn

__all__ = ["directed_graph", "eigenvector", "reciprocity", "roster_ids", "undirected_weights"]


def directed_graph(pairs: pd.DataFrame, weight: str, nodes: Iterable[int] = ()) -> nx.DiGraph:
    """A node per person, an edge per ``from_user -> to_user`` pair weighted by the sum of ``weight``.

    Ties to oneself are left out; ``nodes`` adds people without ties (a roster).
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(int(n) for n in nodes)
    graph.add_nodes_from(int(n) for n in pd.unique(pairs[["from_user", "to_user"]].to_numpy().ravel()))
    ties = pairs[pairs["from_user"] != pairs["to_user"]].groupby(["from_user", "to_user"])[weight].sum()
    graph.add_weighted_edges_from(((int(a), int(b), int(w)) for (a, b), w in ties.items()), weight=weight)
    return graph


def undirected_weights(graph: nx.DiGraph, weight: str = "replies") -> nx.Graph:
    """The undirected graph of ``graph`` whose tie weight is the sum of both directions.

    ``DiGraph.to_undirected()`` keeps one direction's weight of a reciprocal tie (whichever it
    meets last), so two people who replied 5 and 3 times to each other would weigh 3, not 8.
    """
    undirected = nx.Graph()
    undirected.add_nodes_from(graph)
    for a, b, w in graph.edges(data=weight, default=1):
        previous = undirected[a][b][weight] if undirected.has_edge(a, b) else 0
        undirected.add_edge(a, b, **{weight: previous + w})
    return undirected


def eigenvector(graph: nx.DiGraph, weight: str = "replies") -> dict[int, float]:
    """Eigenvector centrality of the undirected graph whose ties weigh both directions summed."""
    undirected = undirected_weights(graph, weight)
    if undirected.number_of_edges() == 0:
        return dict.fromkeys(graph, 0.0)
    try:
        scores = nx.eigenvector_centrality(undirected, max_iter=2000, weight=weight)
    except nx.PowerIterationFailedConvergence:
        warn("eigenvector centrality did not converge; it is NaN.")
        return dict.fromkeys(graph, float("nan"))
    # Power iteration leaves a rounding residue (1e-19) on people without ties; they have none.
    return {n: (scores[n] if undirected.degree(n) else 0.0) for n in graph}


def reciprocity(graph: nx.DiGraph, node: int) -> float:
    """The share of ``node``'s out-ties that are returned (NaN without out-ties)."""
    out = list(graph.successors(node))
    if not out:
        return float("nan")
    return sum(graph.has_edge(target, node) for target in out) / len(out)


def roster_ids(roster: pd.DataFrame | None) -> list[int]:
    """The people of a roster frame (its ``student_id`` or ``user_id`` column), each once."""
    if roster is None:
        return []
    if not isinstance(roster, pd.DataFrame):
        raise ConfigError(f"roster must be a DataFrame (e.g. load_student_summaries()), got {type(roster).__name__}.")
    column = next((c for c in ("student_id", "user_id") if c in roster.columns), None)
    if column is None:
        raise ConfigError("roster needs a student_id or user_id column (e.g. load_student_summaries()).")
    return [int(v) for v in pd.unique(roster[column].dropna())]
