"""Classic quizzes: the quiz list, each quiz's questions and options, and its statistics -> frames.

Read in canvas-lms (see ``canvasframe/sandbox/quiz_views.py`` for the files): the statistics send
question and answer ids as strings (with the made-up answers ``none``, a blank, and ``other``, a
typed answer that matches no option) but ``point_biserials[].answer_id`` as integers, so every
``question_id`` and ``answer_id`` here is a string; ``user_names`` are never read; a large quiz's
statistics are 204 No Content (``None`` here), which gives no rows and a warning naming the quiz.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import warn
from ._coerce import (
    as_bool,
    as_float,
    as_id,
    as_int,
    as_str,
    bad,
    build,
    column,
    constant,
    json_object,
    records,
    utc_timestamps,
)
from .discussions import plain_text

QUIZZES_ORDER = ("course_id", "quiz_id")
OPTIONS_ORDER = ("course_id", "quiz_id", "position", "question_id", "option_position")
ITEMS_ORDER = ("course_id", "quiz_id", "position", "question_id")
RESPONSES_ORDER = ("course_id", "quiz_id", "question_id", "student_id", "answer_id")
QuizPayloads = Iterable[tuple[int, Any]]


def _array(value: Any, key: str, source: str) -> list:
    """A JSON array Canvas may leave out (null or absent: none); anything else there is a format error."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(source, f"{key} is not a JSON array")
    return value


def quiz_ids(payload: Any, *, source: str = "quizzes") -> list[int]:
    """``GET /courses/:id/quizzes`` -> each quiz's id once, as listed (the fan-outs' items)."""
    return list(dict.fromkeys(as_id(q.get("id"), "id", source) for q in records(payload, source)))


def quizzes(payload: Any, *, course_id: int, source: str = "quizzes") -> Any:
    """``GET /courses/:id/quizzes`` -> one row per classic quiz."""
    rows = records(payload, source)
    columns = {
        "course_id": constant(course_id, len(rows)),
        "quiz_id": [as_id(r.get("id"), "id", source) for r in rows],
        "assignment_id": [as_int(r.get("assignment_id"), "assignment_id", source, default=None) for r in rows],
        "title": column(rows, "title", as_str, source),
        "quiz_type": column(rows, "quiz_type", as_str, source),
        "points_possible": [
            None if r.get("points_possible") is None else as_float(r["points_possible"], "points_possible", source)
            for r in rows
        ],
        "question_count": [as_int(r.get("question_count"), "question_count", source, default=None) for r in rows],
        "due_at": utc_timestamps([r.get("due_at") for r in rows], "due_at", source),
        "published": column(rows, "published", as_bool, source),
        "engine": constant("classic", len(rows)),
    }
    return build("quizzes", columns, QUIZZES_ORDER)


def quiz_options(payloads: QuizPayloads, *, course_id: int, source: str = "quiz questions") -> Any:
    """``GET .../quizzes/:id/questions`` answers -> one row per question and option (points and weights).

    A question without options (an essay) is one row with NA option columns.
    """
    out: dict[str, list[Any]] = {k: [] for k in ("quiz_id", "question_id", "position", "question_type",
                                                 "question_text", "points_possible", "option_position", "answer_id",
                                                 "answer_text", "weight", "correct")}  # fmt: skip
    for quiz_id, payload in payloads:
        for question in records(payload, source):
            options = _array(question.get("answers"), "answers", source) or [None]
            for k, option in enumerate(options):
                out["quiz_id"].append(quiz_id)
                out["question_id"].append(str(as_id(question.get("id"), "id", source)))
                out["position"].append(as_int(question.get("position"), "position", source, default=None))
                out["question_type"].append(as_str(question.get("question_type"), "question_type", source))
                out["question_text"].append(plain_text(as_str(question.get("question_text"), "question_text", source)))
                points = question.get("points_possible")
                out["points_possible"].append(None if points is None else as_float(points, "points_possible", source))
                if option is None:
                    for key in ("option_position", "answer_id", "answer_text", "weight", "correct"):
                        out[key].append(None)
                    continue
                option = json_object(option, source, "an answer object")
                weight = option.get("weight")
                out["option_position"].append(k + 1)
                out["answer_id"].append(str(as_id(option.get("id"), "answers[].id", source)))
                text = option.get("text") if option.get("text") not in (None, "") else option.get("exact")
                # A numerical answer's exact value as people write it: 42, not 42.0.
                shown = f"{text:g}" if isinstance(text, (int, float)) and not isinstance(text, bool) else text
                out["answer_text"].append(None if shown is None else str(shown))
                out["weight"].append(None if weight is None else as_float(weight, "answers[].weight", source))
                out["correct"].append(None if weight is None else as_float(weight, "weight", source) == 100)
    return build("quiz_options", {"course_id": constant(course_id, len(out["quiz_id"])), **out}, OPTIONS_ORDER)


