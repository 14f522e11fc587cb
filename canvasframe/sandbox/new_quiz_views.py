"""New Quizzes as Canvas serves them: the quiz's items, and its reports through the Progress API.

Documented by Instructure (the New Quiz Items and New Quizzes Reports API pages): ``GET
/api/quiz/v1/courses/:id/quizzes/:assignment_id/items`` lists the quiz's items, each an ``entry``
with an ``interaction_type_slug``, ``interaction_data`` (a choice's options with UUID ids) and
``scoring_data`` (the correct choice(s)); ``POST .../reports`` with ``quiz_report[report_type]``
(``student_analysis`` | ``item_analysis``) and ``quiz_report[format]`` (``csv`` | ``json``)
answers a Progress object (queued, running, completed or failed) whose ``results.url`` is the
file once completed, and 409 while a report of the same type is being generated.

**Not documented: the report files' columns.** These are inferred from the classic reports the
New Quizzes ones replace, canvas-lms ``app/models/quizzes/quiz_statistics/student_analysis.rb``
and ``item_analysis.rb`` (``to_csv``): the student analysis has ``name, id, sis_id, section,
section_id, section_sis_id, submitted, attempt``, then two columns per question (``"<id>: <text>"``
holding the answer as text, several options joined by ``,`` with commas inside escaped as ``\\,``,
and ``"<points possible>"`` holding the points), then ``n correct, n incorrect, score``; the item
analysis has one row per multiple-choice and true/false question with Canvas's statistics, and
``Alpha`` ``N/A`` up to 15 such questions. The JSON format is inferred as those rows as objects
keyed by the same headers (a question's points column keyed ``"<id>: points"``, since a JSON object
cannot hold two keys alike). canvasframe asks for CSV, and its docs say which of its columns rest
on this inference.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import quiz_statistics
from .answers import HTTPAnswer, Reply
from .model import Course
from .quiz_views import attempt_order, item_input
from .quizzes import Answer, Question, Quiz

# Classic question types -> the New Quizzes interaction each one became.
SLUGS = {
    "multiple_choice_question": "choice",
    "true_false_question": "true-false",
    "multiple_answers_question": "multi-answer",
    "numerical_question": "numeric",
    "short_answer_question": "rich-fill-blank",
    "essay_question": "essay",
}
REPORT_TYPES = ("student_analysis", "item_analysis")
FORMATS = {"csv": "text/csv", "json": "application/json"}
FIRST_PROGRESS_ID = 500_000  # apart from the Analytics jobs' ids: one Progress API serves both
_TAGS = re.compile(r"<[^>]+>")
_QUESTION = re.compile(r"^\d+: ")


def _plain(html: str) -> str:
    return _TAGS.sub("", html).strip()


def _scoring(question: Question) -> tuple[dict, dict, str]:
    """A question's ``interaction_data``, ``scoring_data`` and ``scoring_algorithm`` in New Quizzes."""
    kind, options = question.question_type, question.options
    right = [o for o in options if o.weight == 100]
    if kind in ("multiple_choice_question", "multiple_answers_question"):
        choices = [{"id": o.uuid, "position": k + 1, "item_body": f"<p>{o.text}</p>"} for k, o in enumerate(options)]
        if kind == "multiple_choice_question":
            return {"choices": choices}, {"value": right[0].uuid}, "Equivalence"
        return {"choices": choices}, {"value": [o.uuid for o in right]}, "PartialScore"
    if kind == "true_false_question":
        return {"true_choice": "True", "false_choice": "False"}, {"value": right[0].text == "True"}, "Equivalence"
    if kind == "numerical_question":
        return {}, {"value": [{"id": o.uuid, "type": "exactResponse", "value": o.text} for o in right]}, "Numeric"
    if kind == "short_answer_question":
        blank = options[0].uuid
        accepted = {"value": [o.text for o in right], "blank_text": right[0].text}
        interaction = {"blanks": [{"id": blank, "answer_type": "openEntry"}]}
        return (
            interaction,
            {"value": [{"id": blank, "scoring_data": accepted, "scoring_algorithm": "TextEquivalence"}]},
            ("MultipleMethods"),
        )
    return (
        {"rce": True, "essay": None, "word_count": True, "file_upload": False, "spell_check": True},
        {"value": ""},
        ("None"),
    )


