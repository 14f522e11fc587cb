"""Communication across channels: feedback latency, the network of every channel, each student's mix."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..network import CHANNELS
from ._base import PALETTE, axes, doc, empty, outside_legend, require

__all__ = ["plot_channel_mix", "plot_channel_network", "plot_feedback_latency"]

CHANNEL_LABELS = {"reply": "discussion replies", "message": "inbox messages", "feedback": "feedback on work",
                  "peer_review": "peer reviews"}  # fmt: skip
_ROLE_ORDER = ("teacher", "ta", "designer", "student", "peer")


@doc
def plot_feedback_latency(summary: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per assignment, the median days from handing in to the first instructor comment and to the grade.

    Parameters
    ----------
    summary : DataFrame
        From ``cf.reports.feedback_summary(..., by="assignment")``; the bar labels show the share
        of handed-in work that got feedback.
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> summary = cf.reports.feedback_summary(cf.load_submissions(course), cf.load_submission_comments(course))
    >>> plot_feedback_latency(summary).get_xlabel()
    'median days after handing in'
    """
    columns = ["assignment_id", "median_feedback_time", "median_grading_time", "feedback_share"]
    require(summary, columns, "plot_feedback_latency", "cf.reports.feedback_summary")
    ax = axes(ax)
    xlabel, title = "median days after handing in", "Feedback and grading time"
    if summary.empty:
        return empty(ax, xlabel, "assignment", title)
    rows = np.arange(len(summary))
    day = pd.Timedelta(days=1)
    feedback = (summary["median_feedback_time"] / day).to_numpy(dtype=float, na_value=np.nan)
    grading = (summary["median_grading_time"] / day).to_numpy(dtype=float, na_value=np.nan)
    ax.barh(
        rows - 0.2, np.nan_to_num(feedback), height=0.4, color=PALETTE["feedback"], label="first instructor comment"
    )
    ax.barh(rows + 0.2, np.nan_to_num(grading), height=0.4, color=PALETTE["box"], label="grade")
    for row, days, share in zip(rows, feedback, summary["feedback_share"], strict=True):
        text = f"{share:.0%} with feedback" if np.isfinite(days) else "no feedback"
        ax.text(np.nan_to_num(days) + 0.05, row - 0.2, text, va="center", fontsize="x-small", color="0.25")
    ax.set_yticks(rows, [str(a) for a in summary["assignment_id"]])
    ax.invert_yaxis()
    ax.set(xlabel=xlabel, ylabel="assignment", title=title)
    outside_legend(ax)
    return ax


def _roles_of(edges: pd.DataFrame) -> dict[int, str]:
    if "from_role" not in edges.columns:
        return {}
    roles: dict[int, str] = {}
    for end in ("from", "to"):
        for user, role in zip(edges[f"{end}_user"], edges[f"{end}_role"], strict=True):
            if not pd.isna(role):
                roles.setdefault(int(user), str(role))
    return roles


