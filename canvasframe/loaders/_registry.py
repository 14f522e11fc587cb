"""The registry of loaders (:data:`LOADERS`) and the helpers every loader shares.

:data:`LOADERS` says, per frame, which function loads it, which id it takes and whether
it takes ``term`` or ``student_id``. The command line, the docs generator, the sample
data builder and the tests read it instead of guessing a loader's call shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import pandas as pd

from .. import _changes  # noqa: F401  refresh="changed"'s rules, registered with the pipeline
from .._docstrings import loader_docstring
from .._pipeline import Unit, check_ids, check_term
from ..endpoints import FRAMES, TermSelector

__all__ = ["LOADERS", "Ids", "LoaderSpec", "Term"]

Ids = int | Sequence[int]
Term = TermSelector | int
IdName = Literal["course_id", "account_id"]
TermKind = Literal["analytics", "enrollment"]
F = TypeVar("F", bound=Callable[..., pd.DataFrame])


@dataclass(frozen=True)
class LoaderSpec:
    """What a loader takes, for code that calls loaders generically.

    Attributes
    ----------
    frame : str
        The frame it returns (a key of ``canvasframe.schemas.SCHEMAS``).
    function : callable
        The loader itself.
    ids : {"course_id", "account_id"}
        The name of its first parameter: the id(s) it loads.
    term : {"analytics", "enrollment"}, optional
        ``analytics``: takes ``term`` = a word of ``TERM_SELECTORS`` or a term id;
        ``enrollment``: takes ``term`` = an enrollment term id, or None for every term.
    per_student : bool
        Takes ``student_id`` (one request per student of the course).
    """

    frame: str
    function: Callable[..., pd.DataFrame]
    ids: IdName
    term: TermKind | None = None
    per_student: bool = False

    def __call__(self, ids: Ids, **options: Any) -> pd.DataFrame:
        """Call the loader with ``ids`` as its first parameter, whatever that parameter is named."""
        return self.function(**{self.ids: ids}, **options)


LOADERS: dict[str, LoaderSpec] = {}
"""Frame name -> :class:`LoaderSpec`, for every public loader."""


def loader(
    frame: str, ids: IdName, term: TermKind | None = None, *, per_student: bool | None = None
) -> Callable[[F], F]:
    """Register a loader and complete its docstring (shared parameters, the Columns section).

    ``per_student`` is read from the frame's endpoint row; a loader whose frame has none (it
    is pulled by a module of its own) says it.
    """

    def register(function: F) -> F:
        function.__doc__ = loader_docstring(function.__doc__, frame)
        fans_out = FRAMES[frame].per_student if per_student is None else per_student
        LOADERS[frame] = LoaderSpec(frame, function, ids, term, fans_out)
        return function

    return register


def account_units(account_id: Ids) -> list[Unit]:
    return [{"account_id": a} for a in check_ids(account_id, "account_id")]


def department_units(account_id: Ids, term: Term) -> list[Unit]:
    return [{"account_id": a, "term": check_term(term)} for a in check_ids(account_id, "account_id")]


def course_units(course_id: Ids) -> list[Unit]:
    return [{"course_id": c} for c in check_ids(course_id, "course_id")]


def student_units(course_id: Ids, student_id: Ids | None) -> list[Unit]:
    students: object = "all" if student_id is None else sorted(check_ids(student_id, "student_id"))
    return [{"course_id": c, "students": students} for c in check_ids(course_id, "course_id")]
