"""The numbers printed in the docstring examples, derived from the sample institution's events.

Each example runs as a doctest against the loaders; these tests read the same numbers out of the
docstrings and compare them with what the sample's events say (``tests/truth.py``, never the
loaders), so a number copied from a run of a broken loader fails here.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import canvasframe as cf
from canvasframe._sample import sample_server

from . import truth


@pytest.fixture(scope="module")
def sample():
    canvas = cf.sample(quiet=True)
    inst = sample_server().institution
    return inst, inst.courses[canvas.sample_course_id], canvas.sample_account_id


def _number(doc: str, label: str) -> int:
    """The integer printed after ``label`` in an example's output (``views   70401``)."""
    found = re.search(rf"^\s*{re.escape(label)}\s+(-?\d+)\s*$", doc, re.MULTILINE)
    assert found, f"no number after {label!r} in the docstring"
    return int(found.group(1))


def _rows(doc: str, first: str, columns: int) -> list[list[str]]:
    """The output rows of a printed frame whose first data cell is ``first``, up to ``columns`` cells each."""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^\s*\S+\s+{re.escape(first)}\b", line))
    rows = []
    for line in lines[start:]:
        cells = line.split()
        if len(cells) < columns:
            break
        rows.append(cells[: columns + 1])
    return rows


def test_submission_flags(sample):
    inst, course, _ = sample
    flags = truth.submissions(inst, course)[["late", "missing", "excused"]].sum()
    doc = cf.load_submissions.__doc__
    assert {k: _number(doc, k) for k in ("late", "missing", "excused")} == {k: int(v) for k, v in flags.items()}


def test_weekly_course_activity(sample):
    _, course, _ = sample
    daily = truth.course_activity(course).set_index("date")[["views", "participations"]]
    weekly = daily.resample("W").sum().head(3)
    printed = _rows(cf.load_course_activity.__doc__, str(weekly.iloc[0]["views"]), 2)
    assert [[int(c) for c in row[1:3]] for row in printed[:3]] == weekly.to_numpy().tolist()
    assert [row[0] for row in printed[:3]] == [d.strftime("%Y-%m-%d") for d in weekly.index]


def test_first_students_summaries(sample):
    _, course, _ = sample
    expected = truth.student_summaries(course)[["student_id", "page_views", "participations", "missing"]].head(3)
    printed = _rows(cf.load_student_summaries.__doc__, str(expected.iloc[0]["student_id"]), 4)
    assert [[int(c) for c in row[1:5]] for row in printed[:3]] == expected.to_numpy().tolist()


def test_page_view_totals_in_the_cache_and_duckdb_examples(sample):
    _, course, _ = sample
    hourly = truth.page_views(course)
    assert _number(cf.cache.__doc__, "0         page_views") == len(hourly)
    assert _number(cf.cache.__doc__, "1     participations") == len(truth.participations(course))
    totals = re.search(r"^\s*0\s+(\d+)\s+(\d+)\.0\s*$", cf.duckdb.__doc__ or "", re.MULTILINE)
    assert totals
    assert (int(totals.group(1)), int(totals.group(2))) == (hourly["student_id"].nunique(), hourly["views"].sum())


def test_department_activity_and_categories(sample):
    inst, _, account = sample
    current = truth.department_courses(inst, account, "current")
    views = sum(int(e.views.sum()) for c in current for e in c.enrollments.values())
    parts = sum(len(e.participations) for c in current for e in c.enrollments.values())
    doc = cf.load_department_activity.__doc__
    assert (_number(doc, "views"), _number(doc, "participations")) == (views, parts)
    completed = truth.department_courses(inst, account, "completed")
    categories = pd.Series(
        {k: sum(c.category_views.get(k, 0) for c in completed) for c in completed for k in c.category_views}
    )
    top = categories.sort_values(ascending=False, kind="stable").head(3)
    printed = re.findall(r"^\s*\d+\s+([a-z_]+)\s+(\d+)\s*$", cf.load_department_categories.__doc__, re.MULTILINE)
    assert [(name, int(n)) for name, n in printed] == list(zip(top.index, top.astype(int), strict=True))


