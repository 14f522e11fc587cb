"""Classic quizzes as Canvas's Quizzes, Quiz Questions and Quiz Statistics APIs send them.

Read in canvas-lms: ``app/serializers/quizzes/quiz_statistics_serializer.rb`` (the statistics are
the student analysis's ``question_statistics`` with the item analysis merged in by question id,
ids turned into strings, and ``submission_statistics``), ``app/models/quizzes/quiz_statistics/
student_analysis.rb`` (``id``, ``question_type``, ``question_text``, ``position`` and what
``gems/canvas_quiz_statistics`` computes per type: every student's response lands in an answer's
``user_ids`` and ``user_names``, a blank in the ``none`` answer ("No Answer"), a typed answer that
matches no option in ``other``), ``app/models/quizzes/quiz_statistics.rb`` (``large_quiz?``: more
than 100 questions or 1000 submissions) and ``quiz_statistics_controller.rb`` (``head
:no_content`` for such a quiz).
"""

from __future__ import annotations

import math
from typing import Any

from . import quiz_statistics
from .answers import HTTPAnswer, Reply
from .model import Course
from .quizzes import Answer, Question, Quiz

MAX_QUESTIONS = 100  # Quizzes::QuizStatistics::DefaultMaxQuestions
MAX_SUBMISSIONS = 1000  # Quizzes::QuizStatistics::DefaultMaxSubmissions
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


