"""The explorers, driven programmatically against the sandbox: pick something, check what was drawn."""

from __future__ import annotations

import numpy as np
import pytest

import canvasframe as cf
from canvasframe.client import Canvas

from . import truth


@pytest.fixture
def course(institution):
    return next(c for c in institution.courses.values() if c.enrollments)


@pytest.fixture
def explorer(canvas, course):
    return cf.widgets.CourseExplorer(course.id, canvas=canvas)


def _heatmap_total(explorer) -> float:
    return float(explorer.figures["student_heatmap"].axes[0].images[0].get_array().sum())


def test_course_explorer_has_three_tabs_and_no_error(explorer):
    assert [explorer.tabs.get_title(i) for i in range(3)] == ["Overview", "Assignments", "Students"]
    assert "Could not" not in explorer.status.value


def test_picking_a_student_draws_that_students_figures(explorer, course):
    expected = truth.page_views(course).groupby("student_id")["views"].sum()
    first, second = (value for _, value in explorer.student_picker.options[:2])
    assert explorer.shown_student == first
    assert _heatmap_total(explorer) == expected[first]
    explorer.student_picker.value = second
    assert explorer.shown_student == second
    assert _heatmap_total(explorer) == expected[second]
    assert f"<td>{second}</td>" in explorer.student_table.value


def test_student_scores_are_drawn_against_the_quartiles(explorer, course):
    student = explorer.shown_student
    dots = explorer.figures["student_scores"].axes[0].collections[-1].get_offsets()[:, 1]
    all_results = truth.student_assignments(course)
    mine = all_results[all_results["student_id"] == student]
    graded = mine.dropna(subset=["median"]).sort_values(["due_at", "assignment_id"])
    np.testing.assert_allclose(np.ma.filled(dots, np.nan), (graded["score"] / graded["points_possible"] * 100))


def test_engagement_filter_and_search(explorer, course):
    summaries = truth.student_summaries(course)
    explorer.engagement.value = "missing ≥ 2"
    shown = sorted(value for _, value in explorer.student_picker.options)
    assert shown == sorted(summaries.loc[summaries["missing"] >= 2, "student_id"])
    target = shown[-1]
    explorer.search.value = str(target)
    assert [value for _, value in explorer.student_picker.options] == [target]
    assert explorer.shown_student == target
    explorer.search.value = "no such student"
    assert explorer.student_picker.options == () and explorer.shown_student is None
    assert "No student matches" in explorer.student_table.value


def test_date_range_filters_the_overview(explorer):
    options = explorer.date_range.options
    explorer.date_range.index = (7, 13)
    shown = explorer.shown_activity
    assert shown["date"].dt.date.min() == options[7] and shown["date"].dt.date.max() == options[13]
    ax = explorer.figures["activity"].axes[0]
    assert len(ax.lines[0].get_xdata()) == 7  # one point per day of the range


def test_assignment_picker_limits_the_boxes(explorer):
    some = [value for _, value in explorer.assignment_picker.options[:3]]
    explorer.assignment_picker.value = some
    assert sorted(explorer.shown_assignments["assignment_id"]) == sorted(some)
    ax = explorer.figures["tardiness"].axes[0]
    assert len(ax.get_xticklabels()) == 3


def test_errors_show_inside_the_widget(sandbox, course, tmp_path):
    broken = Canvas(sandbox.url, "revoked-token-00000000000000", cache_dir=tmp_path, retries=0)
    explorer = cf.widgets.CourseExplorer(course.id, canvas=broken)
    assert f"Could not load course {course.id}" in explorer.status.value
    assert "Invalid access token" in explorer.status.value
    assert not hasattr(explorer, "tabs")


def test_department_explorer_toggles_terms(canvas, institution):
    account = institution.root_account.id
    explorer = cf.widgets.DepartmentExplorer(account, canvas=canvas)
    assert set(explorer.grades["term"]) == {"current"}
    explorer.term.value = "completed"
    assert set(explorer.grades["term"]) == {"completed"}
    completed = institution.department_courses(account, "completed")
    assert explorer.subaccounts["courses"].sum() == len(completed)
    assert "Department of" in explorer.subaccount_table.value
    explorer.term.value = "term id"
    explorer.term_id.value = 999999
    assert "Could not load term 999999" in explorer.status.value
