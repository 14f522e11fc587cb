"""Instructor reports: weekly activity, course against a student or a section."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from ._base import PALETTE, axes, doc, empty, over_time, require

__all__ = ["plot_weekly_activity"]


@doc
def plot_weekly_activity(weekly: pd.DataFrame, *, ax: Axes | None = None, **plot_kws: Any) -> Axes:
    """Page views and participations per student per week: the course, and the selection if there is one.

    Parameters
    ----------
    weekly : DataFrame
        From ``cf.reports.weekly_activity`` (with ``student_id=`` or ``section_id=`` for a
        dashed line per measure beside the course's).
    {ax}
    **plot_kws
        Passed to each ``Axes.plot`` call.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> weekly = cf.reports.weekly_activity(cf.load_page_views(course), cf.load_participations(course),
    ...                                     student_id=1005)
    >>> [line.get_label() for line in plot_weekly_activity(weekly).get_lines()]
    ['page views, course mean', 'page views, student', 'participations, course mean', 'participations, student']
    """
    require(weekly, ["week", "page_views", "participations"], "plot_weekly_activity", "cf.reports.weekly_activity")
    ax = axes(ax)
    if weekly.empty:
        return empty(ax, "week", "per student", "Weekly activity")
    selected = "selected_page_views" in weekly
    who = "student" if selected and (weekly["selected_students"] == 1).all() else "section"
    for measure, label in (("page_views", "page views"), ("participations", "participations")):
        colour = PALETTE["views" if measure == "page_views" else "participations"]
        ax.plot(weekly["week"], weekly[measure], color=colour, marker="o", label=f"{label}, course mean", **plot_kws)
        if selected:
            ax.plot(weekly["week"], weekly[f"selected_{measure}"], color=colour, linestyle="--", marker="s",
                    label=f"{label}, {who}", **plot_kws)  # fmt: skip
    if "partial" in weekly and weekly["partial"].any():
        # A week the data only partly cover counts fewer days: shade it, so a low mean is not read as a collapse.
        for n, start in enumerate(weekly.loc[weekly["partial"].astype(bool), "week"]):
            shade = "partial week (fewer days in the data)" if n == 0 else None
            ax.axvspan(start, start + pd.Timedelta(days=7), color=PALETTE["box"], alpha=0.15, lw=0, label=shade)
    zone = weekly.attrs.get("time_zone")
    return over_time(ax, xlabel=f"week starting ({zone})" if zone else "week starting", ylabel="per student",
                     title="Weekly activity")  # fmt: skip
