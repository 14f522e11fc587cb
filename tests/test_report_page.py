"""``canvasframe report``: one HTML file, opened offline in Debian's chromium, that answers as the sample's events say.

Expectations come from the sandbox's own generated events (tests/truth.py), never from the report's code.
Screenshots are saved in test-artifacts/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zoneinfo

import pandas as pd
import pytest

import canvasframe as cf
from canvasframe._sample import sample_config
from canvasframe.app.report import Column, _script_json, sortable_table
from canvasframe.sandbox.institution import Institution
from canvasframe.sandbox.model import TZ_NAMES

from . import truth
from .browser import ARTIFACTS, browser_page, requires, sample_environment


@pytest.fixture(scope="module")
def course():
    inst = Institution(sample_config())
    return inst, inst.courses[cf.sample(quiet=True).sample_course_id]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = subprocess.run(
        [sys.executable, "-m", "canvasframe", "report", "--sample", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=sample_environment(out),
    )
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("course-*.html")
    assert str(path) in result.stdout
    return path


def _local_daily_views(course, student_id: int) -> pd.Series:
    views = truth.page_views(course)
    views = views[views["student_id"] == student_id]
    days = views["hour"].dt.tz_convert(TZ_NAMES[course.tz_offset]).dt.strftime("%Y-%m-%d")
    return views.groupby(days)["views"].sum()


def test_the_page_is_one_file_that_holds_no_secret_and_no_link_to_the_network(report_file):
    page = report_file.read_text()
    assert "sandbox-token" not in page
    # Scripts and styles are inline: no src= or href= that would fetch anything.
    assert "<script src" not in page and '<link rel="stylesheet"' not in page
    assert "cdn." not in page.split("<script>", 1)[0]


@requires()
def test_the_report_opens_offline_and_its_tooltips_picker_dates_and_sorting_work(report_file, course):
    inst, course = course
    zone = TZ_NAMES[course.tz_offset]
    errors: list[str] = []
    foreign: list[str] = []
    with browser_page("about:blank", console_errors=errors) as page:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else (
            foreign.append(route.request.url), route.abort()))  # fmt: skip
        page.goto(report_file.as_uri())
        page.wait_for_selector("#chart-activity .main-svg")
        page.screenshot(path=str(ARTIFACTS / "report-page.png"), full_page=True)

        # A tooltip: the mouse over the course chart's busiest day shows that day's page views.
        activity = truth.course_activity(course)
        busiest = activity.loc[activity["views"].idxmax()]
        day = pd.Timestamp(busiest["date"]).strftime("%Y-%m-%d")
        x, y = page.evaluate(
            """(day) => {
                const gd = document.getElementById('chart-activity');
                const trace = gd.data[0], i = trace.x.indexOf(day);
                const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
                return [box.left + gd._fullLayout.xaxis.d2p(day), box.top + gd._fullLayout.yaxis.d2p(trace.y[i])];
            }""",
            day,
        )
        page.mouse.move(x, y)
        tooltip = page.wait_for_selector("#chart-activity .hovertext")
        assert f"{int(busiest['views'])} page views" in tooltip.text_content()

        # The picker: a student chosen by name gets their own views per local day, their missing work, their name.
        roster = truth.enrollments(inst, course)
        summaries = truth.student_summaries(course)
        missing = summaries.set_index("student_id")["missing"]
        student = int(missing.idxmax())
        name = roster.set_index("student_id").loc[student, "sortable_name"]
        page.select_option("#student-picker", label=name)
        shown = page.evaluate(
            "() => { const gd = document.getElementById('chart-student');"
            " return [gd.data[0].x, gd.data[0].y, gd.layout.title.text]; }"
        )
        expected = _local_daily_views(course, student)
        drawn = pd.Series(shown[1], index=shown[0])
        pd.testing.assert_series_equal(
            drawn[drawn > 0], expected[expected > 0], check_names=False, check_index_type=False
        )
        assert name in shown[2]
        assert page.text_content('[data-card="missing"]') == str(int(missing[student]))
        listed = page.locator("#student-work tbody tr").all_text_contents()
        assert sum("missing" in row for row in listed) == int(missing[student])
        assert page.get_attribute(f'#students tr[data-student="{student}"]', "class") == "picked"
        page.screenshot(path=str(ARTIFACTS / "report-picked-student.png"), full_page=True)

        # The dates: a narrower range moves both time axes and the readout says it, in the course's zone.
        page.fill("#range-from", "2026-10-01")
        page.fill("#range-to", "2026-10-31")
        page.dispatch_event("#range-to", "change")
        ranges = page.evaluate(
            "() => ['chart-activity', 'chart-student'].map(id => document.getElementById(id).layout.xaxis.range[0])"
        )
        assert all(str(start).startswith("2026-10-01") for start in ranges)
        assert page.text_content("#range-readout") == f"Showing Thu, 1 Oct 2026 – Sat, 31 Oct 2026 ({zone})"

        # Sorting: a click on "page views" orders the students as the sample's totals do (ties keep name order).
        page.click("#students th:has-text('page views')")
        ids = [
            int(i) for i in page.eval_on_selector_all("#students tbody tr", "rows => rows.map(r => r.dataset.student)")
        ]
        by_name = roster.sort_values("sortable_name", kind="stable")["student_id"].tolist()
        views = summaries.set_index("student_id")["page_views"]
        assert ids == sorted(by_name, key=lambda s: views[s])
        page.click("#students th:has-text('page views')")
        ids = [
            int(i) for i in page.eval_on_selector_all("#students tbody tr", "rows => rows.map(r => r.dataset.student)")
        ]
        assert [views[s] for s in ids] == sorted(views, reverse=True)
    assert errors == [] and foreign == []


def test_names_false_shows_ids_only(tmp_path, course):
    inst, course = course
    from canvasframe.app.report import write_report

    canvas = cf.sample(quiet=True, names=False)
    path = write_report(canvas, course.id, tmp_path, as_of=canvas.sample_as_of)
    page = path.read_text()
    names = truth.enrollments(inst, course)
    assert not any(name in page for name in names["sortable_name"])
    assert not any(name in page for name in names["name"])
    first = int(names["student_id"].min())
    assert f">Student {first}</option>" in page


def test_every_cell_and_the_page_data_are_escaped():
    hostile = pd.DataFrame({"title": ["<script>alert(1)</script>"], "n": [1]})
    table = sortable_table("t", hostile, [Column("title", "title"), Column("n", "n", numeric=True)])
    assert "<script>" not in table and "&lt;script&gt;" in table
    text = _script_json({"title": "</script><!--"})
    assert "</" not in text and "<!--" not in text and json.loads(text) == {"title": "</script><!--"}


def test_the_local_due_dates_are_in_the_course_zone(report_file, course):
    _, course = course
    zone = zoneinfo.ZoneInfo(TZ_NAMES[course.tz_offset])
    first_due = min(a.due_at for a in course.assignments if a.due_at is not None)
    page = report_file.read_text()
    assert first_due.astimezone(zone).strftime("%a %d %b %Y %H:%M") in page
    assert "+00:00" not in page.split('id="report-data"')[0]
