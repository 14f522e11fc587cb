"""New Quizzes: the course's assignments, each quiz's items, and its reports -> the classic quizzes' frames.

What is documented (Instructure's Assignments, New Quiz Items and New Quizzes Reports pages): a
New Quiz is an assignment with ``is_quiz_lti_assignment: true`` (sent only when true), named by
its assignment id everywhere; its items carry ``entry.interaction_type_slug``,
``interaction_data`` (choices with UUID ids) and ``scoring_data`` (the correct choice's id, the
ids of a multi-answer's correct choices, true or false). **The report files' columns are not
documented**: they are read as canvas-lms's classic reports lay them out (see
``canvasframe/sandbox/new_quiz_views.py``), which the guide says. The student analysis's ``name``
column is never read.

Question types are given the names of the classic types they correspond to (``choice`` ->
``multiple_choice_question`` ...; :data:`CLASSIC_TYPES`), so one analysis covers both engines; a
type without a classic twin keeps its New Quizzes name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ._coerce import as_bool, as_float, as_id, as_str, bad, build, constant, json_object, records, utc_timestamps
from .discussions import plain_text
from .quizzes import ITEMS_ORDER, OPTIONS_ORDER, QUIZZES_ORDER, RESPONSES_ORDER

CLASSIC_TYPES = {
    "choice": "multiple_choice_question",
    "true-false": "true_false_question",
    "multi-answer": "multiple_answers_question",
    "numeric": "numerical_question",
    "rich-fill-blank": "fill_in_multiple_blanks_question",
    "essay": "essay_question",
    "matching": "matching_question",
    "formula": "calculated_question",
    "file-upload": "file_upload_question",
}
CHOICE_SLUGS = ("choice", "multi-answer", "true-false")
_CHOICE_TYPES = tuple(CLASSIC_TYPES[s] for s in CHOICE_SLUGS)  # answered by picking options: matched by text
_QUESTION_HEADER = re.compile(r"^(\d+): ")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


class Report(NamedTuple):
    """A report file read: its header and its rows, as text."""

    header: list[str]
    rows: list[list[str]]


def new_quiz_ids(payload: Any, *, source: str = "assignments") -> list[int]:
    """``GET /courses/:id/assignments`` -> the New Quizzes' assignment ids, as listed."""
    return [as_id(a.get("id"), "id", source) for a in records(payload, source) if a.get("is_quiz_lti_assignment")]


def new_quizzes(payload: Any, *, course_id: int, source: str = "assignments") -> Any:
    """The assignment list's New Quizzes -> quiz rows (``quiz_id`` is the assignment's id).

    The assignment does not say a quiz's type or its number of questions: NA.
    """
    rows = [a for a in records(payload, source) if a.get("is_quiz_lti_assignment")]
    n = len(rows)
    columns = {
        "course_id": constant(course_id, n),
        "quiz_id": [as_id(r.get("id"), "id", source) for r in rows],
        "assignment_id": [as_id(r.get("id"), "id", source) for r in rows],
        "title": [as_str(r.get("name"), "name", source) for r in rows],
        "quiz_type": constant(None, n),
        "points_possible": [
            None if r.get("points_possible") is None else as_float(r["points_possible"], "points_possible", source)
            for r in rows
        ],
        "question_count": constant(None, n),
        "due_at": utc_timestamps([r.get("due_at") for r in rows], "due_at", source),
        "published": [as_bool(r.get("published"), "published", source) for r in rows],
        "engine": constant("new", n),
    }
    return build("quizzes", columns, QUIZZES_ORDER)


