"""cf.assessment: Canvas's item statistics from the responses alone, and the textbook's beside them.

Canvas's rules are checked against canvasframe/sandbox/quiz_statistics.py, a loop-for-loop
transliteration of canvas-lms's item analysis (the code the sandbox serves its statistics from);
the textbook statistics against independent formulas (scipy's Pearson r, alpha from the
covariance matrix).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import canvasframe as cf
from canvasframe import assessment
from canvasframe.sandbox import quiz_statistics as canvas_rules

TYPES = ("multiple_choice_question", "true_false_question")


@st.composite
def quizzes(draw, min_questions: int = 1, max_questions: int = 20):
    """A quiz of choice questions and the students' single answers (None: left blank)."""
    n_students = draw(st.integers(1, 40))
    n_questions = draw(st.integers(min_questions, max_questions))
    questions = []
    for q in range(n_questions):
        kind = draw(st.sampled_from(TYPES))
        n_options = 2 if kind == "true_false_question" else draw(st.integers(2, 5))
        correct = draw(st.integers(0, n_options - 1))
        answers = [{"id": f"{q}-{o}", "weight": 100 if o == correct else 0, "text": f"option {o}"}
                   for o in range(n_options)]  # fmt: skip
        points = float(draw(st.sampled_from([1, 2, 5])))
        questions.append({"id": f"q{q}", "question_type": kind, "points_possible": points, "answers": answers})
    attempts: list[dict[str, Any]] = []
    for student in range(n_students):
        data = []
        for question in questions:
            chosen = draw(st.one_of(st.none(), st.integers(0, len(question["answers"]) - 1)))
            data.append({"question_id": question["id"], "answer_id": None if chosen is None else
                         question["answers"][chosen]["id"]})  # fmt: skip
        attempts.append({"user_id": 1000 + student, "submission_data": data})
    for attempt in attempts:
        attempt["score"] = sum(_points(q, a) for q, a in zip(questions, attempt["submission_data"], strict=True))
    return questions, attempts


def _points(question, answer) -> float:
    correct = question["answers"][[a["weight"] for a in question["answers"]].index(100)]["id"]
    return question["points_possible"] if answer["answer_id"] == correct else 0.0


def _responses(questions, attempts) -> pd.DataFrame:
    """The responses frame a loader would give: one row per chosen option; no row for a blank."""
    rows = []
    for attempt in attempts:
        for question, answer in zip(questions, attempt["submission_data"], strict=True):
            if answer["answer_id"] is None:
                continue
            option = next(a for a in question["answers"] if a["id"] == answer["answer_id"])
            rows.append({"course_id": 1, "quiz_id": 7, "question_id": question["id"],
                         "question_type": question["question_type"], "student_id": attempt["user_id"],
                         "answer_id": option["id"], "answer_text": option["text"],
                         "correct": option["weight"] == 100, "points": _points(question, answer)})  # fmt: skip
    return pd.DataFrame(rows, columns=["course_id", "quiz_id", "question_id", "question_type", "student_id",
                                       "answer_id", "answer_text", "correct", "points"])  # fmt: skip


def _items(questions) -> pd.DataFrame:
    return pd.DataFrame([{"quiz_id": 7, "question_id": q["id"], "question_type": q["question_type"],
                          "points_possible": q["points_possible"]} for q in questions])  # fmt: skip


def _scores(attempts) -> pd.DataFrame:
    return pd.DataFrame([{"quiz_id": 7, "student_id": a["user_id"], "score": a["score"]} for a in attempts])


def _close(ours, canvas) -> bool:
    if canvas is None or (isinstance(canvas, float) and math.isnan(canvas)):
        return pd.isna(ours)
    return not pd.isna(ours) and abs(float(ours) - float(canvas)) <= 1e-9


@settings(deadline=None)
@given(quizzes())
def test_canvas_rule_numbers_equal_canvas_own_computation(quiz):
    questions, attempts = quiz
    expected = {entry["question_id"]: entry for entry in canvas_rules.item_analysis(questions, attempts)}
    responses = _responses(questions, attempts)
    ours = assessment.item_analysis(responses, _items(questions), scores=_scores(attempts)).set_index("question_id")
    pairs = {"answered": "answered_student_count", "correct": "correct_student_count",
             "difficulty": "difficulty_index", "top_answered": "top_student_count",
             "middle_answered": "middle_student_count", "bottom_answered": "bottom_student_count",
             "top_correct": "correct_top_student_count", "middle_correct": "correct_middle_student_count",
             "bottom_correct": "correct_bottom_student_count", "variance": "variance", "stdev": "stdev",
             "alpha": "alpha"}  # fmt: skip
    for question_id, row in ours.iterrows():
        canvas = expected[question_id]
        for mine, theirs in pairs.items():
            assert _close(row[mine], canvas[theirs]), (question_id, mine, row[mine], canvas[theirs])
        correct = next(p for p in canvas["point_biserials"] if p["correct"])
        assert _close(row["point_biserial"], correct["point_biserial"])
    # A question nobody answered has no responses, so no row; every other choice question has one.
    answered = {e["question_id"] for e in expected.values() if e["answered_student_count"]}
    assert set(ours.index) == answered