def item_json(question: Question) -> dict:
    """One item as ``GET /api/quiz/v1/courses/:id/quizzes/:assignment_id/items`` lists it."""
    interaction, scoring, algorithm = _scoring(question)
    return {
        "id": str(question.id),
        "position": question.position,
        "points_possible": question.points_possible,
        "entry_type": "Item",
        "entry_editable": True,
        "stimulus_quiz_entry_id": None,
        "status": "mutable",
        "properties": {},
        "entry": {
            "title": f"Question {question.position}",
            "item_body": question.question_text,
            "calculator_type": "none",
            "interaction_type_slug": SLUGS[question.question_type],
            "interaction_data": interaction,
            "properties": {},
            "scoring_data": scoring,
            "scoring_algorithm": algorithm,
            "answer_feedback": {},
            "feedback": {},
        },
    }


def _escaped(text: str) -> str:
    return text.replace(",", "\\,")


def _answer_text(question: Question, answer: Answer) -> str:
    """The answer as the student analysis writes it: the chosen options' texts, or what was typed."""
    if answer.option_ids:
        texts = [o.text for o in question.options if o.id in answer.option_ids]
        return ",".join(_escaped(t) for t in texts)
    return _plain(answer.text)


def _points(value: float) -> str:
    return f"{value:g}"


