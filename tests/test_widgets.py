"""The explorers, driven programmatically against the sandbox: pick something, check what was drawn."""

from __future__ import annotations

import itertools
import re
import zoneinfo
from datetime import timedelta

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch

import canvasframe as cf
from canvasframe.client import Canvas
from canvasframe.sandbox.model import TZ_NAMES

from . import truth


@pytest.fixture
def course(institution):
    return next(c for c in institution.courses.values() if c.enrollments)


@pytest.fixture
def explorer(canvas, course):
    return cf.widgets.CourseExplorer(course.id, canvas=canvas)


def _heatmap_total(explorer) -> float:
    return float(explorer.figures["student_heatmap"].axes[0].images[0].get_array().sum())


def test_course_explorer_has_four_tabs_and_no_error(explorer):
    titles = [explorer.tabs.get_title(i) for i in range(4)]
    assert titles == ["Overview", "Assignments", "Students", "Communication"]
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


def test_the_students_sessions_are_drawn_from_their_page_view_log(explorer, course, sandbox):
    """One box per week of the student's sessions; as many sessions as the sandbox's log of the course has."""
    student = explorer.shown_student
    times = sorted(r.created_at for r in sandbox.page_views.log(student) if r.context_id == course.id)
    now = sandbox.page_views.clock()
    first_month = now.replace(year=now.year - 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    times = [t for t in times if t >= first_month]
    sittings = 1 + sum(b - a > timedelta(minutes=30) for a, b in itertools.pairwise(times))
    boxes = explorer.figures["student_sessions"].axes[0]
    zone = zoneinfo.ZoneInfo(TZ_NAMES[course.tz_offset])  # the explorer shows the course's own weeks
    local = [t.astimezone(zone) for t in times]
    assert len(boxes.get_xticklabels()) == len({(t - timedelta(days=t.weekday())).date() for t in local})
    assert sittings == len(cf.clickstream.sessions(cf.load_page_view_log(course.id, student_id=student,
                                                                         canvas=explorer.canvas)))  # fmt: skip
    assert "Could not" not in explorer.status.value


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
    first, last = options[7][1], options[13][1]
    assert shown["date"].dt.date.min() == first and shown["date"].dt.date.max() == last
    # The slider's labels are short enough for its readout; the whole range is spelled out below it.
    assert options[7][0] == f"{first:%d %b}" and all(len(label) <= 6 for label, _ in options)
    assert explorer.range_readout.value == f"Showing {first:%a %d %b %Y} – {last:%a %d %b %Y}"
    ax = explorer.figures["activity"].axes[0]
    assert len(ax.lines[0].get_xdata()) == 7  # one point per day of the range


def test_assignment_picker_limits_the_boxes(explorer):
    some = [value for _, value in explorer.assignment_picker.options[:3]]
    explorer.assignment_picker.value = some
    assert sorted(explorer.shown_assignments["assignment_id"]) == sorted(some)
    ax = explorer.figures["tardiness"].axes[0]
    assert len(ax.get_xticklabels()) == 3


def _network_drawn(explorer) -> tuple[int, int, int, int]:
    """What the Communication tab's reply network figure shows: arrows, nodes, ringed nodes, arrows in colour."""
    ax = explorer.figures["reply_network"].axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    grey = to_rgba("0.7", 0.6)
    nodes = sum(len(c.get_offsets()) for c in ax.collections)
    ringed = sum(int((np.asarray(c.get_linewidths()) == 2.5).sum()) for c in ax.collections)
    return len(arrows), nodes, ringed, sum(p.get_edgecolor() != grey for p in arrows)


def test_communication_loads_only_when_its_tab_opens(canvas, sandbox, institution, course):
    sandbox.clear_log()
    explorer = cf.widgets.CourseExplorer(course.id, canvas=canvas)
    assert not any("discussion_topics" in path for path, _ in sandbox.query_log)
    explorer.tabs.selected_index = 3
    assert any(path.endswith("/view") for path, _ in sandbox.query_log)
    topics = [t for t in institution.forums[course.id].topics if not t.is_announcement]
    assert sorted(explorer.communication.topic_picker.options) == sorted((t.title, t.id) for t in topics)
    assert explorer.communication.topic_picker.value == tuple(explorer.communication.topics["topic_id"])
    expected = truth.reply_graph(institution, course)
    assert _network_drawn(explorer)[:2] == (expected.number_of_edges(), expected.number_of_nodes())
    assert "Could not" not in explorer.status.value


def test_picking_topics_redraws_that_network(explorer, institution, course):
    explorer.tabs.selected_index = 3
    threaded = next(t for t in institution.forums[course.id].topics if t.kind == "threaded")
    explorer.communication.topic_picker.value = (threaded.id,)
    expected = truth.reply_graph(institution, course, topic_ids=[threaded.id])
    assert _network_drawn(explorer)[:2] == (expected.number_of_edges(), expected.number_of_nodes())
    timeline = explorer.figures["discussion_timeline"].axes[0]
    assert [line.get_label() for line in timeline.get_lines() if not line.get_label().startswith("_")] == [
        threaded.title
    ]
    metrics = explorer.communication.metrics.set_index("user_id")
    assert {u: int(metrics.loc[u, "out_degree"]) for u in expected} == dict(expected.out_degree())


def test_a_student_picked_anywhere_is_ringed_in_the_network(explorer, institution, course):
    expected = truth.reply_graph(institution, course)
    posters = sorted(s for s in course.enrollments if expected.degree(s) > 0)
    explorer.student_picker.value = posters[0]  # picked in the Students tab before Communication opens
    explorer.tabs.selected_index = 3
    tab = explorer.communication
    assert tab.highlight.value == posters[0]
    assert _network_drawn(explorer)[2:] == (1, expected.degree(posters[0]))
    tab.highlight.value = posters[1]  # picked in the tab itself
    assert _network_drawn(explorer)[2:] == (1, expected.degree(posters[1]))
    assert f"Highlighted: {posters[1]}" in tab.person_table.value
    assert f"<td>{posters[1]}</td>" in tab.person_table.value
    explorer.student_picker.value = posters[2]  # the Students tab still leads once Communication is open
    assert tab.highlight.value == posters[2]
    tab.highlight.value = None
    assert _network_drawn(explorer)[2:] == (0, 0) and tab.person_table.value == ""


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


# -- the Instructor view ---------------------------------------------------------------------------


def _instructor(explorer):
    explorer.tabs.selected_index = 4
    return explorer.instructor


def test_instructor_view_filters_the_student_table_by_the_submission_events(explorer, institution, course):
    tab = _instructor(explorer)
    assert "Could not" not in explorer.status.value
    tab.table_filter.value = "missing ≥ 2"
    missing = {sid: sum(s.status == "missing" for s in e.submissions.values()) for sid, e in course.enrollments.items()}
    assert sorted(tab.shown_table["student_id"]) == sorted(s for s, n in missing.items() if n >= 2)
    assert list(tab.draft["student_id"]) == list(tab.shown_table["student_id"])
    first = tab.shown_table.iloc[0]
    assert f"Canvas shows {first['missing']} missing" in tab.draft.loc[0, "body"]
    assert f"<td>{first['student_id']}</td>" in tab.preview.value
    tab.body.value = "Your grade: {no_such_column}"
    assert tab.draft is None and "no_such_column" in tab.preview.value


def test_instructor_view_compares_a_section(explorer, institution, course):
    tab = _instructor(explorer)
    section = institution.roster(course).sections[0]
    tab.compare.value = ("section", section.id)
    assert (tab.weekly["selected_students"] == len(section.student_ids)).all()
    labels = [line.get_label() for line in explorer.figures["weekly_activity"].axes[0].get_lines()]
    assert "page views, section" in labels


def test_sending_is_off_on_the_sample_and_takes_two_clicks_elsewhere(make_server, connect, course):
    from canvasframe.sandbox import Institution

    from .conftest import TEST_CONFIG

    sample = cf.sample(quiet=True)
    off = _instructor(cf.widgets.CourseExplorer(sample.sample_course_id, canvas=sample))
    assert off.send_button.disabled and "off" in off.send_status.value

    fresh = Institution(TEST_CONFIG)
    server = make_server(inst=fresh)
    tab = _instructor(cf.widgets.CourseExplorer(course.id, canvas=connect(server)))
    tab.table_filter.value = "missing ≥ 2"
    n = len(tab.draft)
    tab.send_button.click()
    assert not server.posted and tab.send_button.description == f"Confirm: send {n} message(s)"
    tab.cancel_button.click()
    tab.send_button.click()
    tab.table_filter.value = "late ≥ 2"  # changing what is shown disarms the button
    assert tab.send_button.description == "Send…" and not server.posted
    tab.table_filter.value = "missing ≥ 2"
    tab.send_button.click()
    tab.send_button.click()
    assert sorted(int(f["recipients[]"][0]) for f in server.posted) == sorted(tab.draft["student_id"])
    assert f"{n} sent" in tab.send_status.value


def test_the_student_table_shows_canvas_text_as_text_never_markup():
    """A grade (or any text) Canvas holds is escaped: a stored <img onerror> never reaches the page as markup."""
    import pandas as pd

    from canvasframe.widgets.instructor import styled_table

    attack = '<img src=x onerror="alert(1)">'
    table = pd.DataFrame(
        {"student_id": [1], "section_id": [2], "current_score": [50.0], "current_grade": [attack], "on_time": [0],
         "late": [0], "missing": [3], "excused": [0], "last_activity_at": [pd.NaT],
         "days_since_activity": pd.array([None], dtype="Int64")}
    )  # fmt: skip
    html = styled_table(table)
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html.replace("&quot;", "&#34;")


def test_channel_toggles_pick_what_the_communication_network_shows(explorer, institution, course):
    explorer.tabs.selected_index = 3
    tab = explorer.communication
    every = tab.channels
    assert set(every["channel"]) == set(cf.network.CHANNELS)
    drawn = explorer.figures["channel_network"].axes[0]
    assert sum(isinstance(p, FancyArrowPatch) for p in drawn.patches) == len(every)
    tab.channel_toggles["reply"].value = False
    tab.channel_toggles["message"].value = False
    kept = every[every["channel"].isin(["feedback", "peer_review"])]
    drawn = explorer.figures["channel_network"].axes[0]
    assert sum(isinstance(p, FancyArrowPatch) for p in drawn.patches) == len(kept)
    assert "<td>feedback</td>" in tab.channel_table.value and "<td>reply</td>" not in tab.channel_table.value
    mix = explorer.figures["channel_mix"].axes[0]
    assert [c.get_label() for c in mix.containers] == ["feedback on work", "peer reviews"]
    for toggle in tab.channel_toggles.values():
        toggle.value = False
    assert "Pick at least one channel" in tab.channel_table.value


def test_the_instructor_table_shows_names_local_times_and_readable_durations(explorer, course):
    explorer.tabs.selected_index = 4
    html = explorer.instructor.table_html.value
    zone = TZ_NAMES[course.tz_offset]
    assert f"last activity ({zone})" in html
    some = course.enrollments[min(course.enrollments)]
    assert some.student.sortable_name in html  # the name Canvas sends with the enrollment
    assert " days " not in html  # durations read "8 h 14 min", never "0 days 08:14:08"
    assert re.search(r"<td[^>]*>\d+ h \d+ min</td>", html)


def test_students_are_picked_by_name_and_shown_with_their_id(explorer, course):
    labels = dict((value, label) for label, value in explorer.student_picker.options)
    for student_id, label in labels.items():
        name = course.enrollments[student_id].student.sortable_name
        assert label.startswith(f"{student_id} — {name} — ")  # the id first, then the name Canvas sends
    someone = course.enrollments[min(course.enrollments)].student
    text = someone.sortable_name.split(",")[0].upper()  # a last name, in any case
    explorer.search.value = text
    found = [value for _, value in explorer.student_picker.options]
    expected = {s for s in labels if text.casefold() in course.enrollments[s].student.sortable_name.casefold()}
    assert someone.id in found and set(found) == expected


def test_the_drafts_preview_names_who_each_message_goes_to(explorer, course):
    tab = _instructor(explorer)
    tab.table_filter.value = "missing ≥ 2"
    first = int(tab.draft.loc[0, "student_id"])
    name = course.enrollments[first].student.sortable_name
    assert f"<td>{name}</td>\n      <td>{first}</td>" in tab.preview.value
    assert "name" not in tab.draft.columns  # what would be sent holds ids, never names


def test_a_session_without_names_shows_ids_everywhere(sandbox, connect, course):
    canvas = connect(sandbox, names=False)
    explorer = cf.widgets.CourseExplorer(course.id, canvas=canvas)
    names = [e.student.sortable_name for e in course.enrollments.values()] + [
        e.student.name for e in course.enrollments.values()
    ]
    picker = " ".join(label for label, _ in explorer.student_picker.options)
    assert not any(name in picker for name in names)
    assert all(label.startswith(f"{value} — ") for label, value in explorer.student_picker.options)
    tab = _instructor(explorer)
    shown = tab.table_html.value + tab.preview.value + " ".join(label for label, _ in tab.compare.options)
    assert not any(name in shown for name in names)
    explorer.student_picker.value = explorer.student_picker.options[0][1]
    ticks = [t.get_text() for t in explorer.figures["student_participations"].axes[0].get_yticklabels()]
    assert ticks == [str(explorer.student_picker.value)]


def test_the_picked_students_participations_are_labelled_with_their_name(explorer, course):
    student = explorer.student_picker.options[0][1]
    explorer.student_picker.value = student
    ticks = [t.get_text() for t in explorer.figures["student_participations"].axes[0].get_yticklabels()]
    assert ticks == [course.enrollments[student].student.sortable_name]


def test_the_quizzes_tab_maps_the_picked_quiz_and_shows_the_picked_questions_options(explorer, institution, course):
    explorer.tabs.selected_index = 5  # as if the Quizzes tab were clicked: the quizzes load now
    tab = explorer.quizzes
    assert tab.loaded and "Could not" not in explorer.status.value
    quizzes = institution.quizzes(course)
    assert [value for _, value in tab.quiz_picker.options] == [q.id for q in quizzes]
    graded = quizzes[0]
    choice = [q for q in graded.questions if q.question_type in cf.assessment.CHOICE_TYPES]
    assert [value for _, value in tab.question_picker.options] == [str(q.id) for q in choice]
    assert tab.item_table.value.count("<tr") == len(graded.questions) + 1  # a header and a row per question
    # Picking another question redraws its options: one bar per option, the shares the students chose.
    question = choice[-1]
    tab.question_picker.value = str(question.id)
    ax = explorer.figures["distractors"].axes[0]
    answered = [
        a.answers[question.id].option_ids for a in graded.attempts.values() if a.answers[question.id].option_ids
    ]
    assert [bar.get_width() for bar in ax.patches] == pytest.approx(
        [sum(o.id in ids for ids in answered) / len(answered) for o in question.options]
    )
    tab.quiz_picker.value = quizzes[1].id
    assert [value for _, value in tab.question_picker.options] == [
        str(q.id) for q in quizzes[1].questions if q.question_type in cf.assessment.CHOICE_TYPES
    ]


def test_the_quizzes_tab_of_a_course_on_new_quizzes_names_each_kind_and_maps_the_new_quiz(canvas, institution):
    course = institution.courses[institution.new_quizzes_course_id]
    explorer = cf.widgets.CourseExplorer(course.id, canvas=canvas)
    explorer.tabs.selected_index = 5
    tab = explorer.quizzes
    assert tab.loaded and "Could not" not in explorer.status.value
    (new,) = institution.quizzes(course, "new")
    practice = institution.quizzes(course)
    assert list(tab.quiz_picker.options) == [(f"{new.title} (New Quiz)", new.id)] + [
        (f"{q.title} ({q.quiz_type.replace('_', ' ')})", q.id) for q in practice
    ]
    # The New Quiz's items come from its Item Analysis report: a row per question, choice questions pickable.
    assert tab.item_table.value.count("<tr") == len(new.questions) + 1
    choice = [str(q.id) for q in new.questions if q.question_type in cf.assessment.CHOICE_TYPES]
    assert [value for _, value in tab.question_picker.options] == choice
