"""Docstring parts that many public functions share, written once (seaborn's ``_docstrings`` idea).

A loader's docstring is a template: ``{course_id}``, ``{options}`` and the like stand for
the parameter descriptions below, and :func:`loader_docstring` fills them in and ends
the text with a **Columns** section rendered from the frame's schema, so the columns a
user sees with ``?`` are always the ones the loader returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from .endpoints import TERM_WORDS
from .schemas import SCHEMAS, empty_frame

__all__ = ["PARAMETERS", "columns_section", "doc", "loader_docstring"]

PARAMETERS: dict[str, str] = {
    "account_id": """\
account_id : int or sequence of int
    Account(s); each is a value of the ``account_id`` column.""",
    "term": f"""\
term : {{{TERM_WORDS}}} or int
    ``current`` / ``completed``: the available / concluded courses of the default term;
    an integer: that enrollment term.""",
    "course_id": """\
course_id : int or sequence of int
    Course(s); each is a value of the ``course_id`` column. A course Canvas answers 404
    for (no students with analytics, unpublished) gives no rows and a warning.""",
    "student_id": """\
student_id : int or sequence of int, optional
    Student(s); ``None`` means every student in ``load_student_summaries``, fetched
    concurrently.""",
    "quiz_id": """\
quiz_id : int or sequence of int, optional
    Only these quizzes (every quiz of the course is fetched and cached all the same).""",
    "lti_account_id": """\
account_id : int or sequence of int
    Account(s). This is Canvas's LTI API: use an LTI Advantage token
    (``token=cf.lti.ClientCredentials(...)``) or an API token with the rights.""",
    "options": """\
canvas : Canvas, optional
    Session to use (default: the one from ``cf.connect()`` / ``cf.sample()``).
refresh : bool or "changed"
    ``True``: refetch even when cached. ``"changed"``: ask Canvas's cheap change signals first
    and refetch only what they say may have changed, reusing the rest of the cached frame; a
    frame without a safe signal is refetched whole. ``attrs["canvasframe"]["changed"]`` says
    which (see the cache guide).
max_age : float, optional
    Refetch cache entries older than this many seconds.
progress : bool, optional
    Show a progress bar for fan-outs of more than 20 requests (default on;
    ``CANVASFRAME_PROGRESS=0`` turns it off).""",
    "sample": """\
>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)""",
    "tz": """\
tz : str, optional
    The IANA time zone times are shown in (default: the session's, else the course's own, else
    UTC; see :mod:`canvasframe.localtime`); the axis says it.""",
    "names": """\
names : DataFrame or mapping, optional
    Label students by name: ``load_enrollments`` (its ``name`` column) or ``{{id: name}}``.
    Default: ids. A session opened with ``names=False`` always shows ids.""",
    "reply_options": """\
entries : DataFrame
    As for :func:`reply_edges`.
topics : DataFrame
    As for :func:`reply_edges`.
top_level : bool
    As for :func:`reply_edges`.
topic_ids : iterable of int, optional
    As for :func:`reply_edges`.
until : timestamp, optional
    As for :func:`reply_edges`.
announcements : bool
    As for :func:`reply_edges`.""",
    "seed": """\
seed : int
    Seed of the spring layout: the same frame gives the same picture.""",
    "ax": """\
ax : matplotlib.axes.Axes, optional
    Axes to draw on; the current Axes when omitted.""",
    "returns": """\
Returns
-------
matplotlib.axes.Axes
    The Axes drawn on.""",
}


F = TypeVar("F", bound=Callable[..., Any])


def doc(func: F) -> F:
    """Fill a docstring template with the shared parts (``{ax}``, ``{returns}``, ``{reply_options}`` ...)."""
    func.__doc__ = inspect.cleandoc(func.__doc__ or "").format(**PARAMETERS)
    return func


def columns_section(frame: str) -> str:
    """A numpy-style section listing a frame's columns, dtypes and meanings from its schema.

    Examples
    --------
    >>> print(columns_section("course_activity").splitlines()[3])
    course_id : int64
    """
    dtypes = empty_frame(frame).dtypes
    lines = ["Columns", "-------", "One row each; always these columns, in this order:"]
    for field in SCHEMAS[frame]:
        doc = (field.metadata or {}).get(b"doc", b"").decode()
        lines += [f"{field.name} : {dtypes[field.name]}", f"    {doc}"]
    return "\n".join(lines)


def loader_docstring(template: str | None, frame: str) -> str:
    """Fill a loader's docstring template and end it with the frame's Columns section."""
    text = inspect.cleandoc(template or "").format(**PARAMETERS)
    return f"{text}\n\n{columns_section(frame)}\n"