def student_analysis_rows(quiz: Quiz, course: Course, names: dict[int, str], sections: dict[int, Any]) -> list[list]:
    """The student analysis as rows, header first (student_analysis.rb#to_csv's layout)."""
    header: list[Any] = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for q in quiz.questions:
        header += [f"{q.id}: {_plain(q.question_text)}", _points(q.points_possible)]
    header += ["n correct", "n incorrect", "score"]
    rows = [header]
    for student_id, attempt in attempt_order(quiz):
        section = sections.get(student_id)
        row: list[Any] = [names.get(student_id, ""), student_id, f"SIS{student_id}",
                          section.name if section else "", section.id if section else "", "",
                          attempt.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC"), 1]  # fmt: skip
        for q in quiz.questions:
            answer = attempt.answers[q.id]
            row += [_answer_text(q, answer), _points(answer.points)]
        given = list(attempt.answers.values())
        row += [
            sum(a.correct is True for a in given),
            sum(a.correct is not True for a in given),
            _points(attempt.score),
        ]
        rows.append(row)
    return rows


def item_analysis_rows(quiz: Quiz) -> list[list]:
    """The item analysis as rows, header first (item_analysis.rb#to_csv's layout)."""
    stats = quiz_statistics.item_analysis(*item_input(quiz))
    texts = {str(q.id): _plain(q.question_text) for q in quiz.questions}
    widest = max((len(s["point_biserials"]) for s in stats), default=0)
    header = ["Question Id", "Question Title", "Answered Student Count", "Top Student Count", "Middle Student Count",
              "Bottom Student Count", "Quiz Question Count", "Correct Student Count", "Wrong Student Count",
              "Correct Student Ratio", "Wrong Student Ratio", "Correct Top Student Count",
              "Correct Middle Student Count", "Correct Bottom Student Count", "Variance", "Standard Deviation",
              "Difficulty Index", "Alpha", "Point Biserial of Correct"]  # fmt: skip
    header += [f"Point Biserial of Distractor {n + 2}" for n in range(widest - 1)]
    rows: list[list] = [header]
    for s in stats:
        answered = s["answered_student_count"]
        row = [s["question_id"], texts.get(str(s["question_id"]), ""), answered, s["top_student_count"],
               s["middle_student_count"], s["bottom_student_count"], len(stats), s["correct_student_count"],
               s["incorrect_student_count"], s["correct_student_ratio"], s["incorrect_student_ratio"],
               s["correct_top_student_count"], s["correct_middle_student_count"],
               s["correct_bottom_student_count"], s["variance"], s["stdev"], s["difficulty_index"],
               "N/A" if s["alpha"] is None else s["alpha"]]  # fmt: skip
        biserials = [b["point_biserial"] for b in s["point_biserials"]]
        rows.append(row + biserials + [""] * (widest - len(biserials)))
    return rows


def report_file(rows: list[list], file_format: str) -> bytes:
    """Rows (header first) as the CSV or JSON file the report's ``results.url`` serves."""
    if file_format == "json":
        # One key per column: a question's points column, whose CSV header is only its points
        # possible, is keyed "<question id>: points".
        header = [str(h) for h in rows[0]]
        keys = [f"{header[k - 1].split(':')[0]}: points" if k and _QUESTION.match(header[k - 1]) else h
                for k, h in enumerate(header)]  # fmt: skip
        return json.dumps([dict(zip(keys, row, strict=True)) for row in rows[1:]]).encode()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@dataclass
class _Report:
    progress_id: int
    file_id: int
    course_id: int
    assignment_id: int
    report_type: str
    file_format: str
    started: float
    fail: bool
    content: bytes = b""


class QuizReports:
    """The New Quizzes reports of one sandbox: started by a POST, done ``seconds`` later (or failed).

    Parameters
    ----------
    seconds : float
        How long a report takes to generate; until then its Progress is queued, then running,
        and a second POST of the same type for the quiz answers 409.
    lock : threading.Lock
        The server's lock.
    """

    def __init__(self, seconds: float, lock: threading.Lock) -> None:
        self.seconds = seconds
        self._lock = lock
        self._reports: dict[int, _Report] = {}
        self._next = FIRST_PROGRESS_ID
        self.answered: list[int] = []  # the status of every POST, in order (the 409 path is seen in it)

    def start(
        self, quiz: Quiz, course_id: int, form: dict[str, list[str]], site: str, *, fail: bool, make: Any
    ) -> tuple[int, dict]:
        """A POST: a new report's Progress, 400 for a bad type or format, 409 while one of its type runs.

        ``make(report_type)`` gives the report's rows, header first.
        """
        report_type = (form.get("quiz_report[report_type]") or [""])[-1]
        file_format = (form.get("quiz_report[format]") or [""])[-1]
        if report_type not in REPORT_TYPES or file_format not in FORMATS:
            raise HTTPAnswer(400, {"errors": [{"message": "invalid report_type or format"}]})
        with self._lock:
            now = time.monotonic()
            running = [r for r in self._reports.values() if r.assignment_id == quiz.id
                       and r.report_type == report_type and now - r.started < self.seconds]  # fmt: skip
            self.answered.append(409 if running else 200)
            if running:
                raise HTTPAnswer(409, {"errors": [{"message": "A report of this type is already being generated"}]})
            report = _Report(self._next, self._next + 1, course_id, quiz.id, report_type, file_format, now, fail)
            self._next += 2
            self._reports[report.progress_id] = report
        report.content = b"" if fail else report_file(make(report_type), file_format)
        return 200, self._progress(report, "queued", site)

    def poll(self, progress_id: int, site: str) -> dict | None:
        """The Progress API's answer for a report, by the clock; None for an id that is not a report's."""
        with self._lock:
            report = self._reports.get(progress_id)
        if report is None:
            return None
        elapsed = time.monotonic() - report.started
        if elapsed < self.seconds:
            return self._progress(report, "queued" if elapsed < self.seconds / 2 else "running", site)
        return self._progress(report, "failed" if report.fail else "completed", site)

    def download(self, assignment_id: int, file_id: int) -> Reply:
        with self._lock:
            report = next((r for r in self._reports.values() if r.file_id == file_id), None)
        if report is None or report.assignment_id != assignment_id or report.fail:
            raise HTTPAnswer(404, {"errors": [{"message": "The specified resource does not exist."}]})
        if time.monotonic() - report.started < self.seconds:
            raise HTTPAnswer(404, {"errors": [{"message": "The specified resource does not exist."}]})
        return Reply(200, report.content, {"Content-Type": FORMATS[report.file_format]})

    def _progress(self, report: _Report, state: str, site: str) -> dict:
        done = state == "completed"
        return {
            "id": report.progress_id,
            "context_id": report.assignment_id,
            "context_type": "Assignment",
            "user_id": None,
            "tag": f"quizzes_{report.report_type}",
            "completion": 100 if done else (50 if state == "running" else 0),
            "workflow_state": state,
            "message": "The report could not be generated." if state == "failed" else None,
            "results": {"url": f"{site}/api/assignments/{report.assignment_id}/files/{report.file_id}/download"}
            if done
            else None,
            "url": f"{site}/api/v1/progress/{report.progress_id}",
        }
