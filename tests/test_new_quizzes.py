"""New Quizzes over real HTTP: found through the assignments, read through their items and reports.

Expectations come from the sandbox's generated questions and attempts (the course the sandbox
moved to New Quizzes), never from the loaders: which option each student chose, by its UUID, the
points each answer earned when it was drawn, and Canvas's item analysis as the sandbox computes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

import canvasframe as cf
from canvasframe.sandbox import SandboxSettings, quiz_statistics, quiz_views
from canvasframe.sandbox.state import SAMPLE_COST_SCALE
from canvasframe.schemas import SCHEMAS

from .conftest import TOKEN

CHOICES = ("multiple_choice_question", "true_false_question", "multiple_answers_question")
ALIASES = {"short_answer_question": "fill_in_multiple_blanks_question"}  # New Quizzes' fill-in-the-blank


@pytest.fixture(scope="module")
def course(institution):
    return institution.courses[institution.new_quizzes_course_id]


@pytest.fixture(scope="module")
def quiz(institution, course):
    (found,) = institution.quizzes(course, "new")
    return found


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    table = cf.schemas.to_table(pd.DataFrame(rows, columns=SCHEMAS[name].names).to_dict("list"), name)
    return cf.schemas.to_frame(table)


def _kind(question) -> str:
    return ALIASES.get(question.question_type, question.question_type)


def _option_id(question, option) -> str:
    if question.question_type == "true_false_question":
        return option.text.lower()
    return option.uuid


def test_a_courses_quiz_list_has_both_engines(canvas, institution, course, quiz):
    got = cf.load_quizzes(course.id, canvas=canvas)
    assert got["engine"].tolist().count("new") == 1
    new = got[got["engine"] == "new"].reset_index(drop=True)
    expected = _frame("quizzes", [{"course_id": course.id, "quiz_id": quiz.assignment_id,
                                   "assignment_id": quiz.assignment_id, "title": quiz.title, "quiz_type": None,
                                   "points_possible": next(a.points_possible for a in course.assignments
                                                           if a.id == quiz.assignment_id),
                                   "question_count": None, "due_at": quiz.due_at, "published": True,
                                   "engine": "new"}])  # fmt: skip
    pd.testing.assert_frame_equal(new, expected)
    classic = {z.id for z in institution.quizzes(course)}
    assert set(got.loc[got["engine"] == "classic", "quiz_id"]) == classic
    assert got["quiz_id"].is_monotonic_increasing


def test_options_are_the_items_choices_by_their_uuids(canvas, course, quiz):
    rows = []
    for q in quiz.questions:
        base = {"course_id": course.id, "quiz_id": quiz.id, "question_id": str(q.id), "position": q.position,
                "question_type": _kind(q), "question_text": f"Question {q.position}: which is right about cells?",
                "points_possible": q.points_possible, "weight": None}  # fmt: skip
        if q.question_type in CHOICES or q.question_type == "numerical_question":
            listed = q.options if q.question_type != "numerical_question" else [o for o in q.options if o.weight]
            for k, o in enumerate(listed):
                rows.append(base | {"option_position": k + 1, "answer_id": _option_id(q, o), "answer_text": o.text,
                                    "correct": o.weight == 100})  # fmt: skip
        else:
            rows.append(base)
    got = cf.load_quiz_options(course.id, quiz.id, canvas=canvas)
    pd.testing.assert_frame_equal(got, _frame("quiz_options", rows))


def _expected_responses(course, quiz) -> pd.DataFrame:
    rows = []
    for student, attempt in quiz.attempts.items():
        for q in quiz.questions:
            answer = attempt.answers[q.id]
            row = {"course_id": course.id, "quiz_id": quiz.id, "question_id": str(q.id), "question_type": _kind(q),
                   "student_id": student, "points": answer.points}  # fmt: skip
            if answer.option_ids:
                for o in (o for o in q.options if o.id in answer.option_ids):
                    rows.append(row | {"answer_id": _option_id(q, o), "answer_text": o.text,
                                       "correct": o.weight == 100})  # fmt: skip
            elif answer.text:  # typed: the text as the report gives it (an essay's without its HTML)
                text = answer.text.replace("<p>", "").replace("</p>", "")
                rows.append(row | {"answer_id": None, "answer_text": text, "correct": None})
    frame = _frame("quiz_responses", rows)
    order = ["course_id", "quiz_id", "question_id", "student_id", "answer_id"]
    return frame.sort_values(order, kind="stable", na_position="last", ignore_index=True)


def test_responses_are_each_students_choices_and_the_reports_points(canvas, course, quiz):
    got = cf.load_quiz_responses(course.id, quiz.id, canvas=canvas)
    pd.testing.assert_frame_equal(got, _expected_responses(course, quiz))
    # Essays are answers here (the report has their text and points), unlike the classic statistics.
    assert (got["question_type"] == "essay_question").any()


def test_items_are_canvas_item_analysis_from_the_report_to_1e9(canvas, course, quiz):
    items = cf.load_quiz_items(course.id, quiz.id, canvas=canvas).set_index("question_id")
    assert list(items.index) == [str(q.id) for q in quiz.questions]
    assert items["points_possible"].tolist() == [q.points_possible for q in quiz.questions]
    expected = {str(e["question_id"]): e for e in quiz_statistics.item_analysis(*quiz_views.item_input(quiz))}
    for question_id, row in items.iterrows():
        entry = expected.get(question_id)
        if entry is None:  # Canvas's item analysis covers multiple choice and true/false only
            assert row[["answered", "correct", "difficulty", "alpha", "top_correct"]].isna().all()
            continue
        assert (row["answered"], row["correct"]) == (entry["answered_student_count"], entry["correct_student_count"])
        assert (row["top_correct"], row["middle_correct"], row["bottom_correct"]) == (
            entry["correct_top_student_count"], entry["correct_middle_student_count"],
            entry["correct_bottom_student_count"],
        )  # fmt: skip
        correct_pb = next(p["point_biserial"] for p in entry["point_biserials"] if p["correct"])
        for got, want in ((row["difficulty"], entry["difficulty_index"]), (row["variance"], entry["variance"]),
                          (row["point_biserial"], correct_pb), (row["alpha"], entry["alpha"])):  # fmt: skip
            assert (pd.isna(got) and (want is None or np.isnan(want))) or abs(got - want) <= 1e-9
    # canvasframe's Canvas-rule recomputation from the responses alone agrees: the report's
    # points cover every question, so each student's quiz score is their sum.
    responses = cf.load_quiz_responses(course.id, quiz.id, canvas=canvas)
    ours = cf.assessment.item_analysis(responses, items.reset_index()).set_index("question_id")
    theirs = items.loc[ours.index]
    for column in ("difficulty", "point_biserial", "variance", "alpha"):
        np.testing.assert_allclose(ours[column].astype(float), theirs[column].astype(float), atol=1e-9, equal_nan=True)


def test_a_report_already_generating_is_waited_for_then_asked_again(make_server, connect, course, quiz):
    server = make_server(settings=SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, quiz_report_seconds=2.0))
    canvas = connect(server)
    cf.load_quiz_options(course.id, canvas=canvas)  # the items first: the next request is the report's
    reports = f"{server.url}/api/quiz/v1/courses/{course.id}/quizzes/{quiz.id}/reports"
    form = {"quiz_report[report_type]": "student_analysis", "quiz_report[format]": "csv"}
    started = requests.post(reports, data=form, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert started.status_code == 200
    got = cf.load_quiz_responses(course.id, quiz.id, canvas=canvas)
    pd.testing.assert_frame_equal(got, _expected_responses(course, quiz))
    answered = server.quiz_reports.answered
    assert answered[0] == 200 and answered[1] == 409 and answered[-1] == 200  # someone's, a refusal, ours


def test_a_failed_report_is_a_typed_error_naming_the_quiz_and_nothing_is_cached(make_server, connect, course, quiz):
    settings = SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, failed_quiz_reports={quiz.id})
    server = make_server(settings=settings)
    canvas = connect(server)
    with pytest.raises(cf.ServerError, match=f"item_analysis report of New Quiz {quiz.id}") as caught:
        cf.load_quiz_items(course.id, canvas=canvas)
    assert TOKEN not in str(caught.value)
    server.settings.failed_quiz_reports.clear()
    offline = connect(server, offline=True)
    with pytest.raises(cf.CacheMiss):
        cf.load_quiz_items(course.id, canvas=offline)
    assert len(cf.load_quiz_items(course.id, canvas=canvas))
    pd.testing.assert_frame_equal(
        cf.load_quiz_items(course.id, canvas=offline), cf.load_quiz_items(course.id, canvas=canvas)
    )


def test_names_from_the_report_never_reach_a_frame_or_the_cache(canvas, course, quiz, tmp_path):
    names = [e.student.name for e in course.enrollments.values()]
    frame = cf.load_quiz_responses(course.id, quiz.id, canvas=canvas)
    assert not any(name in frame.to_csv() for name in names)
    cached = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert cached and not any(name.encode() in cached for name in names) and TOKEN.encode() not in cached
    shared = cf.pseudonymize(frame, key=b"k" * 32)
    typed = ~frame["question_type"].isin(CHOICES)
    assert shared.loc[typed, "answer_text"].isna().all() and shared.loc[~typed, "answer_text"].notna().all()


def test_the_sandbox_serves_each_report_as_csv_and_as_json_with_the_same_rows(sandbox, course, quiz):
    import csv
    import io
    import time

    headers = {"Authorization": f"Bearer {TOKEN}"}
    reports = f"{sandbox.url}/api/quiz/v1/courses/{course.id}/quizzes/{quiz.id}/reports"
    files = {}
    for report_type in ("item_analysis", "student_analysis"):
        for file_format in ("csv", "json"):
            form = {"quiz_report[report_type]": report_type, "quiz_report[format]": file_format}
            progress = requests.post(reports, data=form, headers=headers, timeout=5)
            while progress.status_code == 409 or progress.json()["workflow_state"] != "completed":
                time.sleep(0.05)  # the sandbox's report takes quiz_report_seconds; 409 until the last one ends
                progress = (
                    requests.post(reports, data=form, headers=headers, timeout=5)
                    if progress.status_code == 409
                    else requests.get(progress.json()["url"], headers=headers, timeout=5)
                )
            answer = requests.get(progress.json()["results"]["url"], headers=headers, timeout=5)
            files[report_type, file_format] = answer
    for report_type in ("item_analysis", "student_analysis"):
        as_csv, as_json = files[report_type, "csv"], files[report_type, "json"]
        assert as_csv.headers["Content-Type"] == "text/csv" and as_json.headers["Content-Type"] == "application/json"
        header, *rows = list(csv.reader(io.StringIO(as_csv.text)))
        objects = as_json.json()
        assert all(len(obj) == len(header) for obj in objects)  # one key per column: no points column lost
        analysed = sum(q.question_type in CHOICES[:2] for q in quiz.questions)  # multiple choice, true/false
        assert len(objects) == len(rows) == (len(quiz.attempts) if report_type == "student_analysis" else analysed)
        for row, obj in zip(rows, objects, strict=True):
            assert ["" if v is None else str(v) for v in obj.values()] == row  # null in JSON, empty in CSV


def test_a_report_file_that_is_not_the_expected_layout_is_a_format_error_naming_it(canvas, course, quiz):
    from canvasframe.transforms import new_quizzes as transform

    source = "https://canvas.test/api/assignments/1/files/2/download"
    with pytest.raises(cf.ResponseFormatError, match="a report row has 1 cells, its header 2") as caught:
        transform.report_table(b"name,id\nAda\n", source)
    assert source in str(caught.value)
    with pytest.raises(cf.ResponseFormatError, match="not UTF-8"):
        transform.report_table(b"\xff\xfe\x00name", source)
    options = cf.load_quiz_options(course.id, quiz.id, canvas=canvas)
    no_ids = transform.report_table(b"name,section\nAda,1\n", source)
    with pytest.raises(cf.ResponseFormatError, match="has no id column"):
        transform.new_quiz_responses([(quiz.id, no_ids)], options, course_id=course.id, source=source)
    unknown = transform.report_table(b"id,999: A question?,1\n5,True,1\n", source)
    with pytest.raises(cf.ResponseFormatError, match=f"question 999, which quiz {quiz.id} lacks"):
        transform.new_quiz_responses([(quiz.id, unknown)], options, course_id=course.id, source=source)
