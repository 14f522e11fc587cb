"""The quiz loaders over real HTTP, against the sandbox's own quizzes and attempts.

Every expectation is built from the generated questions and attempts (canvasframe/sandbox/quizzes.py):
the points each answer earned were scored when the attempt was drawn, so the loader's points, scored
from the questions' weights by Canvas's rules, are checked against an independent computation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import canvasframe as cf
from canvasframe.sandbox import quiz_statistics, quiz_views
from canvasframe.schemas import SCHEMAS

from .conftest import TOKEN


@pytest.fixture(scope="module")
def course(institution):
    return next(c for c in institution.courses.values() if c.enrollments)


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    return cf.schemas.to_frame(cf.schemas.to_table(pd.DataFrame(rows, columns=SCHEMAS[name].names).to_dict("list"),
                                                   name))  # fmt: skip


def test_quizzes_and_their_options_are_the_sandboxs(canvas, institution, course):
    quizzes = institution.quizzes(course)
    expected = _frame("quizzes", [
        {"course_id": course.id, "quiz_id": z.id, "assignment_id": z.assignment_id, "title": z.title,
         "quiz_type": z.quiz_type, "points_possible": z.points_possible, "question_count": len(z.questions),
         "due_at": z.due_at, "published": z.published, "engine": "classic"} for z in quizzes
    ])  # fmt: skip
    pd.testing.assert_frame_equal(cf.load_quizzes(course.id, canvas=canvas), expected)
    rows = []
    for z in quizzes:
        for q in z.questions:
            options = q.options or [None]
            for k, o in enumerate(options):
                question = {"course_id": course.id, "quiz_id": z.id, "question_id": str(q.id),
                            "position": q.position, "question_type": q.question_type,
                            "question_text": f"Question {q.position}: which is right about cells?",
                            "points_possible": q.points_possible}  # fmt: skip
                option = {"option_position": k + 1, "answer_id": str(o.id), "answer_text": o.text,
                          "weight": float(o.weight), "correct": o.weight == 100} if o is not None else {}  # fmt: skip
                rows.append(question | option)
    expected = _frame("quiz_options", rows)
    got = cf.load_quiz_options(course.id, canvas=canvas)
    pd.testing.assert_frame_equal(got, expected)


def _expected_responses(course, quizzes) -> pd.DataFrame:
    rows = []
    for z in quizzes:
        for q in z.questions:
            if q.question_type == "essay_question":
                continue  # Canvas sends score buckets for essays, not who wrote what
            for student, attempt in z.attempts.items():
                answer = attempt.answers[q.id]
                if answer.option_ids:
                    chosen = [o for o in q.options if o.id in answer.option_ids]
                elif answer.text:
                    chosen = [o for o in q.options if o.text == answer.text] or ["other"]
                else:
                    continue  # a blank: no row
                for o in chosen:
                    rows.append({"course_id": course.id, "quiz_id": z.id, "question_id": str(q.id),
                                 "question_type": q.question_type, "student_id": student,
                                 "answer_id": "other" if o == "other" else str(o.id),
                                 "answer_text": "Other" if o == "other" else o.text,
                                 "correct": False if o == "other" else o.weight == 100,
                                 "points": answer.points})  # fmt: skip
    frame = _frame("quiz_responses", rows)
    return frame.sort_values(["course_id", "quiz_id", "question_id", "student_id", "answer_id"], kind="stable",
                             ignore_index=True)  # fmt: skip


def test_responses_name_each_students_choices_and_canvas_scored_points(canvas, institution, course):
    quizzes = institution.quizzes(course)
    got = cf.load_quiz_responses(course.id, canvas=canvas)
    pd.testing.assert_frame_equal(got, _expected_responses(course, quizzes))
    # Multiple answers: partial credit, never below zero; at least one student got partial credit.
    multiple = got[got["question_type"] == "multiple_answers_question"]
    assert (multiple["points"] >= 0).all() and multiple["points"].between(0, multiple["points"].max()).all()
    only_one = cf.load_quiz_responses(course.id, quizzes[1].id, canvas=canvas)
    assert set(only_one["quiz_id"]) == {quizzes[1].id}


def test_items_are_canvas_own_item_analysis_with_the_questions_points(canvas, institution, course):
    quizzes = institution.quizzes(course)
    items = cf.load_quiz_items(course.id, canvas=canvas)
    for z in quizzes:
        canvas_numbers = {str(e["question_id"]): e for e in quiz_statistics.item_analysis(*quiz_views.item_input(z))}
        mine = items[items["quiz_id"] == z.id].set_index("question_id")
        assert list(mine.index) == [str(q.id) for q in z.questions]
        assert mine["points_possible"].tolist() == [q.points_possible for q in z.questions]
        for question_id, row in mine.iterrows():
            expected = canvas_numbers.get(question_id)
            if expected is None:
                assert pd.isna(row["difficulty"]) and pd.isna(row["answered"])
                continue
            assert row["answered"] == expected["answered_student_count"]
            assert row["difficulty"] == pytest.approx(expected["difficulty_index"])
            assert row["bottom_correct"] == expected["correct_bottom_student_count"]
            assert (pd.isna(row["alpha"]) and expected["alpha"] is None) or row["alpha"] == pytest.approx(
                expected["alpha"]
            )
    # cf.assessment recomputes Canvas's numbers from the responses alone (with the attempts' scores).
    for z in quizzes:
        scores = pd.DataFrame(
            {"quiz_id": z.id, "student_id": list(z.attempts), "score": [a.score for a in z.attempts.values()]}
        )
        responses = cf.load_quiz_responses(course.id, z.id, canvas=canvas)
        ours = cf.assessment.item_analysis(responses, items, scores=scores).set_index("question_id")
        theirs = items[items["quiz_id"] == z.id].set_index("question_id").loc[ours.index]
        for column in ("difficulty", "point_biserial", "variance", "alpha"):
            np.testing.assert_allclose(
                ours[column].astype(float), theirs[column].astype(float), atol=1e-9, equal_nan=True
            )


def test_a_large_quiz_is_left_out_with_a_warning_that_names_it(make_server, connect, institution, course, monkeypatch):
    server = make_server()
    canvas = connect(server)
    quiz = institution.quizzes(course)[0]
    monkeypatch.setattr(quiz_views, "MAX_QUESTIONS", len(quiz.questions) - 1)
    with pytest.warns(cf.CanvasframeWarning, match=f"quiz {quiz.id}.*quiz reports"):
        items = cf.load_quiz_items(course.id, canvas=canvas)
    assert quiz.id not in set(items["quiz_id"]) and len(items)


def test_students_names_never_reach_a_frame_or_the_cache(canvas, institution, course, tmp_path):
    names = [e.student.name for e in course.enrollments.values()]
    frames = [cf.load_quiz_responses(course.id, canvas=canvas), cf.load_quiz_items(course.id, canvas=canvas)]
    text = "".join(frame.to_csv() for frame in frames)
    assert not any(name in text for name in names)
    cached = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    assert cached and not any(name.encode() in cached for name in names)
    assert TOKEN.encode() not in cached
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cf.pseudonymize(frames[0], key=b"k" * 32)


def test_the_item_map_flags_the_items_canvas_numbers_put_outside_the_bounds(canvas, institution, course):
    import matplotlib.pyplot as plt

    quiz = institution.quizzes(course)[0]
    canvas_numbers = quiz_statistics.item_analysis(*quiz_views.item_input(quiz))
    position = {q.id: q.position for q in quiz.questions}
    flags = cf.plots.ITEM_FLAGS
    expected = set()
    for entry in canvas_numbers:
        pb = next(p["point_biserial"] for p in entry["point_biserials"] if p["correct"])
        d = entry["difficulty_index"]
        if (
            pb is not None
            and not np.isnan(pb)
            and (d < flags["too_hard"] or d > flags["too_easy"] or pb < flags["weak"])
        ):
            expected.add(f"Q{position[entry['question_id']]}")
    items = cf.load_quiz_items(course.id, quiz.id, canvas=canvas)
    ax = cf.plots.plot_item_map(items)
    assert {t.get_text() for t in ax.texts} == expected
    plt.close("all")


def test_the_distractor_bars_are_the_shares_students_chose(canvas, institution, course):
    import matplotlib.pyplot as plt

    quiz = institution.quizzes(course)[0]
    question = next(q for q in quiz.questions if q.question_type == "multiple_choice_question")
    answered = [a.answers[question.id].option_ids for a in quiz.attempts.values() if a.answers[question.id].option_ids]
    expected = [sum(o.id in ids for ids in answered) / len(answered) for o in question.options]
    responses = cf.load_quiz_responses(course.id, canvas=canvas)
    options = cf.load_quiz_options(course.id, canvas=canvas)
    ax = cf.plots.plot_distractors(responses, question_id=str(question.id), options=options)
    assert [bar.get_width() for bar in ax.patches] == pytest.approx(expected)
    with pytest.raises(cf.ConfigError, match="several choice questions"):
        cf.plots.plot_distractors(responses)
    plt.close("all")


def test_the_gradebook_shows_each_attempts_score(canvas, institution, course):
    quiz = institution.quizzes(course)[0]
    submissions = cf.load_submissions(course.id, canvas=canvas)
    scored = submissions[submissions["assignment_id"] == quiz.assignment_id].set_index("student_id")["score"].dropna()
    assert len(scored) and set(scored.index) <= set(quiz.attempts)
    assert scored.to_dict() == {s: quiz.attempts[s].score for s in scored.index}


def test_pseudonymize_keeps_option_texts_and_blanks_what_a_student_may_have_typed(canvas, course):
    responses = cf.load_quiz_responses(course.id, canvas=canvas)
    shared = cf.pseudonymize(responses, key=b"k" * 32)
    typed = ~responses["question_type"].isin(cf.datasets.OPTION_TEXT_TYPES)
    assert typed.any() and (~typed).any()
    assert shared.loc[typed, "answer_text"].isna().all()
    pd.testing.assert_series_equal(shared.loc[~typed, "answer_text"], responses.loc[~typed, "answer_text"])
    assert not shared["student_id"].isin(responses["student_id"]).any()
