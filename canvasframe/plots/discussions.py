"""Discussions: the reply network, posts over time, who replies to whom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._time import binned
from ..discussions import reply_graph
from ..localtime import display_zone
from ._base import (
    PALETTE,
    TERM_COLOURS,
    axes,
    canvas_text,
    date_axis,
    doc,
    empty,
    naive_local,
    outside_legend,
    per,
    person_labels,
    require,
)

__all__ = ["plot_discussion_timeline", "plot_reply_matrix", "plot_reply_network"]


@doc
def plot_reply_network(
    edges: pd.DataFrame,
    *,
    metrics: pd.DataFrame | None = None,
    highlight: int | None = None,
    seed: int = 7,
    ax: Axes | None = None,
) -> Axes:
    """The reply network: people as nodes, replies as arrows (wider for more replies).

    Parameters
    ----------
    edges : DataFrame
        From ``cf.discussions.reply_edges``.
    metrics : DataFrame, optional
        From ``cf.discussions.discussion_metrics``: node size follows ``posts``, instructors
        are drawn as squares, and people without ties (a roster's isolates) are shown apart.
    highlight : int, optional
        A user id to ring in black, with their ties in colour.
    {seed}
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> entries, topics = cf.load_discussion_entries(course), cf.load_discussion_topics(course)
    >>> edges = cf.discussions.reply_edges(entries, topics)
    >>> ax = plot_reply_network(edges, metrics=cf.discussions.discussion_metrics(entries, topics))
    >>> ax.get_title()
    'Reply network'
    """
    require(edges, ["from_user", "to_user", "replies"], "plot_reply_network", "cf.discussions.reply_edges")
    ax = axes(ax)
    nodes = [] if metrics is None else metrics["user_id"].tolist()
    graph = reply_graph(edges, nodes)
    if graph.number_of_nodes() == 0:
        return empty(ax, "replies from", "replies to", "Reply network")
    isolates = sorted(nx.isolates(graph))
    core = graph.subgraph(n for n in graph if n not in set(isolates))
    # The layout spreads the connected people; a spring layout would fling isolates to the corners,
    # so they sit in a row underneath instead.
    position = nx.spring_layout(core, seed=seed, weight=None, k=2 / np.sqrt(max(len(core), 1))) if len(core) else {}
    position |= {n: np.array([-1 + 2 * (i + 0.5) / len(isolates), -1.25]) for i, n in enumerate(isolates)}
    posts = dict.fromkeys(graph, 1)
    instructors: set[int] = set()
    if metrics is not None:
        require(metrics, ["user_id", "posts", "is_instructor"], "plot_reply_network", "discussion_metrics")
        posts |= dict(zip(metrics["user_id"], metrics["posts"].clip(lower=1), strict=True))
        instructors = set(metrics.loc[metrics["is_instructor"], "user_id"])
    weights = [w for *_, w in graph.edges(data="replies")]
    widths = [0.3 + 2.5 * w / max([1, *weights]) for w in weights]
    near = set(nx.all_neighbors(graph, highlight)) if highlight in graph else set()
    colours = [PALETTE["late"] if highlight in (a, b) else "0.7" for a, b in graph.edges]
    nx.draw_networkx_edges(graph, position, ax=ax, width=widths, edge_color=colours, arrowsize=6, alpha=0.6)
    for shape, group, colour in (
        ("o", [n for n in graph if n not in instructors], PALETTE["views"]),
        ("s", [n for n in graph if n in instructors], PALETTE["missing"]),
    ):
        if group:
            sizes = [15 + 3 * posts[n] for n in group]  # area follows the number of posts
            edge = ["black" if n == highlight else ("0.2" if n in near else "white") for n in group]
            widths_ = [2.5 if n == highlight else 0.8 for n in group]
            nx.draw_networkx_nodes(
                graph,
                position,
                nodelist=group,
                node_size=sizes,
                node_shape=shape,
                node_color=colour,
                edgecolors=edge,
                linewidths=widths_,
                ax=ax,
                label="instructor" if shape == "s" else "student",
            )
    if isolates:
        ax.text(0, -1.12, f"no ties ({len(isolates)})", ha="center", va="bottom", fontsize="small", color="0.3")
    ax.set_title("Reply network")
    ax.set_axis_off()
    outside_legend(ax)
    return ax


@doc
def plot_discussion_timeline(
    entries: pd.DataFrame,
    *,
    topics: pd.DataFrame | None = None,
    freq: str = "D",
    tz: str | None = None,
    ax: Axes | None = None,
    **plot_kws: Any,
) -> Axes:
    """Posts over time, one line per topic, with each graded topic's due date marked.

    Parameters
    ----------
    entries : DataFrame
        From ``load_discussion_entries`` (deleted posts count: they were posted).
    topics : DataFrame, optional
        From ``load_discussion_topics``: titles for the legend and due dates as dotted lines.
    freq : str
        Bin width (a pandas frequency: ``"D"`` days, ``"W"`` weeks), of days in ``tz``.
    {tz}
    {ax}
    **plot_kws
        Passed to each ``Axes.plot`` call.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> ax = plot_discussion_timeline(cf.load_discussion_entries(course), topics=cf.load_discussion_topics(course),
    ...                               freq="W")
    >>> ax.get_ylabel()
    'posts per week'
    """
    require(entries, ["topic_id", "created_at"], "plot_discussion_timeline", "load_discussion_entries")
    ax = axes(ax)
    ylabel = f"posts per {per(freq)}"
    zone = display_zone(tz, frame=entries)
    if entries.empty:
        return empty(ax, f"date ({zone})", ylabel, "Discussion posts")
    titles: dict[int, str] = {}
    dues: dict[int, pd.Timestamp] = {}
    if topics is not None:
        require(topics, ["topic_id", "title", "due_at"], "plot_discussion_timeline", "load_discussion_topics")
        titles = dict(zip(topics["topic_id"], topics["title"].map(canvas_text), strict=True))
        due = naive_local(topics["due_at"], zone)
        dues = {t: d for t, d in zip(topics["topic_id"], due, strict=True) if pd.notna(d)}
    stamps = naive_local(entries["created_at"], zone)
    for i, (topic, times) in enumerate(stamps.groupby(entries["topic_id"])):
        colour = TERM_COLOURS[i % len(TERM_COLOURS)]
        counts = binned(times.dt.floor("D").value_counts().sort_index(), freq)
        ax.plot(counts.index, counts.to_numpy(), color=colour, label=titles.get(topic, str(topic)), **plot_kws)
        if topic in dues:
            ax.axvline(dues[topic], color=colour, linestyle=":", linewidth=1.2)
    ax.set(xlabel=f"date ({zone})", ylabel=ylabel, title="Discussion posts")
    date_axis(ax)
    outside_legend(ax)
    return ax


@doc
def plot_reply_matrix(
    edges: pd.DataFrame,
    *,
    names: pd.DataFrame | Mapping[int, str] | None = None,
    ax: Axes | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Who replies to whom: a heatmap of replies from each person (rows) to each person (columns).

    People are ordered by the replies they send and receive, most active first.

    Parameters
    ----------
    edges : DataFrame
        From ``cf.discussions.reply_edges``.
    {names}
    {ax}
    cmap : str
        A matplotlib colormap.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> edges = cf.discussions.reply_edges(cf.load_discussion_entries(course), cf.load_discussion_topics(course))
    >>> plot_reply_matrix(edges).get_xlabel()
    'to'
    """
    require(edges, ["from_user", "to_user", "replies"], "plot_reply_matrix", "cf.discussions.reply_edges")
    ax = axes(ax)
    if edges.empty:
        return empty(ax, "to", "from", "Replies")
    matrix = edges.pivot_table(index="from_user", columns="to_user", values="replies", aggfunc="sum", fill_value=0)
    people = matrix.index.union(matrix.columns)
    matrix = matrix.reindex(index=people, columns=people, fill_value=0)
    order = (matrix.sum(axis=0) + matrix.sum(axis=1)).sort_values(ascending=False, kind="stable").index
    matrix = matrix.loc[order, order]
    image = ax.imshow(matrix.to_numpy(), cmap=cmap, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="replies")
    ticks = np.arange(len(order))
    # Every person labelled, as large as their number allows and never below a readable 6 pt.
    size = float(np.clip(360 / max(len(order), 1), 6, 9))
    labels = person_labels(order, names)
    ax.set_xticks(ticks, labels, rotation=90, fontsize=size)
    ax.set_yticks(ticks, labels, fontsize=size)
    ax.set(xlabel="to", ylabel="from", title="Replies")
    return ax