@doc
def plot_channel_network(edges: pd.DataFrame, *, seed: int = 7, ax: Axes | None = None) -> Axes:
    """Who reaches whom, through which channel: people coloured by role, ties coloured by channel.

    Parameters
    ----------
    edges : DataFrame
        From ``cf.network.edges``; with ``enrollments=`` given there, people are coloured by role.
    {seed}
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> ties = cf.network.edges(comments=cf.load_submission_comments(course), reviews=cf.load_peer_reviews(course),
    ...                         enrollments=[cf.load_enrollments(course), cf.load_staff(course)])
    >>> plot_channel_network(ties).get_title()
    'Communication network'
    """
    require(edges, ["from_user", "to_user", "channel", "count"], "plot_channel_network", "cf.network.edges")
    ax = axes(ax)
    title = "Communication network"
    if edges.empty:
        return empty(ax, "from", "to", title)
    graph = nx.MultiDiGraph()
    for a, b, channel, count in zip(
        edges["from_user"], edges["to_user"], edges["channel"], edges["count"], strict=True
    ):
        graph.add_edge(int(a), int(b), channel=str(channel), count=int(count))
    simple = nx.Graph(graph)  # the layout places people by whether they are tied at all
    position = nx.spring_layout(simple, seed=seed, k=2 / np.sqrt(max(len(simple), 1)))
    heaviest = max(int(c) for c in edges["count"])
    present = [c for c in CHANNELS if (edges["channel"] == c).any()]
    for n, channel in enumerate(present):
        ties = [(a, b) for a, b, c in graph.edges(data="channel") if c == channel]
        widths = [0.4 + 2.0 * graph[a][b][k]["count"] / heaviest for a, b in ties for k in graph[a][b]
                  if graph[a][b][k]["channel"] == channel]  # fmt: skip
        nx.draw_networkx_edges(graph, position, edgelist=ties, width=widths, edge_color=PALETTE[channel], alpha=0.55,
                               arrowsize=5, connectionstyle=f"arc3,rad={0.08 * (n + 1)}", ax=ax)  # fmt: skip
    roles = _roles_of(edges)
    colours = [PALETTE.get(roles.get(n, "role_unknown"), PALETTE["role_unknown"]) for n in graph]
    nx.draw_networkx_nodes(graph, position, node_size=30, node_color=colours, edgecolors="white", linewidths=0.6, ax=ax)
    handles = [Line2D([], [], color=PALETTE[c], label=CHANNEL_LABELS[c]) for c in present]
    shown = [r for r in _ROLE_ORDER if r in set(roles.values())]
    handles += [Line2D([], [], marker="o", linestyle="", color=PALETTE[r], label=r) for r in shown]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    ax.set_title(title)
    ax.set_axis_off()
    return ax


@doc
def plot_channel_mix(edges: pd.DataFrame, *, students: list[int] | None = None, ax: Axes | None = None) -> Axes:
    """Per student, the acts they took part in on each channel (sent or received), stacked.

    A student reached by no channel has an empty bar: the row is still there when they are in
    ``students``.

    Parameters
    ----------
    edges : DataFrame
        From ``cf.network.edges``.
    students : list of int, optional
        Whose bars to draw, in this order (e.g. a roster's ``student_id``); by default everyone
        whose role is ``student`` (or everyone, without roles), most active first.
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> ties = cf.network.edges(messages=cf.load_conversations(course), comments=cf.load_submission_comments(course))
    >>> roster = cf.load_student_summaries(course)["student_id"].tolist()
    >>> plot_channel_mix(ties, students=roster).get_ylabel()
    'acts (sent + received)'
    """
    require(edges, ["from_user", "to_user", "channel", "count"], "plot_channel_mix", "cf.network.edges")
    ax = axes(ax)
    ylabel, title = "acts (sent + received)", "Each student's channels"
    ends = pd.concat(
        [edges[["from_user", "channel", "count"]].rename(columns={"from_user": "user"}),
         edges[["to_user", "channel", "count"]].rename(columns={"to_user": "user"})]
    )  # fmt: skip
    table = ends.pivot_table(index="user", columns="channel", values="count", aggfunc="sum", fill_value=0)
    if students is None:
        roles = _roles_of(edges)
        people = [u for u in table.index if roles.get(int(u), "student") == "student"] if roles else list(table.index)
        table = table.loc[people]
        table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    else:
        table = table.reindex([int(s) for s in students], fill_value=0)
    if table.empty:
        return empty(ax, "student", ylabel, title)
    bottom = np.zeros(len(table))
    rows = np.arange(len(table))
    for channel in [c for c in CHANNELS if c in table.columns]:
        values = table[channel].to_numpy(dtype=float)
        ax.bar(rows, values, bottom=bottom, color=PALETTE[channel], label=CHANNEL_LABELS[channel], width=0.8)
        bottom += values
    ax.set_xticks(rows, [str(u) for u in table.index], rotation=90, fontsize="x-small")
    ax.set(xlabel="student", ylabel=ylabel, title=title)
    outside_legend(ax)
    return ax
