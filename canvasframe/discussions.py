"""Reply networks and participation metrics from discussion frames (pure functions, built on networkx).

**The reply rule.** A reply goes from its author to the author of the post it answers. A
top-level post goes from its author to the topic's author (usually the instructor who asked
the question); pass ``top_level=False`` to leave top-level posts out. A reply to oneself is
kept and flagged (``self_reply``); it never counts as a tie to someone else.

**What cannot be attributed is left out, and counted.** A deleted post has no author, and
an anonymous topic names none (only ``anonymous_id``): a reply from or to such a post is not
an edge. ``edges.attrs["excluded"]`` says how many replies were left out and why
(``deleted``, ``anonymous``, ``parent_not_loaded``).

**Announcements** are left out unless ``announcements=True`` (they are broadcasts, not
discussions). **Any set of topics** can be combined: pass the entries of a week, a module
or the whole course (``topic_ids=`` picks some). **``until=``** cuts every frame at an as-of
time, so a before/after comparison is two calls.

Examples
--------
>>> canvas = cf.sample(quiet=True)
>>> course = canvas.sample_course_id
>>> entries, topics = cf.load_discussion_entries(course), cf.load_discussion_topics(course)
>>> edges = reply_edges(entries, topics)
>>> list(edges.columns)
['course_id', 'topic_id', 'from_user', 'to_user', 'replies', 'first_at', 'last_at', 'self_reply']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import networkx as nx
import pandas as pd

from ._atomic import atomic_write
from ._docstrings import doc
from ._frames import require
from ._graphs import directed_graph, eigenvector, reciprocity, roster_ids
from ._time import as_utc

__all__ = ["discussion_metrics", "network_summary", "reply_edges", "reply_graph", "to_graphml"]

_ENTRY_COLUMNS = ("course_id", "topic_id", "entry_id", "parent_id", "user_id", "deleted", "created_at")
_TOPIC_COLUMNS = ("course_id", "topic_id", "author_id", "is_announcement")


def _timestamp(until: Any) -> pd.Timestamp | None:
    if until is None:
        return None
    return as_utc(until, "until")


def _posts(
    entries: pd.DataFrame,
    topics: pd.DataFrame,
    topic_ids: Iterable[int] | None,
    until: Any,
    announcements: bool,
) -> pd.DataFrame:
    """The posts the analysis covers: chosen topics, no announcements unless asked, cut at ``until``."""
    require(entries, _ENTRY_COLUMNS, "entries", "load_discussion_entries")
    require(topics, _TOPIC_COLUMNS, "topics", "load_discussion_topics")
    posts = entries
    if not announcements:
        kept = topics.loc[~topics["is_announcement"].astype(bool), ["course_id", "topic_id"]]
        posts = posts.merge(kept, on=["course_id", "topic_id"])  # pragma: no mutate (the only columns kept has)
    if topic_ids is not None:
        posts = posts[posts["topic_id"].isin(list(topic_ids))]
    cut = _timestamp(until)
    if cut is not None:
        posts = posts[posts["created_at"] <= cut]
    return posts.reset_index(drop=True)  # pragma: no mutate (the index is never read, kept or not)


def reply_edges(
    entries: pd.DataFrame,
    topics: pd.DataFrame,
    *,
    top_level: bool = True,
    topic_ids: Iterable[int] | None = None,
    until: Any = None,
    announcements: bool = False,
) -> pd.DataFrame:
    """Who replied to whom: one row per course × topic × (from_user, to_user).

    Parameters
    ----------
    entries : DataFrame
        From ``load_discussion_entries``.
    topics : DataFrame
        From ``load_discussion_topics`` (the topics' authors and which are announcements).
    top_level : bool
        Count a top-level post as a reply to the topic's author (the default).
    topic_ids : iterable of int, optional
        Only these topics (default: every topic in ``entries``).
    until : timestamp, optional
        Only posts made up to this time (UTC when no zone is given).
    announcements : bool
        Include announcements' replies.

    Returns
    -------
    DataFrame
        ``course_id``, ``topic_id``, ``from_user``, ``to_user``, ``replies`` (count),
        ``first_at``, ``last_at`` and ``self_reply``. ``attrs["excluded"]`` counts the replies
        left out: ``deleted`` (from or to a deleted post), ``anonymous`` (from or to a post
        without an author) and ``parent_not_loaded`` (the post answered is not in ``entries``).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> edges = reply_edges(cf.load_discussion_entries(canvas.sample_course_id),
    ...                     cf.load_discussion_topics(canvas.sample_course_id))
    >>> sorted(edges.attrs["excluded"])
    ['anonymous', 'deleted', 'parent_not_loaded']
    """
    return _edges(_posts(entries, topics, topic_ids, until, announcements), topics, top_level)


def _edges(posts: pd.DataFrame, topics: pd.DataFrame, top_level: bool) -> pd.DataFrame:
    """The reply edges among ``posts`` (already chosen by :func:`_posts`), with what was excluded."""
    parents = posts[["course_id", "entry_id", "user_id", "deleted"]].rename(
        columns={"entry_id": "parent_id", "user_id": "to_user", "deleted": "to_deleted"}
    )
    # The pragmas on the merges: `on` names the only columns the frames share (merge's default), so its
    # mutants change nothing; `how="left"` keeps what has no match, and the tests pin that.
    answers = posts[posts["parent_id"].notna()]
    replies = answers.merge(parents, on=["course_id", "parent_id"], how="left")  # pragma: no mutate
    replies["parent_loaded"] = replies["to_deleted"].notna()
    if top_level:
        authors = topics[["course_id", "topic_id", "author_id"]].rename(columns={"author_id": "to_user"})
        top = posts[posts["parent_id"].isna()]
        firsts = top.merge(authors, on=["course_id", "topic_id"], how="left")  # pragma: no mutate
        # no mutate: these say outright what the fills below would make of them (NaN -> not deleted, loaded),
        # and the index is only ever used to line up masks made from the same frame.
        firsts["to_deleted"], firsts["parent_loaded"] = False, True  # pragma: no mutate
        replies = pd.concat([replies, firsts], ignore_index=True)  # pragma: no mutate
    from_deleted = replies["deleted"].astype(bool)
    to_deleted = replies["to_deleted"].fillna(False).astype(bool)  # pragma: no mutate (NaN: a parent not loaded)
    loaded = replies["parent_loaded"].astype(bool)
    deleted = (from_deleted | to_deleted) & loaded
    anonymous = loaded & ~deleted & (replies["user_id"].isna() | replies["to_user"].isna())
    excluded = {
        "deleted": int(deleted.sum()),
        "anonymous": int(anonymous.sum()),
        "parent_not_loaded": int((~loaded).sum()),
    }
    kept = replies[loaded & ~deleted & ~anonymous].rename(columns={"user_id": "from_user"})
    keys = ["course_id", "topic_id", "from_user", "to_user"]
    edges = (
        kept.groupby(keys, sort=True)  # pragma: no mutate (sorting is groupby's default)
        .agg(replies=("entry_id", "size"), first_at=("created_at", "min"), last_at=("created_at", "max"))
        .reset_index()
    )
    edges[["from_user", "to_user"]] = edges[["from_user", "to_user"]].astype("int64")
    edges["replies"] = edges["replies"].astype("int64")
    edges["self_reply"] = edges["from_user"] == edges["to_user"]
    edges.attrs["excluded"] = excluded
    return edges


def reply_graph(edges: pd.DataFrame, nodes: Iterable[int] = ()) -> nx.DiGraph:
    """The directed reply network: a node per person, an edge per tie weighted by ``replies``.

    Ties across topics are summed; self-replies are left out. ``nodes`` adds people without
    ties (a roster), so isolates are part of the graph. Any networkx function or writer
    (``nx.write_gexf``, ``nx.write_pajek``, ...) takes it.

    Examples
    --------
    >>> edges = pd.DataFrame({"from_user": [1, 2, 2], "to_user": [2, 1, 2], "replies": [3, 1, 5]})
    >>> sorted(reply_graph(edges, nodes=[9]).edges(data="replies"))
    [(1, 2, 3), (2, 1, 1)]
    """
    require(edges, ("from_user", "to_user", "replies"), "edges", "reply_edges")
    return directed_graph(edges, "replies", nodes)


@doc
def discussion_metrics(
    entries: pd.DataFrame,
    topics: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    *,
    top_level: bool = True,
    topic_ids: Iterable[int] | None = None,
    until: Any = None,
    announcements: bool = False,
) -> pd.DataFrame:
    """One row per person: what they wrote and where they sit in the reply network.

    Parameters
    ----------
    {reply_options}
    roster : DataFrame, optional
        People who should appear even if they never posted (``student_id`` or ``user_id``
        column, e.g. ``load_student_summaries``); they get zeros and ``isolated=True``.

    Returns
    -------
    DataFrame
        ``user_id``; ``is_instructor`` (authored one of the topics); ``posts`` (posts with a
        known author, deleted ones excluded); ``top_level_posts``; ``replies_sent`` and
        ``replies_received`` (reply edges out and in, self-replies excluded); ``in_degree`` and
        ``out_degree`` (distinct people); ``reciprocity`` (share of their out-ties returned; NaN
        without out-ties); ``betweenness`` (normalised, directed, unweighted) and
        ``eigenvector`` (undirected, weighted by replies); ``median_response_time`` (median
        time from the post they answered to their reply; NaT without replies); ``words``;
        ``posts_after_due``; ``isolated`` (no tie with anyone). ``attrs["unattributed_posts"]``
        counts posts that cannot be credited (anonymous topics).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> metrics = discussion_metrics(cf.load_discussion_entries(course), cf.load_discussion_topics(course),
    ...                              roster=cf.load_student_summaries(course))
    >>> int(metrics["isolated"].sum())  # students with no tie to anyone (tests/test_doc_examples.py derives it)
    4
    """
    posts, edges, graph = _network(entries, topics, roster, top_level, topic_ids, until, announcements)
    live = posts[~posts["deleted"].astype(bool)]
    known = live[live["user_id"].notna()]
    instructors = _instructors(topics)
    people = sorted(graph.nodes)
    by_user = known.groupby("user_id")
    parents = posts[["course_id", "entry_id", "created_at"]].rename(
        columns={"entry_id": "parent_id", "created_at": "parent_at"}
    )
    answers = known[known["parent_id"].notna()].merge(parents, on=["course_id", "parent_id"])
    latency = (answers["created_at"] - answers["parent_at"]).groupby(answers["user_id"]).median()
    others = edges[~edges["self_reply"]]
    sent, received = others.groupby("from_user")["replies"].sum(), others.groupby("to_user")["replies"].sum()
    betweenness = nx.betweenness_centrality(graph)
    centrality = eigenvector(graph)
    after_due = known["posted_after_due"].fillna(False).astype(bool) if "posted_after_due" in known else None
    frame = pd.DataFrame({"user_id": pd.array(people, dtype="int64")})
    frame["is_instructor"] = frame["user_id"].isin(instructors)
    index = frame["user_id"]
    frame["posts"] = index.map(by_user.size()).fillna(0).astype("int64")
    frame["top_level_posts"] = index.map(known[known["parent_id"].isna()].groupby("user_id").size())
    frame["top_level_posts"] = frame["top_level_posts"].fillna(0).astype("int64")
    frame["replies_sent"] = index.map(sent).fillna(0).astype("int64")
    frame["replies_received"] = index.map(received).fillna(0).astype("int64")
    frame["in_degree"] = [graph.in_degree(n) for n in people]
    frame["out_degree"] = [graph.out_degree(n) for n in people]
    frame["reciprocity"] = [reciprocity(graph, n) for n in people]
    frame["betweenness"] = [betweenness[n] for n in people]
    frame["eigenvector"] = [centrality[n] for n in people]
    latency.index = latency.index.astype("int64")
    frame["median_response_time"] = pd.to_timedelta(latency).reindex(people).to_numpy().astype("timedelta64[us]")
    frame["words"] = index.map(by_user["word_count"].sum()).fillna(0).astype("int64")
    counts = after_due.groupby(known["user_id"]).sum() if after_due is not None else pd.Series(dtype="int64")
    frame["posts_after_due"] = index.map(counts).fillna(0).astype("int64")
    frame["isolated"] = (frame["in_degree"] + frame["out_degree"]) == 0
    frame.attrs["unattributed_posts"] = _unattributed(posts)
    return frame


def _network(
    entries: pd.DataFrame,
    topics: pd.DataFrame,
    roster: pd.DataFrame | None,
    top_level: bool,
    topic_ids: Iterable[int] | None,
    until: Any,
    announcements: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, nx.DiGraph]:
    """The chosen posts, their reply edges and the graph of everyone (authors, roster), computed once."""
    posts = _posts(entries, topics, topic_ids, until, announcements)
    edges = _edges(posts, topics, top_level)
    authors = posts.loc[~posts["deleted"].astype(bool) & posts["user_id"].notna(), "user_id"]
    authors = authors.astype("int64")  # pragma: no mutate (graph nodes are equal ints whatever their dtype)
    return posts, edges, reply_graph(edges, nodes=[*roster_ids(roster), *authors])


def _unattributed(posts: pd.DataFrame) -> int:
    """Posts no one can be credited with: not deleted, yet without an author (anonymous topics)."""
    return int((~posts["deleted"].astype(bool) & posts["user_id"].isna()).sum())


def _instructors(topics: pd.DataFrame) -> set[int]:
    """The topics' authors: the people who asked the questions."""
    return set(topics["author_id"].dropna().astype("int64"))  # pragma: no mutate (a set of equal ints either way)


@doc
def network_summary(
    entries: pd.DataFrame,
    topics: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    *,
    top_level: bool = True,
    topic_ids: Iterable[int] | None = None,
    until: Any = None,
    announcements: bool = False,
) -> pd.DataFrame:
    """The whole network in one row.

    Parameters
    ----------
    {reply_options}
    roster : DataFrame, optional
        As for :func:`discussion_metrics`.

    Returns
    -------
    DataFrame
        One row: ``people`` (nodes, roster included), ``ties`` (directed pairs, self-replies
        excluded), ``replies``, ``density``, ``reciprocity`` (share of ties returned),
        ``instructor_tie_share`` (share of ties with an instructor at either end),
        ``components`` (weakly connected), ``isolates``, and ``excluded_replies`` and
        ``unattributed_posts`` (see :func:`reply_edges` and :func:`discussion_metrics`).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> summary = network_summary(cf.load_discussion_entries(course), cf.load_discussion_topics(course))
    >>> bool(0 < summary.loc[0, "density"] <= 1)
    True
    """
    posts, edges, graph = _network(entries, topics, roster, top_level, topic_ids, until, announcements)
    instructors = _instructors(topics)
    ties = graph.number_of_edges()
    with_instructor = sum(a in instructors or b in instructors for a, b in graph.edges)
    row = {
        "people": graph.number_of_nodes(),
        "ties": ties,
        "replies": int(edges.loc[~edges["self_reply"], "replies"].sum()),
        "density": nx.density(graph) if graph.number_of_nodes() > 1 else float("nan"),
        "reciprocity": nx.reciprocity(graph) if ties else float("nan"),
        "instructor_tie_share": with_instructor / ties if ties else float("nan"),
        "components": nx.number_weakly_connected_components(graph),
        "isolates": nx.number_of_isolates(graph),
        "excluded_replies": sum(edges.attrs["excluded"].values()),
        "unattributed_posts": _unattributed(posts),
    }
    return pd.DataFrame([row])


def to_graphml(edges: pd.DataFrame, path: str | os.PathLike[str], *, nodes: Iterable[int] = ()) -> str:
    """Write the reply network as GraphML (for Gephi, NetDraw, yEd); nothing half-written is left.

    Parameters
    ----------
    edges : DataFrame
        From :func:`reply_edges`.
    path : str or path
        Where to write.
    nodes : iterable of int
        People without ties to include (e.g. a roster's ``student_id``).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> edges = pd.DataFrame({"from_user": [1], "to_user": [2], "replies": [3]})
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "net.graphml"
    >>> sorted(nx.read_graphml(to_graphml(edges, target), node_type=int).nodes)
    [1, 2]
    """
    graph = reply_graph(edges, nodes)
    written = atomic_write(path, lambda handle: nx.write_graphml(graph, handle))
    return str(written)