def test_alpha_needs_more_than_fifteen_choice_items_and_is_canvas_own_ratio():
    rng = np.random.default_rng(3)
    for k in (15, 16):
        questions = [{"id": f"q{i}", "question_type": "true_false_question", "points_possible": 1.0,
                      "answers": [{"id": f"{i}t", "weight": 100, "text": "True"},
                                  {"id": f"{i}f", "weight": 0, "text": "False"}]} for i in range(k)]  # fmt: skip
        ability = rng.normal(size=30)
        attempts = []
        for s, theta in enumerate(ability):
            data = [{"question_id": q["id"], "answer_id": q["answers"][0 if rng.random() < 1 / (1 + np.exp(-theta))
                     else 1]["id"]} for q in questions]  # fmt: skip
            attempts.append({"user_id": s, "submission_data": data})
        for a in attempts:
            a["score"] = sum(_points(q, d) for q, d in zip(questions, a["submission_data"], strict=True))
        ours = assessment.item_analysis(_responses(questions, attempts), _items(questions))
        canvas = canvas_rules.item_analysis(questions, attempts)
        if k == 15:
            assert ours["alpha"].isna().all() and all(e["alpha"] is None for e in canvas)
        else:
            assert ours["alpha"].nunique() == 1 and _close(ours["alpha"].iloc[0], canvas[0]["alpha"])


def test_brackets_move_ties_at_a_cut_to_the_higher_bracket():
    # Ten students: the top cut falls at index round(7.3) = 7; scores tied with index 7 all move up.
    scores = pd.Series([1, 2, 3, 4, 5, 6, 7, 7, 7, 9], index=range(10), dtype="float64")
    got = assessment.brackets(scores)
    summary = canvas_rules.Summary(scores=dict(scores.items()))
    expected = {user: name for name, users in summary.buckets.items() for user in users}
    assert got.to_dict() == expected
    assert list(got[got == "top"].index) == [6, 7, 8, 9]


@settings(deadline=None)
@given(quizzes(min_questions=2, max_questions=8))
def test_invariants_difficulty_alpha_order(quiz):
    questions, attempts = quiz
    responses = _responses(questions, attempts)
    ours = assessment.item_analysis(responses)
    assert ours["difficulty"].between(0, 1).all()
    assert (ours["cronbach_alpha"].dropna() <= 1 + 1e-12).all()
    shuffled = responses.sample(frac=1.0, random_state=1).sort_values("question_id", kind="stable")
    again = assessment.item_analysis(shuffled).set_index("question_id").loc[ours["question_id"]].reset_index()
    again = again[ours.columns]
    pd.testing.assert_frame_equal(again, ours, check_exact=False, rtol=1e-12)


def test_a_perfectly_discriminating_item_gets_the_maximum():
    students = list(range(20))
    rows = []
    for s in students:  # q1: exactly the top half right; q2..q4 follow ability too
        for q, cut in (("q1", 10), ("q2", 8), ("q3", 12), ("q4", 10)):
            right = s >= cut
            rows.append({"quiz_id": 1, "question_id": q, "question_type": "true_false_question", "student_id": s,
                         "answer_id": "t" if right else "f", "correct": right, "points": float(right)})  # fmt: skip
    ours = assessment.item_analysis(pd.DataFrame(rows)).set_index("question_id")
    assert ours.loc["q1", "discrimination"] == 1.0
    assert ours["discrimination"].max() == 1.0 and ours["point_biserial"].max() == ours.loc["q1", "point_biserial"]


