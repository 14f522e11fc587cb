"""Assignments: score quartiles and timeliness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..errors import ConfigError
from ..schemas import QUARTILE_NAMES, TARDINESS
from ._base import LABELS, PALETTE, axes, canvas_text, doc, empty, one_student, outside_legend, person_labels, require

NOT_COUNTED = "not counted by Canvas (excused, dropped)"

__all__ = ["plot_assignment_quartiles", "plot_tardiness"]


@doc
def plot_assignment_quartiles(
    assignments: pd.DataFrame,
    *,
    student: pd.DataFrame | None = None,
    student_id: int | None = None,
    normalize: bool = False,
    ax: Axes | None = None,
    **bxp_kws: Any,
) -> Axes:
    """One box per assignment from Canvas's score quartiles, ordered by due date.

    The boxes are drawn from min / first quartile / median / third quartile / max
    (``Axes.bxp``): Canvas sends summary statistics, not the scores. Assignments
    without statistics (ungraded, or nobody scored) are left out.

    Parameters
    ----------
    assignments : DataFrame
        From ``load_course_assignments`` (or ``load_student_assignments``).
    student : DataFrame, optional
        From ``load_student_assignments``: that student's scores are drawn as dots.
    student_id : int, optional
        Which student of ``student`` to draw, when it holds several.
    normalize : bool
        Divide scores by points possible (0-100 %), so assignments compare.
    {ax}
    **bxp_kws
        Passed to ``Axes.bxp``.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_assignment_quartiles(cf.load_course_assignments(canvas.sample_course_id), normalize=True)
    >>> ax.get_title()
    'Score quartiles'
    """
    stats_cols = list(QUARTILE_NAMES)
    require(
        assignments,
        ["assignment_id", "title", "due_at", "points_possible", *stats_cols],
        "plot_assignment_quartiles",
        "load_course_assignments",
    )
    ax = axes(ax)
    rows = assignments.drop_duplicates(["course_id", "assignment_id"]).dropna(subset=["median"])
    rows = rows.sort_values(["due_at", "assignment_id"], na_position="last", kind="stable")
    ylabel = "score (% of points possible)" if normalize else "score (points)"
    if rows.empty:
        return empty(ax, "assignment", ylabel, "Score quartiles")
    scale = rows["points_possible"].to_numpy() / 100 if normalize else np.ones(len(rows))
    boxes = [
        {
            "whislo": r.min_score / s,
            "q1": r.first_quartile / s,
            "med": r.median / s,
            "q3": r.third_quartile / s,
            "whishi": r.max_score / s,
            "label": canvas_text(r.title),
        }
        for r, s in zip(rows.itertuples(), scale, strict=True)
    ]
    style = {
        "showfliers": False,
        "patch_artist": True,
        "widths": 0.6,
        "boxprops": {"facecolor": PALETTE["box"], "alpha": 0.5},
        "medianprops": {"color": "black"},
    } | bxp_kws
    ax.bxp(boxes, **style)  # type: ignore[arg-type]  # matplotlib's stubs type each keyword; these are checked there
    if student is not None:
        require(
            student, ["student_id", "assignment_id", "score"], "plot_assignment_quartiles", "load_student_assignments"
        )
        mine = one_student(student, student_id, "plot_assignment_quartiles").set_index("assignment_id")["score"]
        ys = mine.reindex(rows["assignment_id"]).to_numpy() / scale
        ax.scatter(np.arange(1, len(rows) + 1), ys, color=PALETTE["student"], zorder=3, label="student's score")
        ax.legend(loc="lower right")
    if normalize:
        ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set(xlabel="assignment (by due date)", ylabel=ylabel, title="Score quartiles")
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


@doc
def plot_tardiness(
    frame: pd.DataFrame,
    *,
    sort: str | None = None,
    normalize: bool | None = None,
    names: pd.DataFrame | Mapping[int, str] | None = None,
    ax: Axes | None = None,
    **bar_kws: Any,
) -> Axes:
    """Stacked on time / late / missing / floating bars per assignment or per student.

    The counts are Canvas's own: excused work is never missing (it counts as floating,
    with work that has no due date or is not due yet).

    Parameters
    ----------
    frame : DataFrame
        ``load_course_assignments`` (fractions, one bar per assignment) or
        ``load_student_summaries`` (counts, one bar per student).
    sort : str, optional
        A tardiness column to sort by, most first (e.g. ``"missing"``); default
        due date (assignments) or student id (students).
    normalize : bool, optional
        Show shares instead of counts; default: shares for assignments, counts for students.
    {names}
    {ax}
    **bar_kws
        Passed to every ``Axes.bar`` call.

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_tardiness(cf.load_student_summaries(canvas.sample_course_id), sort="missing")
    >>> ax.get_title()
    'Submission timeliness'
    """
    per_assignment = "assignment_id" in frame.columns if isinstance(frame, pd.DataFrame) else False
    loader = "load_course_assignments" if per_assignment else "load_student_summaries"
    require(frame, ["on_time", "late", "missing"], "plot_tardiness", loader)
    if sort is not None and sort not in TARDINESS:
        raise ConfigError(f"plot_tardiness: sort must be one of {list(TARDINESS)}, got {sort!r}.")
    ax = axes(ax)
    normalize = per_assignment if normalize is None else normalize
    ylabel = "share of students" if per_assignment else "assignments"
    if normalize:
        ylabel = "share of students" if per_assignment else "share of assignments"
    xlabel = "assignment" if per_assignment else "student"
    if frame.empty:
        return empty(ax, xlabel, ylabel, "Submission timeliness")
    data = frame.copy()
    for column in TARDINESS:
        data[column] = data[column].astype("float64").fillna(0.0) if column in data else 0.0
    if normalize and not per_assignment:
        totals = data[list(TARDINESS)].sum(axis=1).replace(0, np.nan)
        data[list(TARDINESS)] = data[list(TARDINESS)].div(totals, axis=0).fillna(0.0)
    if sort is not None:
        data = data.sort_values(sort, ascending=False, kind="stable")
    elif per_assignment:
        data = data.sort_values(["due_at", "assignment_id"], na_position="last", kind="stable")
    labels = data["title"].map(canvas_text) if per_assignment else person_labels(data["student_id"], names)
    x = np.arange(len(data))
    bottom = np.zeros(len(data))
    for column in TARDINESS:
        values = data[column].to_numpy()
        if column == "floating" and not values.any():
            continue
        ax.bar(x, values, bottom=bottom, color=PALETTE[column], label=LABELS[column], **bar_kws)
        bottom += values
    if normalize:
        # Canvas's shares leave out the students it counts nowhere (excused work, dropped students):
        # the rest of each bar says so instead of ending short without a word.
        rest = np.clip(1.0 - bottom, 0.0, None)
        if (rest > 0.005).any():
            ax.bar(x, rest, bottom=bottom, color=PALETTE["box"], alpha=0.35, label=NOT_COUNTED, **bar_kws)
    ax.set_xticks(x, labels, rotation=60 if len(data) > 8 else 30, ha="right")
    if normalize:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=xlabel, ylabel=ylabel, title="Submission timeliness")
    outside_legend(ax)
    return ax
