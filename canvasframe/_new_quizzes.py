"""New Quizzes: their rows of the quiz frames, found through the assignments, read through their reports.

A New Quiz is an assignment of the Quizzes LTI tool (``is_quiz_lti_assignment``). Its questions
come from the New Quiz Items API (one request per quiz); Canvas's statistics of it only from the
asynchronous New Quizzes Reports API: a POST asks for a report, which Canvas generates in the
background (a Progress object to poll), then ``results.url`` is the file. A report of the same
type already being generated for the quiz answers 409 without saying where it is: wait, then ask
again. A report that fails is a :class:`~canvasframe.errors.ServerError` naming the quiz.

Each frame's New Quizzes part is cached on its own (the unit ``{"course_id": ..., "engine":
"new"}``) beside the classic part the pipeline caches, and the loaders put the two together.
Asking for a report creates nothing a student sees (Canvas keeps the file with the quiz), so,
like a page-view history query, it needs no confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ._pipeline import CHANGED, LoadOptions, cached_entry, mark_changed, store_entry
from ._provenance import Provenance
from .endpoints import ENDPOINTS
from .errors import CanvasAPIError, ResponseFormatError, ServerError
from .transforms import TRANSFORMS
from .transforms import new_quizzes as transform

__all__ = ["ENGINE_UNIT", "REPORT_FORMAT", "new_quiz_part", "read_report", "with_new_quizzes"]

ENGINE_UNIT = {"engine": "new"}  # what tells a New Quizzes part's cache entry from the classic one
REPORT_FORMAT = "csv"  # the format whose columns can be read from Canvas's own code (see the transform)
_CONFLICT = 409


def _quiz_list(course_id: int, _: pd.DataFrame | None, options: LoadOptions) -> tuple[pd.DataFrame, list[str]]:
    listing = ENDPOINTS["assignment_list"]
    unit = {"course_id": course_id}
    fetched = options.canvas.get_paginated(listing.url_path(unit), listing.params(unit))
    return transform.new_quizzes(fetched.data, course_id=course_id, source=fetched.urls[0]), fetched.urls[:1]


def _quiz_options(course_id: int, quizzes: pd.DataFrame | None, options: LoadOptions) -> tuple[pd.DataFrame, list[str]]:
    assert quizzes is not None
    items = ENDPOINTS["new_quiz_items"]
    payloads, urls = [], []
    for quiz_id in quizzes["quiz_id"].tolist():
        fetched = options.canvas.get_paginated(items.url_path({"course_id": course_id, "quiz_id": quiz_id}))
        payloads.append((quiz_id, fetched.data))
        urls += fetched.urls[:1]
    return transform.new_quiz_options(payloads, course_id=course_id, source=urls[0] if urls else "quiz items"), urls


def _from_reports(report_type: str, read: Callable[..., pd.DataFrame]) -> Part:
    """A part made from one report per quiz that has questions, and the quizzes' options."""

    def make(course_id: int, quiz_options: pd.DataFrame | None, options: LoadOptions) -> tuple[pd.DataFrame, list[str]]:
        assert quiz_options is not None
        reports, urls = [], []
        for quiz_id in quiz_options["quiz_id"].unique().tolist():
            report, url = read_report(course_id, int(quiz_id), report_type, options)
            reports.append((int(quiz_id), report))
            urls.append(url)
        source = urls[0] if urls else report_type
        return read(reports, quiz_options, course_id=course_id, source=source), urls

    return make


Part = Callable[[int, "pd.DataFrame | None", LoadOptions], tuple[pd.DataFrame, list[str]]]
_PARTS: dict[str, Part] = {
    "quizzes": _quiz_list,
    "quiz_options": _quiz_options,
    "quiz_items": _from_reports("item_analysis", transform.new_quiz_items),
    "quiz_responses": _from_reports("student_analysis", transform.new_quiz_responses),
}


def _part(frame: str, course_id: int, needed: pd.DataFrame | None, options: LoadOptions) -> pd.DataFrame:
    """The course's New Quizzes rows of ``frame``, from the cache unless refreshed or stale."""
    unit = {"course_id": course_id, **ENGINE_UNIT}
    cached = cached_entry(frame, unit, options)
    if cached is not None:
        return cached
    part, urls = _PARTS[frame](course_id, needed, options)
    store_entry(options.canvas, {frame: part}, unit, urls or [options.canvas.url_for(f"courses/{course_id}")])
    if options.refresh == CHANGED:  # no change signal for New Quizzes: refetched whole, and it says so
        return mark_changed(part, None, [], [unit])
    return part


def new_quiz_part(frame: str, course_id: int, options: LoadOptions) -> pd.DataFrame:
    """The course's New Quizzes rows of ``frame``: the quiz list, then their options, then a report's rows.

    Each step reads the one before it, so a refresh asks Canvas for each once.
    """
    quizzes = _part("quizzes", course_id, None, options)
    if frame == "quizzes":
        return quizzes
    quiz_options = _part("quiz_options", course_id, quizzes, options)
    if frame == "quiz_options":
        return quiz_options
    return _part(frame, course_id, quiz_options, options)


def with_new_quizzes(frame: str, classic: pd.DataFrame, course_ids: list[int], options: LoadOptions) -> pd.DataFrame:
    """The classic rows with each course's New Quizzes rows, in the frame's order (course, quiz ...)."""
    parts = [classic, *(new_quiz_part(frame, c, options) for c in course_ids)]
    combined = TRANSFORMS[frame].combine(frame, [p for p in parts if len(p)])  # sorted by the frame's keys
    return Provenance.merged(frame, [Provenance.of(p) for p in parts]).attach(combined)


def read_report(course_id: int, quiz_id: int, report_type: str, options: LoadOptions) -> tuple[Any, str]:
    """One report of a New Quiz: ask for it (again after a 409), wait for it, read its CSV file."""
    canvas = options.canvas
    path = ENDPOINTS["new_quiz_reports"].url_path({"course_id": course_id, "quiz_id": quiz_id})
    form = {"quiz_report[report_type]": report_type, "quiz_report[format]": REPORT_FORMAT}
    what = f"the {report_type} report of New Quiz {quiz_id} (course {course_id})"
    waits = canvas.waits()
    while True:
        try:
            progress = canvas.post_query(path, form)
            break
        except CanvasAPIError as exc:
            if exc.status != _CONFLICT:
                raise
            if next(waits, StopIteration) is StopIteration:  # someone's report of this type is still running
                raise ServerError(
                    _CONFLICT,
                    exc.url,
                    exc.canvas_message,
                    detail=f"{what} was still being generated by another request after {canvas.poll_timeout:g}s",
                    hint="Try again in a few minutes, or give cf.connect(poll_timeout=...) more seconds.",
                ) from None
    progress_url = progress.get("url") if isinstance(progress, dict) else None
    if not isinstance(progress_url, str):
        raise ResponseFormatError(canvas.url_for(path), "the report's answer is not a Progress object", progress)
    done = canvas.wait_for_progress(progress_url, [canvas.url_for(path)], what=what)
    results = done.get("results") if isinstance(done.get("results"), dict) else {}
    file_url = results.get("url") if results else None
    if not isinstance(file_url, str):
        raise ResponseFormatError(canvas.url_for(progress_url), "the completed report has no results.url", done)
    content, response = canvas.get_bytes(file_url)
    source = canvas.url_for(file_url)
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "text/plain", "application/octet-stream", ""):
        raise ResponseFormatError(source, f"{what} was asked as CSV but Canvas sent {kind}")
    return transform.report_table(content, source), source
