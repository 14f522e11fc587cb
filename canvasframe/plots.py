"""matplotlib views of canvasframe's frames.

Every function takes a loader's frame as it is, draws on ``ax`` (the current
Axes when ``None``), returns that Axes and never calls ``plt.show()``. An empty
frame gives a labelled Axes that says there is no data. Colours come from one
colour-blind-safe palette (Okabe & Ito), so on time, late, missing and
floating look the same in every figure.

>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)
>>> ax = cf.plots.plot_tardiness(cf.load_course_assignments(canvas.sample_course_id))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .errors import ConfigError

__all__ = [
    "PALETTE",
    "plot_assignment_quartiles",
    "plot_category_views",
    "plot_communication",
    "plot_course_activity",
    "plot_engagement",
    "plot_grade_distribution",
    "plot_page_view_heatmap",
    "plot_participation_timeline",
    "plot_subaccounts",
    "plot_tardiness",
]

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE: dict[str, str] = {
    "on_time": "#009E73",
    "late": "#E69F00",
    "missing": "#D55E00",
    "floating": "#56B4E9",
    "views": "#0072B2",
    "participations": "#CC79A7",
    "instructor_messages": "#0072B2",
    "student_messages": "#E69F00",
    "student": "#000000",
    "box": "#999999",
}
TARDINESS = ("on_time", "late", "missing", "floating")
LABELS = {"on_time": "on time", "late": "late", "missing": "missing", "floating": "no due date / not yet due"}
TERM_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_DOCS = {
    "ax": """ax : matplotlib.axes.Axes, optional
        Axes to draw on; the current Axes when omitted.""",
    "returns": """Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.""",
}


def _doc(func: Any) -> Any:
    func.__doc__ = func.__doc__.format(**_DOCS)
    return func


def _axes(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def _require(frame: Any, columns: Iterable[str], plot: str, loader: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{plot} takes a DataFrame from {loader}(), got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{plot} needs the frame from {loader}(); this one lacks columns {missing}.")


def _empty(ax: Axes, xlabel: str, ylabel: str, title: str) -> Axes:
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.4")
    return ax


def _one_student(frame: pd.DataFrame, student_id: int | None, plot: str) -> pd.DataFrame:
    if student_id is not None:
        return frame[frame["student_id"] == student_id]
    if frame["student_id"].nunique() > 1:
        raise ConfigError(f"{plot}: the frame holds several students; pass student_id= to choose one.")
    return frame


def _outside_legend(ax: Axes) -> None:
    """Legend right of the plot: stacked bars and dense lines leave no free corner inside."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _naive_utc(values: pd.Series) -> pd.Series:
    """matplotlib draws naive datetimes; canvasframe's are UTC, so drop the zone after converting."""
    return values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values


# -- assignments -----------------------------------------------------------------------------


