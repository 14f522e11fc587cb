"""Activity over time: course activity, page-view rhythm, participations, engagement, messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._time import binned
from ..localtime import display_zone
from ._base import (
    LABELS,
    PALETTE,
    WEEKDAYS,
    axes,
    date_axis,
    doc,
    empty,
    naive_local,
    naive_utc,
    over_time,
    per,
    person_labels,
    require,
)

__all__ = [
    "plot_communication",
    "plot_course_activity",
    "plot_engagement",
    "plot_page_view_heatmap",
    "plot_participation_timeline",
]


@doc
def plot_course_activity(
    activity: pd.DataFrame,
    *,
    rolling: int | None = None,
    due_dates: pd.DataFrame | Sequence[Any] | None = None,
    ax: Axes | None = None,
    **plot_kws: Any,
) -> Axes:
    """Daily page views and participations over time.

    Parameters
    ----------
    activity : DataFrame
        From ``load_course_activity`` (or ``load_department_activity``).
    rolling : int, optional
        Add a centred rolling mean over this many days (missing days count as 0).
    due_dates : DataFrame or sequence, optional
        ``load_course_assignments`` frame or timestamps: drawn as dotted vertical lines.
    {ax}
    **plot_kws
        Passed to both daily ``Axes.plot`` calls.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_course_activity(cf.load_course_activity(canvas.sample_course_id), rolling=7)
    >>> ax.get_title()
    'Course activity'
    """
    require(activity, ["date", "views", "participations"], "plot_course_activity", "load_course_activity")
    ax = axes(ax)
    if activity.empty:
        return empty(ax, "date (UTC)", "per day", "Course activity")
    daily = activity.groupby("date")[["views", "participations"]].sum()
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max(), freq="D"), fill_value=0)
    for column in ("views", "participations"):
        alpha = 0.35 if rolling else 1.0
        ax.plot(daily.index, daily[column], color=PALETTE[column], alpha=alpha, label=f"{column} per day", **plot_kws)
        if rolling:
            smooth = daily[column].rolling(rolling, center=True, min_periods=1).mean()
            ax.plot(daily.index, smooth, color=PALETTE[column], linewidth=2, label=f"{column}, {rolling}-day mean")
    if due_dates is not None:
        dues = (
            due_dates["due_at"]
            if isinstance(due_dates, pd.DataFrame)
            else pd.Series(pd.to_datetime(list(due_dates), utc=True))
        )
        dues = naive_utc(pd.Series(dues).dropna())
        for i, due in enumerate(dues):
            ax.axvline(due, color="0.5", linestyle=":", linewidth=1, label="due date" if i == 0 else None)
    return over_time(ax, xlabel="date (UTC)", ylabel="per day", title="Course activity")


@doc
def plot_page_view_heatmap(
    page_views: pd.DataFrame,
    *,
    tz: str | None = None,
    student_id: int | Sequence[int] | None = None,
    ax: Axes | None = None,
    **imshow_kws: Any,
) -> Axes:
    """Weekday × hour-of-day heatmap of page views, in a chosen time zone.

    Parameters
    ----------
    page_views : DataFrame
        From ``load_page_views`` (or ``cf.xapi.to_page_views``).
    {tz}
    student_id : int or list of int, optional
        Only these students (default: all in the frame).
    {ax}
    **imshow_kws
        Passed to ``Axes.imshow`` (e.g. ``cmap``).

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_page_view_heatmap(cf.load_page_views(canvas.sample_course_id), tz="America/Denver")
    >>> ax.get_title()
    'Page views by weekday and hour (America/Denver)'
    """
    require(page_views, ["student_id", "hour", "views"], "plot_page_view_heatmap", "load_page_views")
    ax = axes(ax)
    frame = page_views
    if student_id is not None:
        ids = [student_id] if isinstance(student_id, (int, np.integer)) else list(student_id)
        frame = frame[frame["student_id"].isin(ids)]
    tz = display_zone(tz, frame=page_views)
    title = f"Page views by weekday and hour ({tz})"
    if frame.empty:
        return empty(ax, f"hour of day ({tz})", "weekday", title)
    local = frame["hour"].dt.tz_convert(tz)
    grid = np.zeros((7, 24))
    np.add.at(grid, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), frame["views"].to_numpy())
    image = ax.imshow(grid, aspect="auto", **({"cmap": "viridis", "interpolation": "nearest"} | imshow_kws))
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
    ax.set(xlabel=f"hour of day ({tz})", ylabel="weekday", title=title)
    ax.figure.colorbar(image, ax=ax, label="page views")
    return ax


@doc
def plot_participation_timeline(
    participations: pd.DataFrame,
    *,
    student_id: int | Sequence[int] | None = None,
    tz: str | None = None,
    names: pd.DataFrame | Mapping[int, str] | None = None,
    ax: Axes | None = None,
    **eventplot_kws: Any,
) -> Axes:
    """Each student's participations as ticks on a time line (one row per student).

    Parameters
    ----------
    participations : DataFrame
        From ``load_participations``.
    student_id : int or list of int, optional
        Only these students.
    {tz}
    {names}
    {ax}
    **eventplot_kws
        Passed to ``Axes.eventplot``.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> participations = cf.load_participations(canvas.sample_course_id)
    >>> ax = plot_participation_timeline(participations, student_id=participations.student_id.unique()[:2].tolist())
    >>> len(ax.get_yticklabels())
    2
    """
    require(participations, ["student_id", "created_at"], "plot_participation_timeline", "load_participations")
    ax = axes(ax)
    frame = participations
    if student_id is not None:
        ids = [student_id] if isinstance(student_id, (int, np.integer)) else list(student_id)
        frame = frame[frame["student_id"].isin(ids)]
    zone = display_zone(tz, frame=participations)
    if frame.empty:
        return empty(ax, f"date ({zone})", "student", "Participations")
    students = sorted(frame["student_id"].unique())
    times = naive_local(frame["created_at"], zone)
    positions = [mdates.date2num(times[frame["student_id"] == s].to_numpy()) for s in students]
    ax.eventplot(
        positions,
        lineoffsets=range(len(students)),
        linelengths=0.8,
        **({"colors": PALETTE["participations"]} | eventplot_kws),
    )
    ax.set_yticks(range(len(students)), person_labels(students, names))
    ax.xaxis_date()
    date_axis(ax)
    ax.set(xlabel=f"date ({zone})", ylabel="student", title="Participations")
    return ax


@doc
def plot_engagement(summaries: pd.DataFrame, *, ax: Axes | None = None, **scatter_kws: Any) -> Axes:
    """Page views against participations per student, coloured by each student's usual timeliness.

    A student's colour is the tardiness category holding most of their
    assignments (ties go to the worse one: missing, then late, then on time),
    as in Canvas's student summary view.

    Parameters
    ----------
    summaries : DataFrame
        From ``load_student_summaries``.
    {ax}
    **scatter_kws
        Passed to every ``Axes.scatter`` call.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_engagement(cf.load_student_summaries(canvas.sample_course_id))
    >>> ax.get_xlabel()
    'page views'
    """
    require(
        summaries,
        ["page_views", "participations", "on_time", "late", "missing"],
        "plot_engagement",
        "load_student_summaries",
    )
    ax = axes(ax)
    if summaries.empty:
        return empty(ax, "page views", "participations", "Engagement")
    order = ["missing", "late", "on_time", "floating"]  # worst first wins ties
    counts = summaries.reindex(columns=order, fill_value=0).fillna(0)
    category = counts.idxmax(axis=1)
    for name in order:
        chosen = summaries[category == name]
        if len(chosen):
            ax.scatter(
                chosen["page_views"],
                chosen["participations"],
                color=PALETTE[name],
                label=f"mostly {LABELS[name]}",
                **({"s": 36, "alpha": 0.85} | scatter_kws),
            )
    ax.set(xlabel="page views", ylabel="participations", title="Engagement")
    ax.legend(loc="upper left", fontsize="small")
    return ax


@doc
def plot_communication(
    communication: pd.DataFrame, *, freq: str = "W", ax: Axes | None = None, **plot_kws: Any
) -> Axes:
    """Instructor-to-student and student-to-instructor messages over time.

    Parameters
    ----------
    communication : DataFrame
        From ``load_communication`` (all students, or filter it first).
    freq : str
        Bin width as a pandas offset alias: ``"D"``, ``"W"`` (default) or ``"MS"``.
    {ax}
    **plot_kws
        Passed to both ``Axes.plot`` calls.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_communication(cf.load_communication(canvas.sample_course_id), freq="W")
    >>> ax.get_title()
    'Communication'
    """
    require(
        communication, ["date", "instructor_messages", "student_messages"], "plot_communication", "load_communication"
    )
    ax = axes(ax)
    unit = per(freq)
    if communication.empty:
        return empty(ax, "date (UTC)", f"messages per {unit}", "Communication")
    counts = binned(communication.set_index("date")[["instructor_messages", "student_messages"]], freq)
    for column, label in (
        ("instructor_messages", "instructor → student"),
        ("student_messages", "student → instructor"),
    ):
        ax.plot(counts.index, counts[column], marker="o", color=PALETTE[column], label=label, **plot_kws)
    date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.set(xlabel="date (UTC)", ylabel=f"messages per {unit}", title="Communication")
    ax.legend(loc="upper right", fontsize="small")
    return ax
