"""Who communicates with whom, across every channel of a course: one graph, built on networkx.

**The channels and their rules** (each written once, here or in the function named):

``reply``
    A discussion post goes from its author to the author of the post it answers, a top-level
    post to the topic's author: :func:`canvasframe.discussions.reply_edges`, summed over topics.
``message``
    An inbox message goes from its author to every other participant of its conversation.
    Messages Canvas generates itself (``generated``) are not communication and are left out.
``feedback``
    A comment on a submission goes from its author to the submission's owner. A comment by the
    owner goes to everyone else who had commented on that submission before it (it answers
    them); a note nobody had written to before is addressed to no one and left out. A group
    assignment's comment is copied to every member's submission by Canvas: each copy is a tie
    to that member. A peer reviewer's comments on the work they review belong to the
    ``peer_review`` channel, not to this one.
``peer_review``
    A completed review goes from the assessor to the reviewee; a review assigned and not done is
    no communication. Canvas sends no time for a review: ``first_at`` and ``last_at`` are NaT.

A tie to oneself is left out of every channel, and what cannot be attributed (a hidden author, a
deleted post) is left out and counted: ``edges.attrs["excluded"]`` says, per channel, how many
and why.

**Roles.** Given ``enrollments`` (:func:`~canvasframe.load_enrollments` and
:func:`~canvasframe.load_staff`, a frame or a list), every tie gets ``from_role`` and ``to_role``
(the rule is in ``canvasframe._roles``); instructors are teachers and teaching assistants.

Examples
--------
>>> canvas = cf.sample(quiet=True)
>>> course = canvas.sample_course_id
>>> ties = edges(comments=cf.load_submission_comments(course), reviews=cf.load_peer_reviews(course))
>>> list(ties.columns)
['course_id', 'from_user', 'to_user', 'channel', 'count', 'first_at', 'last_at']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import pandas as pd

from ._atomic import atomic_write
from ._frames import require
from ._graphs import directed_graph, eigenvector, reciprocity, roster_ids
from ._roles import INSTRUCTOR_ROLES, user_roles
from .discussions import reply_edges
from .errors import ConfigError

__all__ = ["CHANNELS", "INSTRUCTOR_ROLES", "edges", "metrics", "summary", "to_graphml"]

CHANNELS = ("reply", "message", "feedback", "peer_review")
"""The channels of a course's communication, as ``edges`` names them in its ``channel`` column."""
ALL = "all"  # the combined network's name in metrics
_TIE = ["course_id", "from_user", "to_user"]
_EDGE_COLUMNS = [*_TIE, "channel", "count", "first_at", "last_at"]


def _ties(pairs: pd.DataFrame, channel: str) -> pd.DataFrame:
    """``course_id, from_user, to_user, at`` rows (one per act) -> one row per directed tie."""
    pairs = pairs[pairs["from_user"] != pairs["to_user"]]
    grouped = pairs.groupby(_TIE, sort=True, dropna=False)
    ties = grouped.agg(count=("at", "size"), first_at=("at", "min"), last_at=("at", "max")).reset_index()
    ties.insert(3, "channel", channel)
    return ties


def _acts(course: Any, sender: Any, receiver: Any, at: Any) -> pd.DataFrame:
    return pd.DataFrame({"course_id": course, "from_user": sender, "to_user": receiver, "at": at})


def _reply_ties(replies: pd.DataFrame, topics: pd.DataFrame | None) -> tuple[pd.DataFrame, dict[str, int]]:
    if topics is None:
        raise ConfigError("edges: replies need their topics (topics=load_discussion_topics(...)), as reply_edges does.")
    per_topic = reply_edges(replies, topics)
    excluded = dict(per_topic.attrs["excluded"]) | {
        "self": int(per_topic.loc[per_topic["self_reply"], "replies"].sum())
    }
    others = per_topic[~per_topic["self_reply"]]
    grouped = others.groupby(_TIE, sort=True)
    ties = grouped.agg(count=("replies", "sum"), first_at=("first_at", "min"), last_at=("last_at", "max")).reset_index()
    ties.insert(3, "channel", "reply")
    return ties, excluded