def _iso(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def quiz_json(quiz: Quiz, course: Course, site: str) -> dict:
    """One quiz as ``GET /courses/:id/quizzes`` lists it (lib/api/v1/quiz.rb's fields that matter here)."""
    return {
        "id": quiz.id,
        "title": quiz.title,
        "html_url": f"{site}/courses/{course.id}/quizzes/{quiz.id}",
        "quiz_type": quiz.quiz_type,
        "assignment_id": quiz.assignment_id,
        "assignment_group_id": None,
        "time_limit": None,
        "shuffle_answers": False,
        "scoring_policy": "keep_highest",
        "allowed_attempts": 1,
        "question_count": len(quiz.questions),
        "points_possible": quiz.points_possible,
        "due_at": _iso(quiz.due_at),
        "lock_at": None,
        "unlock_at": None,
        "published": quiz.published,
        "anonymous_submissions": False,
        "question_types": sorted({q.question_type for q in quiz.questions}),
    }


def question_json(question: Question, quiz: Quiz) -> dict:
    """One question as ``GET /courses/:id/quizzes/:id/questions`` sends it: with points and weights."""
    answers: list[dict] = []
    for option in question.options:
        if question.question_type == "numerical_question":
            answers.append({"id": option.id, "numerical_answer_type": "exact_answer", "exact": float(option.text),
                            "margin": 0.0, "weight": option.weight})  # fmt: skip
        else:
            answers.append({"id": option.id, "text": option.text, "html": "", "weight": option.weight,
                            "comments": ""})  # fmt: skip
    return {
        "id": question.id,
        "quiz_id": quiz.id,
        "position": question.position,
        "question_name": f"Question {question.position}",
        "question_type": question.question_type,
        "question_text": question.question_text,
        "points_possible": question.points_possible,
        "correct_comments": "",
        "incorrect_comments": "",
        "neutral_comments": "",
        "answers": answers,
    }


def _answer_stats(answer_id: Any, text: str, correct: bool) -> dict:
    return {"id": str(answer_id), "text": text, "correct": correct, "responses": 0, "user_ids": [], "user_names": []}


def _record(answer: dict, student_id: int, name: str) -> None:
    answer["responses"] += 1
    answer["user_ids"].append(student_id)
    answer["user_names"].append(name)


def _other(answers: list[dict], key: str, text: str) -> dict:
    found = next((a for a in answers if a["id"] == key), None)
    if found is None:
        found = _answer_stats(key, text, False)
        answers.append(found)
    return found


def _question_stats(question: Question, given: list[tuple[int, str, Answer]]) -> dict:
    """The student analysis of one question (gems/canvas_quiz_statistics' analyzers, per type)."""
    out: dict[str, Any] = {"id": str(question.id), "question_type": question.question_type,
                           "question_text": question.question_text, "position": question.position}  # fmt: skip
    kind = question.question_type
    answers = [_answer_stats(o.id, o.text, o.weight == 100) for o in question.options]
    present = 0
    for student_id, name, answer in given:
        if kind in ("multiple_choice_question", "true_false_question", "multiple_answers_question"):
            chosen = [a for a in answers if a["id"] in {str(i) for i in answer.option_ids}]
        elif kind == "essay_question":
            chosen = []
        else:  # a typed answer: matched against the options' texts, else "other"
            chosen = [a for a in answers if a["text"] == answer.text] if answer.text else []
            if answer.text and not chosen:
                chosen = [_other(answers, "other", "Other")]
        if answer.option_ids or answer.text:
            present += 1
        if kind != "essay_question":
            for target in chosen or [_other(answers, "none", "No Answer")]:
                _record(target, student_id, name)
    out["responses"] = present
    if kind == "essay_question":
        graded = [a for _, _, a in given if a.text]
        out["graded"] = len(graded)
        out["full_credit"] = sum(a.points >= question.points_possible for a in graded)
        scores = sorted({a.points for a in graded})
        out["point_distribution"] = [{"score": s, "count": sum(a.points == s for a in graded)} for s in scores]
        out["answers"] = []  # score buckets carry no per-student text or points
    else:
        out["answers"] = answers
    if kind in ("multiple_answers_question",):
        out["correct"] = sum(a.correct is True for _, _, a in given)
        out["partially_correct"] = sum(a.correct == "partial" for _, _, a in given)
    return out


def item_input(quiz: Quiz) -> tuple[list[dict], list[dict]]:
    """The quiz and its attempts in the shape the item analysis reads (quiz_data, submission_data)."""
    questions = [
        {"id": q.id, "question_type": q.question_type, "points_possible": q.points_possible,
         "answers": [{"id": o.id, "weight": o.weight} for o in q.options]}
        for q in quiz.questions
    ]  # fmt: skip
    attempts = [
        {"user_id": student_id, "score": attempt.score,
         "submission_data": [{"question_id": q.id, "answer_id": (attempt.answers[q.id].option_ids or (None,))[0]}
                             for q in quiz.questions]}
        for student_id, attempt in attempt_order(quiz)
    ]  # fmt: skip
    return questions, attempts


def attempt_order(quiz: Quiz) -> list[tuple[int, Any]]:
    """The attempts as Canvas reads them for statistics: the most recently finished first."""
    return sorted(quiz.attempts.items(), key=lambda pair: (pair[1].finished_at, pair[0]), reverse=True)


def _submission_statistics(quiz: Quiz) -> dict:
    attempts = [attempt for _, attempt in attempt_order(quiz)]
    scores = [a.score for a in attempts]
    n = len(scores)
    mean = sum(scores) / n if n else None
    stdev = math.sqrt(sum((s - mean) ** 2 for s in scores) / n) if n and mean is not None else None
    buckets: dict[str, int] = {}
    for s in scores:
        key = str(quiz_statistics.ruby_round(s / max(quiz.points_possible, 1.0) * 100))
        buckets[key] = buckets.get(key, 0) + 1
    answers = [a for attempt in attempts for a in attempt.answers.values()]
    durations = [(a.finished_at - a.started_at).total_seconds() for a in attempts]
    return {
        "scores": buckets,
        "score_average": mean,
        "score_high": max(scores) if scores else None,
        "score_low": min(scores) if scores else None,
        "score_stdev": stdev,
        "correct_count_average": sum(a.correct is True for a in answers) / n if n else 0,
        "incorrect_count_average": sum(a.correct is False for a in answers) / n if n else 0,
        "duration_average": sum(durations) / n if n else 0,
        "unique_count": n,
    }


def statistics_json(quiz: Quiz, course: Course, names: dict[int, str], site: str) -> Reply | dict:
    """``GET /courses/:id/quizzes/:id/statistics``; 204 No Content for a large quiz."""
    if len(quiz.questions) > MAX_QUESTIONS or len(quiz.attempts) > MAX_SUBMISSIONS:
        return Reply(204, b"", {"Content-Type": "text/plain"})  # head :no_content
    given = {
        q.id: [(sid, names.get(sid, ""), a.answers[q.id]) for sid, a in attempt_order(quiz)] for q in quiz.questions
    }
    questions = [_question_stats(q, given[q.id]) for q in quiz.questions]
    items = {str(entry.pop("question_id")): entry for entry in quiz_statistics.item_analysis(*item_input(quiz))}
    for question in questions:
        question.update(items.get(question["id"], {}))
    base = f"{site}/courses/{course.id}/quizzes/{quiz.id}"
    stats = {
        "id": quiz.id,
        "url": f"{site}/api/v1/courses/{course.id}/quizzes/{quiz.id}/statistics",
        "html_url": f"{base}/statistics",
        "multiple_attempts_exist": False,
        "generated_at": _iso(max((a.finished_at for a in quiz.attempts.values()), default=None)),
        "includes_all_versions": False,
        "points_possible": quiz.points_possible,
        "speed_grader_url": None,
        "quiz_submissions_zip_url": f"{base}/submissions?zip=1",
        "question_statistics": questions,
        "submission_statistics": _submission_statistics(quiz),
        "links": {"quiz": f"{site}/api/v1/courses/{course.id}/quizzes/{quiz.id}"},
    }
    return {"quiz_statistics": [stats]}


def find_quiz(quizzes: list[Quiz], quiz_id: int) -> Quiz:
    quiz = next((q for q in quizzes if q.id == quiz_id), None)
    if quiz is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return quiz
