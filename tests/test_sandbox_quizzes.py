"""The sandbox's classic quizzes over real HTTP: the quizzes, questions and statistics APIs as Canvas sends them.

Expectations come from the generated attempts (the sandbox's own events). The statistics' item
analysis is checked against cf.assessment run on responses rebuilt from the payload itself, as a
loader will build them: the same numbers, to 1e-9.
"""

from __future__ import annotations

import pandas as pd
import pytest
import requests

from canvasframe import assessment
from canvasframe.sandbox import quiz_views

from .conftest import TOKEN


@pytest.fixture(scope="module")
def course(institution):
    return next(c for c in institution.courses.values() if c.enrollments)


def _get(sandbox, path: str, **params) -> requests.Response:
    return requests.get(f"{sandbox.url}/api/v1/{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=30)  # fmt: skip


def _all(sandbox, path: str) -> list:
    rows, page = [], 1
    while True:
        answer = _get(sandbox, path, page=page, per_page=5)
        answer.raise_for_status()
        rows += answer.json()
        if 'rel="next"' not in answer.headers.get("Link", ""):
            return rows
        page += 1


def test_quizzes_and_questions_are_listed_page_by_page_with_points_and_weights(sandbox, institution, course):
    quizzes = institution.quizzes(course)
    listed = _all(sandbox, f"courses/{course.id}/quizzes")
    assert [(q["id"], q["title"], q["quiz_type"], q["assignment_id"]) for q in listed] == [
        (z.id, z.title, z.quiz_type, z.assignment_id) for z in quizzes
    ]
    graded = quizzes[0]
    assert graded.assignment_id in {a.id for a in course.assignments}
    questions = _all(sandbox, f"courses/{course.id}/quizzes/{graded.id}/questions")
    assert [q["id"] for q in questions] == [q.id for q in graded.questions]
    assert sum(q["points_possible"] for q in questions) == pytest.approx(graded.points_possible)
    choice = next(q for q in questions if q["question_type"] == "multiple_choice_question")
    model = next(q for q in graded.questions if q.id == choice["id"])
    assert {a["id"]: a["weight"] for a in choice["answers"]} == {o.id: o.weight for o in model.options}
    assert _get(sandbox, f"courses/{course.id}/quizzes/999999/questions").status_code == 404


def _responses_from(payload: dict, questions: list[dict], quiz_id: int) -> pd.DataFrame:
    """One row per student and chosen option, from answers[].user_ids (what load_quiz_responses will read)."""
    points = {q["id"]: q["points_possible"] for q in questions}
    rows = []
    for stat in payload["question_statistics"]:
        if stat["question_type"] not in assessment.CHOICE_TYPES:
            continue
        for answer in stat["answers"]:
            if answer["id"] == "none":
                continue
            for student in answer["user_ids"]:
                rows.append({"quiz_id": quiz_id, "question_id": stat["id"], "question_type": stat["question_type"],
                             "student_id": student, "answer_id": answer["id"], "correct": answer["correct"],
                             "points": points[int(stat["id"])] if answer["correct"] else 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_statistics_name_each_students_choice_and_reproduce_canvas_item_analysis(sandbox, institution, course):
    quizzes = institution.quizzes(course)
    for quiz in quizzes:
        answer = _get(sandbox, f"courses/{course.id}/quizzes/{quiz.id}/statistics")
        assert answer.status_code == 200
        (payload,) = answer.json()["quiz_statistics"]
        by_id = {s["id"]: s for s in payload["question_statistics"]}
        assert list(by_id) == [str(q.id) for q in quiz.questions]  # ids as strings
        for question in quiz.questions:
            stat = by_id[str(question.id)]
            if question.question_type not in assessment.CHOICE_TYPES:
                assert "difficulty_index" not in stat  # Canvas's item analysis covers choice questions only
                continue
            chose = {s: a.answers[question.id].option_ids for s, a in quiz.attempts.items()}
            expected = {str(o.id): sorted(s for s, ids in chose.items() if o.id in ids) for o in question.options}
            blanks = sorted(s for s, a in quiz.attempts.items() if not a.answers[question.id].option_ids)
            got = {a["id"]: sorted(a["user_ids"]) for a in stat["answers"]}
            assert got == expected | ({"none": blanks} if blanks else {})
            assert all(isinstance(p["answer_id"], int) for p in stat["point_biserials"])
        choice_items = sum(q.question_type in assessment.CHOICE_TYPES for q in quiz.questions)
        alphas = {s.get("alpha") for s in payload["question_statistics"] if "alpha" in s}
        assert (alphas == {None}) == (choice_items <= assessment.MIN_ITEMS_FOR_ALPHA)
        # cf.assessment on the responses rebuilt from this payload gives the payload's numbers.
        questions = _all(sandbox, f"courses/{course.id}/quizzes/{quiz.id}/questions")
        scores = pd.DataFrame({"quiz_id": quiz.id, "student_id": list(quiz.attempts),
                               "score": [a.score for a in quiz.attempts.values()]})  # fmt: skip
        items = pd.DataFrame({"question_id": [str(q["id"]) for q in questions],
                              "points_possible": [q["points_possible"] for q in questions]})  # fmt: skip
        ours = assessment.item_analysis(_responses_from(payload, questions, quiz.id), items, scores=scores)
        for row in ours.itertuples():
            stat = by_id[row.question_id]
            correct_pb = next(p["point_biserial"] for p in stat["point_biserials"] if p["correct"])
            for mine, theirs in ((row.difficulty, stat["difficulty_index"]), (row.variance, stat["variance"]),
                                 (row.point_biserial, correct_pb), (row.top_correct, stat["correct_top_student_count"]),
                                 (row.bottom_answered, stat["bottom_student_count"])):  # fmt: skip
                assert (pd.isna(mine) and theirs is None) or mine == pytest.approx(theirs, abs=1e-9)
            assert (pd.isna(row.alpha) and stat["alpha"] is None) or row.alpha == pytest.approx(stat["alpha"], abs=1e-9)
        assert payload["submission_statistics"]["unique_count"] == len(quiz.attempts)


def test_a_large_quiz_answers_204_no_content(sandbox, institution, course, monkeypatch):
    quiz = institution.quizzes(course)[0]
    monkeypatch.setattr(quiz_views, "MAX_QUESTIONS", len(quiz.questions) - 1)
    answer = _get(sandbox, f"courses/{course.id}/quizzes/{quiz.id}/statistics")
    assert answer.status_code == 204 and answer.content == b""
