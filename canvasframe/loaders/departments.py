"""Loaders of Canvas's department-level Analytics: an account's activity, grades and statistics for a term."""

from __future__ import annotations

import pandas as pd

from .._pipeline import Refresh, run
from ..client import Canvas
from ..endpoints import DEFAULT_TERM
from ._registry import Ids, Term, department_units, loader

__all__ = [
    "load_department_activity",
    "load_department_categories",
    "load_department_grades",
    "load_department_statistics",
    "load_subaccount_statistics",
]


@loader("department_activity", "account_id", term="analytics")
def load_department_activity(
    account_id: Ids,
    term: Term = DEFAULT_TERM,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Daily page views and participations summed over an account's courses (one row per account × date).

    Parameters
    ----------
    {account_id}
    {term}
    {options}

    Examples
    --------
    {sample}
    >>> activity = cf.load_department_activity(canvas.sample_account_id)
    >>> activity[["views", "participations"]].sum()
    views             70401
    participations     7524
    dtype: int64
    """
    return run("department_activity", department_units(account_id, term), canvas, refresh, max_age, progress)


@loader("department_categories", "account_id", term="analytics")
def load_department_categories(
    account_id: Ids,
    term: Term = DEFAULT_TERM,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Page views by category over an account's courses (one row per account × category).

    Parameters
    ----------
    {account_id}
    {term}
    {options}

    Examples
    --------
    {sample}
    >>> categories = cf.load_department_categories(canvas.sample_account_id, term="completed")
    >>> categories.nlargest(3, "views")[["category", "views"]]
           category  views
    1   assignments   3637
    10        other   3190
    7        grades   2834
    """
    return run("department_categories", department_units(account_id, term), canvas, refresh, max_age, progress)


@loader("department_grades", "account_id", term="analytics")
def load_department_grades(
    account_id: Ids,
    term: Term = DEFAULT_TERM,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The distribution of students' current scores, 0-100 (one row per account × score).

    Parameters
    ----------
    {account_id}
    {term}
    {options}

    Examples
    --------
    {sample}
    >>> grades = cf.load_department_grades(canvas.sample_account_id)
    >>> len(grades), int(grades.students.sum())
    (101, 93)
    """
    return run("department_grades", department_units(account_id, term), canvas, refresh, max_age, progress)


@loader("department_statistics", "account_id", term="analytics")
def load_department_statistics(
    account_id: Ids,
    term: Term = DEFAULT_TERM,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Counts of courses, teachers, students and content for an account (one row per account).

    Parameters
    ----------
    {account_id}
    {term}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_department_statistics(canvas.sample_account_id)[["courses", "teachers", "students"]]
       courses  teachers  students
    0        4         4        59
    """
    return run("department_statistics", department_units(account_id, term), canvas, refresh, max_age, progress)


@loader("subaccount_statistics", "account_id", term="analytics")
def load_subaccount_statistics(
    account_id: Ids,
    term: Term = DEFAULT_TERM,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The same counts for the account itself and each direct subaccount (one row per (sub)account).

    Parameters
    ----------
    {account_id}
    {term}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_subaccount_statistics(canvas.sample_account_id)[["name", "courses", "students"]]
                        name  courses  students
    0     Sandbox University        1         0
    1  Department of Biology        2        53
    2  Department of History        1        36
    """
    return run("subaccount_statistics", department_units(account_id, term), canvas, refresh, max_age, progress)