@_doc
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
    >>> ax = plot_assignment_quartiles(cf.load_course_assignments(course), normalize=True)  # doctest: +SKIP
    """
    stats_cols = ["min_score", "first_quartile", "median", "third_quartile", "max_score"]
    _require(
        assignments,
        ["assignment_id", "title", "due_at", "points_possible", *stats_cols],
        "plot_assignment_quartiles",
        "load_course_assignments",
    )
    ax = _axes(ax)
    rows = assignments.drop_duplicates(["course_id", "assignment_id"]).dropna(subset=["median"])
    rows = rows.sort_values(["due_at", "assignment_id"], na_position="last", kind="stable")
    ylabel = "score (% of points possible)" if normalize else "score (points)"
    if rows.empty:
        return _empty(ax, "assignment", ylabel, "Score quartiles")
    scale = rows["points_possible"].to_numpy() / 100 if normalize else np.ones(len(rows))
    boxes = [
        {
            "whislo": r.min_score / s,
            "q1": r.first_quartile / s,
            "med": r.median / s,
            "q3": r.third_quartile / s,
            "whishi": r.max_score / s,
            "label": r.title,
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
    ax.bxp(boxes, **style)
    if student is not None:
        _require(
            student, ["student_id", "assignment_id", "score"], "plot_assignment_quartiles", "load_student_assignments"
        )
        mine = _one_student(student, student_id, "plot_assignment_quartiles").set_index("assignment_id")["score"]
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


@_doc
def plot_tardiness(
    frame: pd.DataFrame,
    *,
    sort: str | None = None,
    normalize: bool | None = None,
    ax: Axes | None = None,
    **bar_kws: Any,
) -> Axes:
    """Stacked on time / late / missing / floating bars per assignment or per student.

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
    {ax}
    **bar_kws
        Passed to every ``Axes.bar`` call.

    {returns}

    Examples
    --------
    >>> ax = plot_tardiness(cf.load_student_summaries(course), sort="missing")  # doctest: +SKIP
    """
    per_assignment = "assignment_id" in frame.columns if isinstance(frame, pd.DataFrame) else False
    loader = "load_course_assignments" if per_assignment else "load_student_summaries"
    _require(frame, ["on_time", "late", "missing"], "plot_tardiness", loader)
    if sort is not None and sort not in TARDINESS:
        raise ConfigError(f"plot_tardiness: sort must be one of {list(TARDINESS)}, got {sort!r}.")
    ax = _axes(ax)
    normalize = per_assignment if normalize is None else normalize
    ylabel = "share of students" if per_assignment else "assignments"
    if normalize:
        ylabel = "share of students" if per_assignment else "share of assignments"
    xlabel = "assignment" if per_assignment else "student id"
    if frame.empty:
        return _empty(ax, xlabel, ylabel, "Submission timeliness")
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
    labels = data["title"].astype(str) if per_assignment else data["student_id"].astype(str)
    x = np.arange(len(data))
    bottom = np.zeros(len(data))
    for column in TARDINESS:
        values = data[column].to_numpy()
        if column == "floating" and not values.any():
            continue
        ax.bar(x, values, bottom=bottom, color=PALETTE[column], label=LABELS[column], **bar_kws)
        bottom += values
    ax.set_xticks(x, labels, rotation=60 if len(data) > 8 else 30, ha="right")
    if normalize:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=xlabel, ylabel=ylabel, title="Submission timeliness")
    _outside_legend(ax)
    return ax


# -- activity over time ----------------------------------------------------------------------


@_doc
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
    >>> ax = plot_course_activity(cf.load_course_activity(course), rolling=7)  # doctest: +SKIP
    """
    _require(activity, ["date", "views", "participations"], "plot_course_activity", "load_course_activity")
    ax = _axes(ax)
    if activity.empty:
        return _empty(ax, "date (UTC)", "per day", "Course activity")
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
        dues = _naive_utc(pd.Series(dues).dropna())
        for i, due in enumerate(dues):
            ax.axvline(due, color="0.5", linestyle=":", linewidth=1, label="due date" if i == 0 else None)
    _date_axis(ax)
    ax.set(xlabel="date (UTC)", ylabel="per day", title="Course activity")
    ax.set_ylim(bottom=0)
    _outside_legend(ax)
    return ax


@_doc
def plot_page_view_heatmap(
    page_views: pd.DataFrame,
    *,
    tz: str = "UTC",
    student_id: int | Sequence[int] | None = None,
    ax: Axes | None = None,
    **imshow_kws: Any,
) -> Axes:
    """Weekday × hour-of-day heatmap of page views, in a chosen time zone.

    Parameters
    ----------
    page_views : DataFrame
        From ``load_page_views`` (or ``cf.xapi.to_page_views``).
    tz : str
        IANA time zone for weekdays and hours, e.g. ``"America/Chicago"``.
    student_id : int or list of int, optional
        Only these students (default: all in the frame).
    {ax}
    **imshow_kws
        Passed to ``Axes.imshow`` (e.g. ``cmap``).

    {returns}

    Examples
    --------
    >>> ax = plot_page_view_heatmap(cf.load_page_views(course), tz="America/Denver")  # doctest: +SKIP
    """
    _require(page_views, ["student_id", "hour", "views"], "plot_page_view_heatmap", "load_page_views")
    ax = _axes(ax)
    frame = page_views
    if student_id is not None:
        ids = [student_id] if np.isscalar(student_id) else list(student_id)
        frame = frame[frame["student_id"].isin(ids)]
    title = f"Page views by weekday and hour ({tz})"
    if frame.empty:
        return _empty(ax, f"hour of day ({tz})", "weekday", title)
    local = frame["hour"].dt.tz_convert(tz)
    grid = np.zeros((7, 24))
    np.add.at(grid, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), frame["views"].to_numpy())
    image = ax.imshow(grid, aspect="auto", **({"cmap": "viridis", "interpolation": "nearest"} | imshow_kws))
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
    ax.set(xlabel=f"hour of day ({tz})", ylabel="weekday", title=title)
    ax.figure.colorbar(image, ax=ax, label="page views")
    return ax