def _options_of(entry: dict, source: str) -> list[tuple[str | None, str | None, bool | None]]:
    """An item's options as ``(answer_id, text, correct)``: its choices, or a numeric's exact answers."""
    slug = entry.get("interaction_type_slug")
    interaction = json_object(entry.get("interaction_data") or {}, source, "interaction_data")
    scoring = json_object(entry.get("scoring_data") or {}, source, "scoring_data").get("value")
    if slug in ("choice", "multi-answer"):
        right = set(scoring if isinstance(scoring, list) else [scoring])
        choices = sorted(records(interaction.get("choices") or [], source), key=lambda c: c.get("position") or 0)
        return [(str(c.get("id")), plain_text(as_str(c.get("item_body"), "item_body", source)), c.get("id") in right)
                for c in choices]  # fmt: skip
    if slug == "true-false":
        texts = (interaction.get("true_choice") or "True", interaction.get("false_choice") or "False")
        return [("true", str(texts[0]), scoring is True), ("false", str(texts[1]), scoring is False)]
    if slug == "numeric" and isinstance(scoring, list):
        return [(str(v.get("id")), str(v.get("value")), True) for v in records(scoring, source, "numeric answers")]
    return [(None, None, None)]


def new_quiz_options(payloads: Iterable[tuple[int, Any]], *, course_id: int, source: str = "quiz items") -> Any:
    """``GET /api/quiz/v1/.../items`` answers -> one row per question and option (no weights: NA)."""
    out: dict[str, list[Any]] = {k: [] for k in ("quiz_id", "question_id", "position", "question_type",
                                                 "question_text", "points_possible", "option_position", "answer_id",
                                                 "answer_text", "weight", "correct")}  # fmt: skip
    for quiz_id, payload in payloads:
        for item in records(payload, source):
            if item.get("entry_type", "Item") != "Item":
                continue  # a stimulus or a bank entry: no question of its own
            entry = json_object(item.get("entry"), source, "an item's entry")
            slug = as_str(entry.get("interaction_type_slug"), "interaction_type_slug", source) or ""
            options = _options_of(entry, source)
            for k, (answer_id, text, correct) in enumerate(options):
                out["quiz_id"].append(quiz_id)
                out["question_id"].append(str(as_id(item.get("id"), "id", source)))
                out["position"].append(item.get("position"))
                out["question_type"].append(CLASSIC_TYPES.get(slug, slug))
                out["question_text"].append(plain_text(as_str(entry.get("item_body"), "item_body", source)))
                points = item.get("points_possible")
                out["points_possible"].append(None if points is None else as_float(points, "points_possible", source))
                out["option_position"].append(None if answer_id is None else k + 1)
                out["answer_id"].append(answer_id)
                out["answer_text"].append(text)
                out["weight"].append(None)
                out["correct"].append(correct)
    return build("quiz_options", {"course_id": constant(course_id, len(out["quiz_id"])), **out}, OPTIONS_ORDER)


def report_table(content: bytes, source: str) -> Report:
    """A CSV report file as its header and rows of text (every row as wide as the header)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad(source, "the report file is not UTF-8 text") from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise bad(source, f"the report file is not CSV ({exc})") from None
    header, rows = (lines[0], lines[1:]) if lines else ([], [])
    for row in rows:
        if len(row) != len(header):
            raise bad(source, f"a report row has {len(row)} cells, its header {len(header)}")
    return Report(header, rows)


def _number(text: str, key: str, source: str) -> float | None:
    return None if text in ("", "N/A") else as_float(text, key, source)


def new_quiz_items(
    reports: Iterable[tuple[int, Report]], options: Any, *, course_id: int, source: str = "item analysis"
) -> Any:
    """Item analysis reports and the quizzes' options -> one row per question (stats NA where none)."""
    questions = options.drop_duplicates(["quiz_id", "question_id"])
    stats: dict[tuple[int, str], dict[str, str]] = {}
    for quiz_id, report in reports:
        for cells in report.rows:
            row = dict(zip(report.header, cells, strict=True))
            stats[(quiz_id, row.get("Question Id", ""))] = row
    rows = [(q, stats.get((q.quiz_id, q.question_id))) for q in questions.itertuples(index=False)]

    def numbers(key: str, whole: bool = False) -> list[Any]:
        values = [None if s is None else _number(s.get(key, ""), key, source) for _, s in rows]
        return [None if v is None else (int(v) if whole else v) for v in values]

    columns = {
        "course_id": constant(course_id, len(rows)),
        "quiz_id": [q.quiz_id for q, _ in rows],
        "question_id": [q.question_id for q, _ in rows],
        "position": [q.position for q, _ in rows],
        "question_type": [q.question_type for q, _ in rows],
        "question_text": [q.question_text for q, _ in rows],
        "answered": numbers("Answered Student Count", whole=True),
        "correct": numbers("Correct Student Count", whole=True),
        "difficulty": numbers("Difficulty Index"),
        "point_biserial": numbers("Point Biserial of Correct"),
        "alpha": numbers("Alpha"),
        "variance": numbers("Variance"),
        "stdev": numbers("Standard Deviation"),
        **{
            f"{b}_correct": numbers(f"Correct {b.title()} Student Count", whole=True)
            for b in ("top", "middle", "bottom")
        },
        "points_possible": [q.points_possible for q, _ in rows],
    }
    return build("quiz_items", columns, ITEMS_ORDER)