@settings(deadline=None)
@given(quizzes(min_questions=2, max_questions=10))
def test_textbook_statistics_match_independent_formulas(quiz):
    questions, attempts = quiz
    responses = _responses(questions, attempts)
    ours = assessment.item_analysis(responses).set_index("question_id")
    students = sorted({a["user_id"] for a in attempts if any(d["answer_id"] for d in a["submission_data"])})
    if not students:
        assert ours.empty
        return
    matrix = np.array([[_points(q, d) for q, d in zip(questions, a["submission_data"], strict=True)]
                       for a in attempts if a["user_id"] in students])  # fmt: skip
    answered = [q["id"] in set(responses["question_id"]) for q in questions]
    matrix = matrix[:, answered]
    kept = [q for q, keep in zip(questions, answered, strict=True) if keep]
    k = matrix.shape[1]
    covariance = np.cov(matrix, rowvar=False, ddof=0) if len(matrix) > 1 else np.zeros((k, k))
    covariance = np.atleast_2d(covariance)
    if k > 1 and covariance.sum() > 0:
        expected_alpha = k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())
        assert ours["cronbach_alpha"].iloc[0] == pytest.approx(expected_alpha, abs=1e-9)
    total = matrix.sum(axis=1)
    for j, question in enumerate(kept):
        item, rest = matrix[:, j], total - matrix[:, j]
        if len(item) > 1 and item.std() > 0 and rest.std() > 0:
            assert ours.loc[question["id"], "point_biserial_corrected"] == pytest.approx(
                stats.pearsonr(item, rest).statistic, abs=1e-9
            )
        else:
            assert pd.isna(ours.loc[question["id"], "point_biserial_corrected"])


def test_response_matrix_is_na_where_skipped_and_distractors_list_dead_options():
    responses = pd.DataFrame({"quiz_id": 1, "question_id": ["q1", "q1", "q2"],
                              "question_type": "multiple_choice_question", "student_id": [1, 2, 1],
                              "answer_id": ["a", "b", "c"], "answer_text": ["A", "B", "C"],
                              "correct": [True, False, True], "points": [1.0, 0.0, 1.0]})  # fmt: skip
    wide = assessment.response_matrix(responses, "points")
    assert wide.loc[1].tolist() == [1.0, 1.0] and pd.isna(wide.loc[2, (1, "q2")])
    options = pd.DataFrame({"quiz_id": 1, "question_id": ["q1", "q1", "q1", "q2", "q2"],
                            "answer_id": ["a", "b", "z", "c", "d"], "answer_text": ["A", "B", "Z", "C", "D"],
                            "correct": [True, False, False, True, False]})  # fmt: skip
    table = assessment.distractors(responses, options).set_index(["question_id", "answer_id"])
    assert table.loc[("q1", "z"), "dead"] and table.loc[("q2", "d"), "dead"]
    assert not table.loc[("q1", "b"), "dead"] and table.loc[("q1", "b"), "share"] == 0.5
    with pytest.raises(cf.ConfigError, match="values must be"):
        assessment.response_matrix(responses, "score")


def test_two_students_are_enough_for_a_corrected_point_biserial():
    # Student 1 gets a, b and c right; student 2 only a. Item a is the same for both: NaN. Item b against
    # its rest (a + c: 2 and 1) is perfectly aligned, as Pearson's r over two points always is.
    rows = [(q, s, right) for q, s, right in [("a", 1, True), ("a", 2, True), ("b", 1, True), ("b", 2, False),
                                              ("c", 1, True), ("c", 2, False)]]  # fmt: skip
    responses = pd.DataFrame({"quiz_id": 1, "question_id": [q for q, _, _ in rows],
                              "question_type": "true_false_question", "student_id": [s for _, s, _ in rows],
                              "answer_id": ["t" if r else "f" for *_, r in rows], "correct": [r for *_, r in rows],
                              "points": [float(r) for *_, r in rows]})  # fmt: skip
    ours = assessment.item_analysis(responses).set_index("question_id")
    assert pd.isna(ours.loc["a", "point_biserial_corrected"])
    assert ours.loc["b", "point_biserial_corrected"] == pytest.approx(stats.pearsonr([1, 0], [2, 1]).statistic)


def test_brackets_of_one_student_and_in_the_scores_own_order():
    # One submitter: Canvas's top cut falls past the end (round(0.73) = 1), so the only student is "middle".
    assert assessment.brackets(pd.Series([5.0], index=[42])).tolist() == ["middle"]
    assert canvas_rules.Summary(scores={42: 5.0}).buckets == {"top": [], "middle": [42], "bottom": []}
    scores = pd.Series([9.0, 1.0, 5.0, 7.0, 3.0], index=[10, 11, 12, 13, 14])
    got = assessment.brackets(scores)
    assert list(got.index) == [10, 11, 12, 13, 14]  # each student's bracket beside them, as given
    summary = canvas_rules.Summary(scores=dict(scores.items()))
    assert got.tolist() == [next(n for n, users in summary.buckets.items() if s in users) for s in scores.index]