@_doc
def plot_participation_timeline(
    participations: pd.DataFrame,
    *,
    student_id: int | Sequence[int] | None = None,
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
    {ax}
    **eventplot_kws
        Passed to ``Axes.eventplot``.

    {returns}

    Examples
    --------
    >>> ax = plot_participation_timeline(cf.load_participations(course), student_id=[1005, 1006])  # doctest: +SKIP
    """
    _require(participations, ["student_id", "created_at"], "plot_participation_timeline", "load_participations")
    ax = _axes(ax)
    frame = participations
    if student_id is not None:
        ids = [student_id] if np.isscalar(student_id) else list(student_id)
        frame = frame[frame["student_id"].isin(ids)]
    if frame.empty:
        return _empty(ax, "date (UTC)", "student id", "Participations")
    students = sorted(frame["student_id"].unique())
    times = _naive_utc(frame["created_at"])
    positions = [mdates.date2num(times[frame["student_id"] == s].to_numpy()) for s in students]
    ax.eventplot(
        positions,
        lineoffsets=range(len(students)),
        linelengths=0.8,
        **({"colors": PALETTE["participations"]} | eventplot_kws),
    )
    ax.set_yticks(range(len(students)), [str(s) for s in students])
    ax.xaxis_date()
    _date_axis(ax)
    ax.set(xlabel="date (UTC)", ylabel="student id", title="Participations")
    return ax


@_doc
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
    >>> ax = plot_engagement(cf.load_student_summaries(course))  # doctest: +SKIP
    """
    _require(
        summaries,
        ["page_views", "participations", "on_time", "late", "missing"],
        "plot_engagement",
        "load_student_summaries",
    )
    ax = _axes(ax)
    if summaries.empty:
        return _empty(ax, "page views", "participations", "Engagement")
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


@_doc
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
    >>> ax = plot_communication(cf.load_communication(course), freq="W")  # doctest: +SKIP
    """
    _require(
        communication, ["date", "instructor_messages", "student_messages"], "plot_communication", "load_communication"
    )
    ax = _axes(ax)
    unit = {"D": "day", "W": "week", "MS": "month"}.get(freq, freq)
    if communication.empty:
        return _empty(ax, "date (UTC)", f"messages per {unit}", "Communication")
    binned = communication.set_index("date")[["instructor_messages", "student_messages"]].resample(freq).sum()
    for column, label in (
        ("instructor_messages", "instructor → student"),
        ("student_messages", "student → instructor"),
    ):
        ax.plot(binned.index, binned[column], marker="o", color=PALETTE[column], label=label, **plot_kws)
    _date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.set(xlabel="date (UTC)", ylabel=f"messages per {unit}", title="Communication")
    ax.legend(loc="upper right", fontsize="small")
    return ax


# -- departments -------------------------------------------------------------------------------


def _terms(frame: pd.DataFrame) -> list[tuple[Any, str]]:
    """(account, term) groups in first-seen order, each with a legend label."""
    keys = list(dict.fromkeys(zip(frame["account_id"], frame["term"], strict=True)))
    several_accounts = len({a for a, _ in keys}) > 1
    return [((a, t), f"account {a}, {t}" if several_accounts else f"term {t}") for a, t in keys]


def _grouped_bars(ax: Axes, frame: pd.DataFrame, category: str, value: str, **bar_kws: Any) -> None:
    groups = _terms(frame)
    categories = list(dict.fromkeys(frame[category]))
    width = 0.8 / len(groups)
    y = np.arange(len(categories))
    for i, ((account, term), label) in enumerate(groups):
        part = frame[(frame["account_id"] == account) & (frame["term"] == term)].set_index(category)[value]
        ax.barh(
            y + (i - (len(groups) - 1) / 2) * width,
            part.reindex(categories, fill_value=0),
            height=width,
            color=TERM_COLOURS[i % len(TERM_COLOURS)],
            label=label,
            **bar_kws,
        )
    ax.set_yticks(y, [str(c) for c in categories])
    ax.invert_yaxis()
    if len(groups) > 1:
        ax.legend(loc="lower right", fontsize="small")


@_doc
def plot_grade_distribution(
    grades: pd.DataFrame, *, bin_width: int = 1, ax: Axes | None = None, **bar_kws: Any
) -> Axes:
    """Histogram of students' current scores (0-100); several terms are drawn side by side.

    Parameters
    ----------
    grades : DataFrame
        From ``load_department_grades``; concatenate frames of several terms to compare them.
    bin_width : int
        Score points per bar (1 = Canvas's own bins; 5 or 10 read better with few students).
    {ax}
    **bar_kws
        Passed to every ``Axes.bar`` call.

    {returns}

    Examples
    --------
    >>> both = pd.concat([cf.load_department_grades(1, t) for t in ("current", "completed")])  # doctest: +SKIP
    >>> ax = plot_grade_distribution(both)  # doctest: +SKIP
    """
    _require(grades, ["account_id", "term", "score", "students"], "plot_grade_distribution", "load_department_grades")
    ax = _axes(ax)
    if grades.empty or grades["students"].sum() == 0:
        return _empty(ax, "current score (%)", "students", "Grade distribution")
    if not isinstance(bin_width, int) or not 1 <= bin_width <= 101:
        raise ConfigError(f"plot_grade_distribution: bin_width must be an integer from 1 to 101, got {bin_width!r}.")
    groups = _terms(grades)
    width = 0.9 * bin_width / len(groups)
    for i, ((account, term), label) in enumerate(groups):
        part = grades[(grades["account_id"] == account) & (grades["term"] == term)]
        binned = part.groupby(part["score"] // bin_width * bin_width)["students"].sum()
        ax.bar(
            binned.index + bin_width / 2 - 0.5 + (i - (len(groups) - 1) / 2) * width,
            binned.to_numpy(),
            width=width,
            color=TERM_COLOURS[i % len(TERM_COLOURS)],
            label=label,
            **bar_kws,
        )
    ax.set_xlim(-1, 101)
    ax.set(xlabel="current score (%)", ylabel="students", title="Grade distribution")
    if len(groups) > 1:
        ax.legend(loc="upper left", fontsize="small")
    return ax


@_doc
def plot_category_views(categories: pd.DataFrame, *, ax: Axes | None = None, **bar_kws: Any) -> Axes:
    """Page views by category; several terms side by side.

    Parameters
    ----------
    categories : DataFrame
        From ``load_department_categories`` (concatenate terms to compare them).
    {ax}
    **bar_kws
        Passed to every ``Axes.barh`` call.

    {returns}

    Examples
    --------
    >>> ax = plot_category_views(cf.load_department_categories(1))  # doctest: +SKIP
    """
    _require(
        categories, ["account_id", "term", "category", "views"], "plot_category_views", "load_department_categories"
    )
    ax = _axes(ax)
    if categories.empty:
        return _empty(ax, "page views", "category", "Page views by category")
    _grouped_bars(ax, categories, "category", "views", **bar_kws)
    ax.set(xlabel="page views", ylabel="category", title="Page views by category")
    return ax


@_doc
def plot_subaccounts(
    statistics: pd.DataFrame, *, metric: str = "students", ax: Axes | None = None, **bar_kws: Any
) -> Axes:
    """One statistic compared across subaccounts; several terms side by side.

    Parameters
    ----------
    statistics : DataFrame
        From ``load_subaccount_statistics`` (concatenate terms to compare them).
    metric : str
        ``"courses"``, ``"teachers"`` or ``"students"`` (Canvas sends 0 for the other counts here).
    {ax}
    **bar_kws
        Passed to every ``Axes.barh`` call.

    {returns}

    Examples
    --------
    >>> ax = plot_subaccounts(cf.load_subaccount_statistics(1), metric="courses")  # doctest: +SKIP
    """
    _require(statistics, ["account_id", "term", "name", metric], "plot_subaccounts", "load_subaccount_statistics")
    ax = _axes(ax)
    if statistics.empty:
        return _empty(ax, metric, "subaccount", f"{metric.capitalize()} by subaccount")
    _grouped_bars(ax, statistics, "name", metric, **bar_kws)
    ax.set(xlabel=metric, ylabel="subaccount", title=f"{metric.capitalize()} by subaccount")
    return ax
