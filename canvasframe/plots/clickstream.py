"""The clickstream: session lengths, weekly time on task, the resources students use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
from matplotlib.axes import Axes

from .._time import week_start
from ..errors import ConfigError
from ..localtime import display_zone
from ._base import PALETTE, axes, canvas_text, doc, empty, over_time, person_labels, require

__all__ = ["plot_resource_use", "plot_sessions", "plot_time_on_task"]

_MINUTES = pd.Timedelta(minutes=1)
_HOURS = pd.Timedelta(hours=1)


@doc
def plot_sessions(
    sessions: pd.DataFrame,
    *,
    by: Literal["week", "student"] = "week",
    tz: str | None = None,
    names: pd.DataFrame | Mapping[int, str] | None = None,
    ax: Axes | None = None,
    **box_kws: Any,
) -> Axes:
    """How long sessions last: one box of session lengths (minutes) per week or per student.

    Parameters
    ----------
    sessions : DataFrame
        From ``cf.clickstream.sessions``.
    by : {{"week", "student"}}
        A box per week (the Monday starting the week of each session's start, in ``tz``), or
        per student (the longest median first).
    {tz}
    {names}
    {ax}
    **box_kws
        Passed to ``Axes.boxplot``.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=[1005, 1006])
    >>> plot_sessions(cf.clickstream.sessions(log), tz="America/Chicago").get_ylabel()
    'session length (minutes)'
    """
    require(sessions, ["student_id", "start", "duration"], "plot_sessions", "cf.clickstream.sessions")
    if by not in ("week", "student"):
        raise ConfigError(f"plot_sessions: by must be 'week' or 'student', got {by!r}.")
    ax = axes(ax)
    label = "week starting" if by == "week" else "student"
    if sessions.empty:
        return empty(ax, label, "session length (minutes)", "Session lengths")
    minutes = sessions["duration"] / _MINUTES
    zone = display_zone(tz, frame=sessions)
    if by == "week":
        keys = week_start(sessions["start"], zone)
        groups = {k: minutes[keys == k].to_numpy() for k in sorted(keys.unique())}
        names = [k.strftime("%b %d") for k in groups]
    else:
        order = minutes.groupby(sessions["student_id"]).median().sort_values(ascending=False).index
        groups = {k: minutes[sessions["student_id"] == k].to_numpy() for k in order}
        names = person_labels(groups, names)
    style: dict[str, Any] = {"patch_artist": True, "showfliers": False, "medianprops": {"color": PALETTE["student"]}}
    boxes = ax.boxplot(list(groups.values()), tick_labels=names, **(style | box_kws))
    for patch in boxes["boxes"]:
        patch.set_facecolor(PALETTE["views"])
        patch.set_alpha(0.5)
    ax.tick_params(axis="x", labelrotation=90 if len(names) > 12 else 0)
    shown = "" if by == "student" else f" ({zone})"
    ax.set(xlabel=label + shown, ylabel="session length (minutes)", title="Session lengths")
    ax.set_ylim(bottom=0)
    return ax


@doc
def plot_time_on_task(
    weekly: pd.DataFrame,
    *,
    student_id: int | None = None,
    names: pd.DataFrame | Mapping[int, str] | None = None,
    ax: Axes | None = None,
    **plot_kws: Any,
) -> Axes:
    """Estimated time on task per week: the course's median student, its middle half, and one student.

    Parameters
    ----------
    weekly : DataFrame
        From ``cf.clickstream.time_on_task(log)`` (by student and week, the default).
    student_id : int, optional
        Draw this student's weeks too.
    {names}
    {ax}
    **plot_kws
        Passed to each ``Axes.plot`` call.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=[1005, 1006, 1007])
    >>> weekly = cf.clickstream.time_on_task(log, tz="America/Chicago")
    >>> [line.get_label() for line in plot_time_on_task(weekly, student_id=1005).get_lines()]
    ['course median', 'student 1005']
    """
    require(weekly, ["student_id", "week", "time_on_task"], "plot_time_on_task", "cf.clickstream.time_on_task")
    ax = axes(ax)
    if weekly.empty:
        return empty(ax, "week starting", "hours per student", "Time on task")
    hours = weekly.assign(hours=weekly["time_on_task"] / _HOURS).pivot_table(
        index="week", columns="student_id", values="hours", fill_value=0.0
    )
    middle = hours.quantile([0.25, 0.5, 0.75], axis=1).T
    colour = PALETTE["views"]
    ax.fill_between(middle.index, middle[0.25], middle[0.75], color=colour, alpha=0.2, label="middle half of students")
    ax.plot(middle.index, middle[0.5], color=colour, marker="o", label="course median", **plot_kws)
    if student_id is not None:
        if student_id not in hours.columns:
            raise ConfigError(f"plot_time_on_task: student {student_id} has no weeks in the frame.")
        (label,) = person_labels([student_id], names)
        label = f"student {student_id}" if label == str(student_id) else label
        ax.plot(hours.index, hours[student_id], color=PALETTE["student"], linestyle="--", marker="s", label=label,
                **plot_kws)  # fmt: skip
    return over_time(ax, xlabel="week starting", ylabel="hours per student", title="Time on task (estimated)")


@doc
def plot_resource_use(
    use: pd.DataFrame,
    *,
    measure: Literal["visits", "time_on_task"] = "visits",
    top: int = 15,
    ax: Axes | None = None,
    **bar_kws: Any,
) -> Axes:
    """The most used resources: visits (or estimated hours) summed over students, largest at the top.

    Parameters
    ----------
    use : DataFrame
        From ``cf.clickstream.resource_use`` (one student's, or a course's).
    measure : {{"visits", "time_on_task"}}
        What the bars show.
    top : int
        How many resources.
    {ax}
    **bar_kws
        Passed to ``Axes.barh``.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> plot_resource_use(cf.clickstream.resource_use(log), top=5).get_xlabel()
    'visits'
    """
    require(use, ["asset_type", "url", "visits", "time_on_task"], "plot_resource_use", "cf.clickstream.resource_use")
    if measure not in ("visits", "time_on_task"):
        raise ConfigError(f"plot_resource_use: measure must be 'visits' or 'time_on_task', got {measure!r}.")
    ax = axes(ax)
    xlabel = "visits" if measure == "visits" else "hours (estimated)"
    if use.empty:
        return empty(ax, xlabel, "resource", "Resources used")
    values = use[measure] / _HOURS if measure == "time_on_task" else use[measure]
    where = use["url"].fillna("").str.replace(r"^.*?/courses/\d+/?", "", regex=True).replace("", "course home")
    names = use["asset_type"].fillna("page") + ": " + where
    totals = values.groupby(names).sum().sort_values(ascending=False).head(top).iloc[::-1]
    ax.barh([canvas_text(n) for n in totals.index], totals.to_numpy(), color=PALETTE["views"], **bar_kws)
    ax.set(xlabel=xlabel, ylabel="", title="Resources used")
    ax.tick_params(axis="y", labelsize="small")
    return ax