def _message_ties(messages: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    require(
        messages,
        ("course_id", "author_id", "participant_ids", "created_at", "generated"),
        "messages",
        "load_conversations",
    )
    generated = messages["generated"].fillna(False).astype(bool)
    sent = messages[~generated].explode("participant_ids")
    sent = sent[sent["participant_ids"].notna() & (sent["participant_ids"] != sent["author_id"])]
    acts = _acts(sent["course_id"], sent["author_id"], sent["participant_ids"].astype("int64"), sent["created_at"])
    return _ties(acts, "message"), {"generated": int(generated.sum())}


def _feedback_ties(comments: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    columns = ("course_id", "assignment_id", "student_id", "comment_id", "author_id", "author_role", "created_at")
    require(comments, columns, "comments", "load_submission_comments")
    hidden = comments["author_id"].isna()
    peer = comments["author_role"].eq("peer").fillna(False).astype(bool)
    known = comments[~hidden & ~peer]
    by_owner = known["author_id"].astype("int64") == known["student_id"]
    to_owner = known[~by_owner]
    acts = [
        _acts(
            to_owner["course_id"], to_owner["author_id"].astype("int64"), to_owner["student_id"], to_owner["created_at"]
        )
    ]
    # An owner's comment answers whoever commented on the submission before it.
    submission = ["course_id", "assignment_id", "student_id"]
    earlier = to_owner[[*submission, "author_id", "created_at"]].rename(
        columns={"author_id": "to_user", "created_at": "before"}
    )
    answers = known[by_owner].merge(earlier, on=submission)
    answers = answers[answers["before"] < answers["created_at"]].drop_duplicates(["comment_id", "to_user"])
    acts.append(
        _acts(answers["course_id"], answers["student_id"], answers["to_user"].astype("int64"), answers["created_at"])
    )
    unaddressed = int(by_owner.sum()) - answers["comment_id"].nunique()
    ties = _ties(pd.concat(acts, ignore_index=True), "feedback")
    return ties, {"anonymous": int(hidden.sum()), "unaddressed": unaddressed, "peer": int(peer.sum())}


def _review_ties(reviews: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    require(reviews, ("course_id", "assessor_id", "reviewee_id", "workflow_state"), "reviews", "load_peer_reviews")
    done = reviews["workflow_state"].eq("completed").fillna(False).astype(bool)
    hidden = reviews["assessor_id"].isna()
    kept = reviews[done & ~hidden]
    at = pd.Series(pd.NaT, index=kept.index, dtype="datetime64[us, UTC]")
    acts = _acts(kept["course_id"], kept["assessor_id"].astype("int64"), kept["reviewee_id"], at)
    return _ties(acts, "peer_review"), {"anonymous": int((done & hidden).sum()), "not_completed": int((~done).sum())}


def _with_roles(ties: pd.DataFrame, enrollments: pd.DataFrame | Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [enrollments] if isinstance(enrollments, pd.DataFrame) else list(enrollments)
    roles = user_roles(frames)
    # A message outside any course is matched on the person alone (their role in any course, staff first).
    staff_first = roles.assign(student=roles["role"].eq("student")).sort_values("student", kind="stable")
    anywhere = staff_first.drop_duplicates("user_id").set_index("user_id")["role"]
    for end in ("from", "to"):
        named = roles.rename(columns={"user_id": f"{end}_user", "role": f"{end}_role"})
        ties = ties.merge(named, on=["course_id", f"{end}_user"], how="left")
        fallback = ties[f"{end}_user"].map(anywhere)
        ties[f"{end}_role"] = ties[f"{end}_role"].astype("string").fillna(fallback.astype("string"))
    return ties


def edges(
    *,
    replies: pd.DataFrame | None = None,
    topics: pd.DataFrame | None = None,
    messages: pd.DataFrame | None = None,
    comments: pd.DataFrame | None = None,
    reviews: pd.DataFrame | None = None,
    enrollments: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per directed tie and channel, from whichever channels' frames are given.

    Parameters
    ----------
    replies : DataFrame, optional
        ``load_discussion_entries`` (the ``reply`` channel, with ``topics``).
    topics : DataFrame, optional
        ``load_discussion_topics`` (the ``reply`` channel: whom a top-level post answers).
    messages : DataFrame, optional
        ``load_conversations`` (the ``message`` channel).
    comments : DataFrame, optional
        ``load_submission_comments`` (the ``feedback`` channel).
    reviews : DataFrame, optional
        ``load_peer_reviews`` (the ``peer_review`` channel).
    enrollments : DataFrame or list of DataFrame, optional
        ``load_enrollments`` and/or ``load_staff``: adds ``from_role`` and ``to_role``.

    Returns
    -------
    DataFrame
        ``course_id`` (NA for a message outside a course), ``from_user``, ``to_user``,
        ``channel``, ``count`` (replies, messages, comments or completed reviews), ``first_at``
        and ``last_at`` (UTC; NaT for reviews), in the order of :data:`CHANNELS`, each channel's
        ties sorted. ``attrs["excluded"]``:
        channel -> what was left out and why, with counts.

    Examples
    --------
    >>> replies = pd.DataFrame({"course_id": [1, 1], "topic_id": [5, 5], "entry_id": [10, 11],
    ...                         "parent_id": [None, 10], "user_id": [7, 8], "deleted": [False, False],
    ...                         "created_at": pd.to_datetime(["2026-09-01", "2026-09-02"], utc=True)})
    >>> topics = pd.DataFrame({"course_id": [1], "topic_id": [5], "author_id": [2], "is_announcement": [False]})
    >>> edges(replies=replies, topics=topics)[["from_user", "to_user", "channel", "count"]]
       from_user  to_user channel  count
    0          7        2   reply      1
    1          8        7   reply      1
    """
    made: dict[str, tuple[pd.DataFrame, dict[str, int]]] = {}
    if replies is not None:
        made["reply"] = _reply_ties(replies, topics)
    if messages is not None:
        made["message"] = _message_ties(messages)
    if comments is not None:
        made["feedback"] = _feedback_ties(comments)
    if reviews is not None:
        made["peer_review"] = _review_ties(reviews)
    if not made:
        raise ConfigError("edges: pass at least one channel's frame (replies=, messages=, comments= or reviews=).")
    result = pd.concat([_typed(ties) for ties, _ in made.values()], ignore_index=True)  # in CHANNELS order
    if enrollments is not None:
        result = _with_roles(result, enrollments)
    result.attrs["excluded"] = {channel: excluded for channel, (_, excluded) in made.items()}
    return result


def _typed(ties: pd.DataFrame) -> pd.DataFrame:
    return ties[_EDGE_COLUMNS].astype(
        {
            "course_id": "Int64",
            "from_user": "int64",
            "to_user": "int64",
            "channel": "string",
            "count": "int64",
            "first_at": "datetime64[us, UTC]",
            "last_at": "datetime64[us, UTC]",
        }
    )


def _graphs(ties: pd.DataFrame, channels: Iterable[str] | None, nodes: list[int]) -> dict[str, nx.DiGraph]:
    """Each channel's graph, and the combined one (``all``): ties summed over courses and channels."""
    require(ties, ("from_user", "to_user", "channel", "count"), "edges", "network.edges")
    chosen = (
        list(dict.fromkeys(channels)) if channels is not None else [c for c in CHANNELS if (ties["channel"] == c).any()]
    )
    unknown = sorted(set(chosen) - set(CHANNELS))
    if unknown:
        raise ConfigError(f"channels must be among {list(CHANNELS)}; not {unknown}.")
    people = [*nodes, *pd.unique(ties[["from_user", "to_user"]].to_numpy().ravel())]
    graphs = {c: directed_graph(ties[ties["channel"] == c], "count", people) for c in chosen}
    graphs[ALL] = directed_graph(ties[ties["channel"].isin(chosen)], "count", people)
    return graphs


def metrics(
    edges: pd.DataFrame, *, roster: pd.DataFrame | None = None, channels: Iterable[str] | None = None
) -> pd.DataFrame:
    """Where each person sits in each channel's network and in all of them together.

    Parameters
    ----------
    edges : DataFrame
        From :func:`edges`.
    roster : DataFrame, optional
        People who should appear even without a tie (``student_id`` or ``user_id``): they are
        isolated in every channel.
    channels : iterable of str, optional
        The channels to measure and combine (default: every channel in ``edges``).

    Returns
    -------
    DataFrame
        One row per person × channel (the channels, then ``all``): ``user_id``, ``channel``,
        ``sent`` and ``received`` (acts), ``out_degree`` and ``in_degree`` (distinct people),
        ``reciprocity`` (share of their out-ties returned; NaN without out-ties),
        ``betweenness`` (normalised, directed, unweighted), ``eigenvector`` (undirected, each
        tie weighted by both directions' acts summed) and ``isolated`` (no tie with anyone in
        that channel). Everyone in any chosen channel (and the roster) has a row in each.

    Examples
    --------
    >>> ties = pd.DataFrame({"course_id": [1, 1], "from_user": [1, 2], "to_user": [2, 1],
    ...                      "channel": ["reply", "feedback"], "count": [3, 1]})
    >>> metrics(ties)[["user_id", "channel", "out_degree", "reciprocity"]]
       user_id   channel  out_degree  reciprocity
    0        1     reply           1          0.0
    1        2     reply           0          NaN
    2        1  feedback           0          NaN
    3        2  feedback           1          0.0
    4        1       all           1          1.0
    5        2       all           1          1.0
    """
    graphs = _graphs(edges, channels, roster_ids(roster))
    rows = []
    for channel, graph in graphs.items():
        people = sorted(graph.nodes)
        betweenness = nx.betweenness_centrality(graph)
        centrality = eigenvector(graph, "count")
        sent = dict(graph.out_degree(weight="count"))
        received = dict(graph.in_degree(weight="count"))
        rows.append(
            pd.DataFrame(
                {
                    "user_id": pd.array(people, dtype="int64"),
                    "channel": channel,
                    "sent": [int(sent[n]) for n in people],
                    "received": [int(received[n]) for n in people],
                    "out_degree": [graph.out_degree(n) for n in people],
                    "in_degree": [graph.in_degree(n) for n in people],
                    "reciprocity": [reciprocity(graph, n) for n in people],
                    "betweenness": [betweenness[n] for n in people],
                    "eigenvector": [centrality[n] for n in people],
                    "isolated": [graph.degree(n) == 0 for n in people],
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    return frame.astype(
        {"channel": "string", "sent": "int64", "received": "int64", "out_degree": "int64", "in_degree": "int64"}
    )


def summary(
    edges: pd.DataFrame, *, roster: pd.DataFrame | None = None, channels: Iterable[str] | None = None
) -> pd.DataFrame:
    """Each channel's network (and all of them together) in one row.

    Parameters
    ----------
    edges : DataFrame
        As for :func:`metrics`.
    roster : DataFrame, optional
        As for :func:`metrics`.
    channels : iterable of str, optional
        As for :func:`metrics`.

    Returns
    -------
    DataFrame
        One row per channel, then ``all``: ``people``, ``ties`` (directed pairs), ``acts`` (the
        count summed), ``density``, ``reciprocity`` (share of ties returned),
        ``instructor_tie_share`` (share of ties with a teacher or assistant at either end; NaN
        when ``edges`` has no roles), ``components`` (weakly connected) and ``isolates``.

    Examples
    --------
    >>> ties = pd.DataFrame({"course_id": [1, 1], "from_user": [1, 2], "to_user": [2, 1],
    ...                      "channel": ["reply", "reply"], "count": [3, 1]})
    >>> summary(ties, roster=pd.DataFrame({"student_id": [1, 2, 3]}))[["channel", "ties", "reciprocity", "isolates"]]
      channel  ties  reciprocity  isolates
    0   reply     2          1.0         1
    1     all     2          1.0         1
    """
    graphs = _graphs(edges, channels, roster_ids(roster))
    instructors = _instructors(edges)
    rows = []
    for channel, graph in graphs.items():
        ties = graph.number_of_edges()
        with_instructor = sum(a in instructors or b in instructors for a, b in graph.edges) if instructors else 0
        rows.append(
            {
                "channel": channel,
                "people": graph.number_of_nodes(),
                "ties": ties,
                "acts": int(sum(w for _, _, w in graph.edges(data="count"))),
                "density": nx.density(graph) if graph.number_of_nodes() > 1 else float("nan"),
                "reciprocity": nx.reciprocity(graph) if ties else float("nan"),
                "instructor_tie_share": with_instructor / ties if ties and instructors is not None else float("nan"),
                "components": nx.number_weakly_connected_components(graph),
                "isolates": nx.number_of_isolates(graph),
            }
        )
    return pd.DataFrame(rows).astype({"channel": "string"})


def _instructors(edges: pd.DataFrame) -> set[int] | None:
    """The teachers and assistants named by the ties' roles (None when ``edges`` has no roles)."""
    if "from_role" not in edges.columns:
        return None
    people = set()
    for end in ("from", "to"):
        mask = edges[f"{end}_role"].isin(INSTRUCTOR_ROLES).fillna(False).astype(bool)
        people |= set(edges.loc[mask, f"{end}_user"].astype("int64"))
    return people


def to_graphml(edges: pd.DataFrame, path: str | os.PathLike[str], *, nodes: Iterable[int] = ()) -> str:
    """Write every channel as one GraphML multigraph (``channel`` and ``count`` on each edge, roles on nodes).

    Readable by Gephi and networkx (``nx.read_graphml(path, force_multigraph=True)`` keeps it a
    multigraph even when no two channels join the same pair); nothing half-written is left.

    ``edges`` is :func:`edges`'s frame; ``path``, ``nodes`` and the path returned are as for
    :func:`canvasframe.discussions.to_graphml`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ties = pd.DataFrame({"course_id": [1, 1], "from_user": [1, 1], "to_user": [2, 2],
    ...                      "channel": ["reply", "feedback"], "count": [3, 1]})
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "channels.graphml"
    >>> read = nx.read_graphml(to_graphml(ties, target), node_type=int)
    >>> sorted(read.edges(data="channel"))
    [(1, 2, 'feedback'), (1, 2, 'reply')]
    """
    require(edges, ("from_user", "to_user", "channel", "count"), "edges", "network.edges")
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(int(n) for n in nodes)
    for end in ("from", "to"):
        for user in edges[f"{end}_user"]:
            graph.add_node(int(user))
        if f"{end}_role" in edges.columns:
            for user, role in zip(edges[f"{end}_user"], edges[f"{end}_role"], strict=True):
                if not pd.isna(role):
                    graph.nodes[int(user)]["role"] = str(role)
    for a, b, channel, count in zip(
        edges["from_user"], edges["to_user"], edges["channel"], edges["count"], strict=True
    ):
        graph.add_edge(int(a), int(b), channel=str(channel), count=int(count))
    written = atomic_write(path, lambda handle: nx.write_graphml(graph, handle))
    return str(written)