def _statistics(quiz_id: int, payload: Any, source: str) -> dict | None:
    if payload is None:
        warn(
            f"Canvas answered 204 No Content for the statistics of quiz {quiz_id}: it computes none for a large "
            "quiz (over 100 questions or 1000 submissions). Its items and responses are left out; Canvas's quiz "
            "reports (Student Analysis, Item Analysis) have them."
        )
        return None
    listed = json_object(payload, source).get("quiz_statistics")
    stats = records(listed, source, "quiz_statistics: a JSON array")
    return stats[0] if stats else None


def quiz_items(payloads: QuizPayloads, *, course_id: int, source: str = "quiz statistics") -> Any:
    """``GET .../quizzes/:id/statistics`` answers -> one row per question, Canvas's item analysis as sent."""
    rows: list[tuple[int, dict]] = []
    for quiz_id, payload in payloads:
        stats = _statistics(quiz_id, payload, source)
        questions = [] if stats is None else records(stats.get("question_statistics"), source)
        rows += [(quiz_id, q) for q in questions]

    def numbers(key: str, convert: Any = as_float) -> list[Any]:
        return [None if q.get(key) is None else convert(q[key], key, source) for _, q in rows]

    def correct_biserial(q: dict) -> float | None:
        for entry in _array(q.get("point_biserials"), "point_biserials", source):
            entry = json_object(entry, source, "a point_biserials[] object")
            if as_bool(entry.get("correct"), "point_biserials[].correct", source):
                value = entry.get("point_biserial")
                return None if value is None else as_float(value, "point_biserial", source)
        return None

    columns = {
        "course_id": constant(course_id, len(rows)),
        "quiz_id": [quiz_id for quiz_id, _ in rows],
        "question_id": [str(as_id(q.get("id"), "id", source)) for _, q in rows],
        "position": numbers("position", as_int),
        "question_type": [as_str(q.get("question_type"), "question_type", source) for _, q in rows],
        "question_text": [plain_text(as_str(q.get("question_text"), "question_text", source)) for _, q in rows],
        "answered": numbers("answered_student_count", as_int),
        "correct": numbers("correct_student_count", as_int),
        "difficulty": numbers("difficulty_index"),
        "point_biserial": [correct_biserial(q) for _, q in rows],
        "alpha": numbers("alpha"),
        "variance": numbers("variance"),
        "stdev": numbers("stdev"),
        **{f"{b}_correct": numbers(f"correct_{b}_student_count", as_int) for b in ("top", "middle", "bottom")},
        "points_possible": constant(None, len(rows)),  # from the questions: load_quiz_items fills it in
    }
    return build("quiz_items", columns, ITEMS_ORDER)


def quiz_responses(payloads: QuizPayloads, *, course_id: int, source: str = "quiz statistics") -> Any:
    """``GET .../quizzes/:id/statistics`` answers -> one row per student and chosen option (``answers[].user_ids``).

    A blank (the ``none`` answer) gives no row; ``user_names`` are never read; ``points`` is filled
    in by ``load_quiz_responses`` from the questions (the statistics carry none).
    """
    out: dict[str, list[Any]] = {k: [] for k in ("quiz_id", "question_id", "question_type", "student_id",
                                                 "answer_id", "answer_text", "correct")}  # fmt: skip
    for quiz_id, payload in payloads:
        stats = _statistics(quiz_id, payload, source)
        for question in [] if stats is None else records(stats.get("question_statistics"), source):
            kind = as_str(question.get("question_type"), "question_type", source)
            for answer in _array(question.get("answers"), "answers", source):
                answer = json_object(answer, source, "an answer object")
                if str(answer.get("id")) == "none":
                    continue  # Canvas's bucket of blanks: a student who skipped a question has no row
                for student in _array(answer.get("user_ids"), "answers[].user_ids", source):
                    out["quiz_id"].append(quiz_id)
                    out["question_id"].append(str(as_id(question.get("id"), "id", source)))
                    out["question_type"].append(kind)
                    out["student_id"].append(as_id(student, "answers[].user_ids", source))
                    out["answer_id"].append(str(answer.get("id")))
                    out["answer_text"].append(as_str(answer.get("text"), "answers[].text", source))
                    out["correct"].append(as_bool(answer.get("correct"), "answers[].correct", source))
    columns = {"course_id": constant(course_id, len(out["quiz_id"])), **out,
               "points": constant(None, len(out["quiz_id"]))}  # fmt: skip
    return build("quiz_responses", columns, RESPONSES_ORDER)
