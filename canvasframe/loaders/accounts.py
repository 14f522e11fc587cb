"""Loaders of an account's own data: its courses, and Canvas's LTI API (account, tools, data services)."""

from __future__ import annotations

import numbers

import pandas as pd

from .._pipeline import Refresh, check_ids, run
from ..client import Canvas
from ..endpoints import EVERY_TERM
from ..errors import ConfigError
from ._registry import Ids, account_units, loader

__all__ = ["load_account", "load_courses", "load_data_services", "load_external_tools"]


@loader("courses", "account_id", term="enrollment")
def load_courses(
    account_id: Ids,
    term: int | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The courses of an account and its subaccounts, for pulls over a whole term (one row per course).

    Parameters
    ----------
    {account_id}
    term : int, optional
        Only courses of this enrollment term id (default: every term).
    {options}

    Returns
    -------
    pandas.DataFrame
        ``course_id`` feeds any course loader or ``cf.export_dataset``.

    Examples
    --------
    {sample}
    >>> courses = cf.load_courses(canvas.sample_account_id)
    >>> courses[["course_id", "workflow_state", "total_students"]].head(3)
       course_id workflow_state  total_students
    0       1078      available              36
    1       1088      available              36
    2       1098      completed              36
    """
    if term is not None and (isinstance(term, bool) or not isinstance(term, numbers.Integral) or term < 0):
        raise ConfigError(f"term must be an enrollment term id (integer) or None for every term, got {term!r}.")
    selection = EVERY_TERM if term is None else str(int(term))
    units = [{"account_id": a, "term": selection} for a in check_ids(account_id, "account_id")]
    return run("courses", units, canvas, refresh, max_age, progress)


@loader("account", "account_id")
def load_account(
    account_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """An account's details from Canvas's LTI account lookup (one row per account).

    Parameters
    ----------
    {lti_account_id}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_account(canvas.sample_account_id)[["account_id", "name", "default_time_zone"]]
       account_id                name default_time_zone
    0        1001  Sandbox University   America/Chicago
    """
    return run("account", account_units(account_id), canvas, refresh, max_age, progress)


@loader("external_tools", "account_id")
def load_external_tools(
    account_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The external tools installed in an account (one row per tool × placement).

    A tool with no placement (a background service) has one row with ``placement`` NA.

    Parameters
    ----------
    {lti_account_id}
    {options}

    Examples
    --------
    {sample}
    >>> tools = cf.load_external_tools(canvas.sample_account_id)
    >>> tools.groupby("name").placement.count()
    name
    Lecture Capture     2
    Plagiarism Check    0
    Reading Lists       5
    Name: placement, dtype: int64
    """
    return run("external_tools", account_units(account_id), canvas, refresh, max_age, progress)


@loader("data_services", "account_id")
def load_data_services(
    account_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """An account's live-event data service subscriptions (one row per subscription).

    Parameters
    ----------
    {lti_account_id}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_data_services(canvas.sample_account_id)[["context_type", "transport_type", "format"]]
       context_type transport_type      format
    0  root_account            sqs  live-event
    1  root_account          https     caliper
    """
    return run("data_services", account_units(account_id), canvas, refresh, max_age, progress)
