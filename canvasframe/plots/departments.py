"""Departments: grade distributions, page-view categories and subaccounts, terms side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..errors import ConfigError
from ._base import TERM_COLOURS, axes, canvas_text, doc, empty, require

__all__ = ["plot_category_views", "plot_grade_distribution", "plot_subaccounts"]


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
    ax.set_yticks(y, [canvas_text(c) for c in categories])
    ax.invert_yaxis()
    if len(groups) > 1:
        ax.legend(loc="lower right", fontsize="small")


@doc
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
    >>> canvas = cf.sample(quiet=True)
    >>> terms = [cf.load_department_grades(canvas.sample_account_id, t) for t in ("current", "completed")]
    >>> ax = plot_grade_distribution(pd.concat(terms))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['term current', 'term completed']
    """
    require(grades, ["account_id", "term", "score", "students"], "plot_grade_distribution", "load_department_grades")
    ax = axes(ax)
    if grades.empty or grades["students"].sum() == 0:
        return empty(ax, "current score (%)", "students", "Grade distribution")
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


@doc
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
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_category_views(cf.load_department_categories(canvas.sample_account_id))
    >>> ax.get_title()
    'Page views by category'
    """
    require(
        categories, ["account_id", "term", "category", "views"], "plot_category_views", "load_department_categories"
    )
    ax = axes(ax)
    if categories.empty:
        return empty(ax, "page views", "category", "Page views by category")
    _grouped_bars(ax, categories, "category", "views", **bar_kws)
    ax.set(xlabel="page views", ylabel="category", title="Page views by category")
    return ax


@doc
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
    >>> canvas = cf.sample(quiet=True)
    >>> ax = plot_subaccounts(cf.load_subaccount_statistics(canvas.sample_account_id), metric="courses")
    >>> ax.get_title()
    'Courses by subaccount'
    """
    require(statistics, ["account_id", "term", "name", metric], "plot_subaccounts", "load_subaccount_statistics")
    ax = axes(ax)
    if statistics.empty:
        return empty(ax, metric, "subaccount", f"{metric.capitalize()} by subaccount")
    _grouped_bars(ax, statistics, "name", metric, **bar_kws)
    ax.set(xlabel=metric, ylabel="subaccount", title=f"{metric.capitalize()} by subaccount")
    return ax