def _chosen(cell: str, kind: str) -> list[str]:
    if kind == "multiple_answers_question":
        return [part.replace("\\,", ",") for part in _UNESCAPED_COMMA.split(cell) if part]
    return [cell]


def new_quiz_responses(
    reports: Iterable[tuple[int, Report]], options: Any, *, course_id: int, source: str = "student analysis"
) -> Any:
    """Student analysis reports and the quizzes' options -> one row per student, question and answer.

    A choice answer is matched to its option by text (the report gives no ids), so ``answer_id``
    and ``correct`` come from the quiz's items; a typed answer (numeric, fill-in, essay) keeps its
    text with ``answer_id`` and ``correct`` NA; ``points`` is the report's. An empty cell is a
    skipped question: no row. The ``name`` column is never read.
    """
    # Each question's type and its options by text -> (answer_id, correct), read once.
    by_question = {
        key: (str(group["question_type"].iloc[0]),
              dict(zip(group["answer_text"], zip(group["answer_id"], group["correct"], strict=True), strict=True)))
        for key, group in options.groupby(["quiz_id", "question_id"], sort=False)
    }  # fmt: skip
    out: dict[str, list[Any]] = {k: [] for k in ("quiz_id", "question_id", "question_type", "student_id",
                                                 "answer_id", "answer_text", "correct", "points")}  # fmt: skip
    for quiz_id, report in reports:
        if "id" not in report.header:
            raise bad(source, f"the student analysis of quiz {quiz_id} has no id column (an anonymous survey?)")
        id_column = report.header.index("id")
        for row in report.rows:
            if not row[id_column]:
                continue  # a logged-out attempt names no student
            student_id = as_id(row[id_column], "id", source)
            for n, name in enumerate(report.header):
                match = _QUESTION_HEADER.match(name)
                if match is None or not row[n]:
                    continue
                question = by_question.get((quiz_id, match.group(1)))
                if question is None:
                    raise bad(source, f"the report names question {match.group(1)}, which quiz {quiz_id} lacks")
                kind, texts = question
                points = _number(row[n + 1] if n + 1 < len(row) else "", "points", source)
                for text in _chosen(row[n], kind):
                    answer_id, correct = texts.get(text, (None, None)) if kind in _CHOICE_TYPES else (None, None)
                    if kind in _CHOICE_TYPES and answer_id is None:
                        answer_id, correct = "other", False  # as the classic statistics name an unmatched answer
                    out["quiz_id"].append(quiz_id)
                    out["question_id"].append(match.group(1))
                    out["question_type"].append(kind)
                    out["student_id"].append(student_id)
                    out["answer_id"].append(answer_id)
                    out["answer_text"].append(text)
                    out["correct"].append(correct)
                    out["points"].append(points)
    return build("quiz_responses", {"course_id": constant(course_id, len(out["quiz_id"])), **out}, RESPONSES_ORDER)