def test_enrollments_activity_time_and_scores(sample):
    inst, course, _ = sample
    columns = ["student_id", "total_activity_time", "current_score", "current_grade"]
    expected = truth.enrollments(inst, course)[columns].head(3)
    printed = _rows(cf.load_enrollments.__doc__, str(expected.iloc[0]["student_id"]), 6)
    shown = [(int(row[1]), pd.Timedelta(" ".join(row[2:5])), float(row[5]), row[6]) for row in printed[:3]]
    assert shown == [(s, t, round(score, 2), grade) for s, t, score, grade in expected.itertuples(index=False)]


def _printed_after(doc: str, code: str) -> int:
    """The integer an example prints right after the line ``>>> {code}``."""
    found = re.search(rf">>> {re.escape(code)}[^\n]*\n\s*(-?\d+)\s*$", doc, re.MULTILINE)
    assert found, f"no example output after {code!r}"
    return int(found.group(1))


def test_isolated_students_in_the_reply_network(sample):
    inst, course, _ = sample
    graph = truth.reply_graph(inst, course)
    isolated = sum(1 for node in course.enrollments if graph.degree(node) == 0)
    assert _printed_after(cf.discussions.discussion_metrics.__doc__, 'int(metrics["isolated"].sum())') == isolated


def test_students_missing_two_or_more(sample):
    inst, course, _ = sample
    missing = truth.submissions(inst, course).groupby("student_id")["missing"].sum()
    expected = int((missing >= 2).sum())
    assert _printed_after(cf.reports.student_table.__doc__, 'int((table["missing"] >= 2).sum())') == expected


def test_comment_roles_and_review_states(sample):
    inst, course, _ = sample
    roles = truth.submission_comments(inst, course).groupby("author_role", dropna=False).size()
    doc = cf.load_submission_comments.__doc__
    assert {k: _number(doc, k) for k in ("peer", "student", "ta", "teacher", "NaN")} == {
        ("NaN" if pd.isna(k) else k): int(v) for k, v in roles.items()
    }
    states = truth.peer_reviews(inst, course).groupby("assignment_id")["workflow_state"].value_counts()
    printed = _rows(cf.load_peer_reviews.__doc__, str(states.unstack(fill_value=0).iloc[0]["assigned"]), 2)
    expected = states.unstack(fill_value=0)[["assigned", "completed"]]
    assert [[int(c) for c in row] for row in printed] == expected.reset_index().to_numpy().tolist()


def test_quizzes_and_their_question_counts(sample):
    inst, course, _ = sample
    quizzes = inst.quizzes(course)
    doc = cf.load_quizzes.__doc__ or ""
    for n, quiz in enumerate(quizzes):  # "0   Quiz 2   assignment   20  classic"
        line = re.search(rf"^\s*{n}\s+(.+?)\s+(\w+)\s+(\d+)\s+classic\s*$", doc, re.MULTILINE)
        assert line and line.groups() == (quiz.title, quiz.quiz_type, str(len(quiz.questions)))
    # The course on New Quizzes: its New Quiz first (type not sent: NaN), then its classic ones.
    moved = inst.courses[inst.new_quizzes_course_id]
    listed = [(z.title, "NaN", "new") for z in inst.quizzes(moved, "new")]
    listed += [(z.title, z.quiz_type, "classic") for z in inst.quizzes(moved)]
    example = doc.split("sample_new_quizzes_course_id")[1]
    for n, (title, kind, engine) in enumerate(listed):
        assert re.search(rf"^\s*{n}\s+{re.escape(title)}\s+{kind}\s+{engine}\s*$", example, re.MULTILINE)
    counts = re.search(r"questions per quiz\n\s*\[([\d, ]+)\]", cf.load_quiz_options.__doc__ or "")
    assert counts and [int(c) for c in counts.group(1).split(",")] == [len(q.questions) for q in quizzes]
    # alpha: sent for a quiz with more than 15 choice questions only.
    alphas = re.search(r"notna\(\)\.tolist\(\)\n\s*\[(.+)\]", cf.load_quiz_items.__doc__ or "")
    choice = [sum(q.question_type in cf.assessment.CHOICE_TYPES for q in z.questions) for z in quizzes]
    assert alphas and alphas.group(1) == ", ".join(str(k > cf.assessment.MIN_ITEMS_FOR_ALPHA) for k in choice)
