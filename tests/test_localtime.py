"""One notion of local time: the zone rule, the course's zone read once, localize, and the plots that use it."""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe.client import set_default_canvas
from canvasframe.localtime import display_zone
from canvasframe.sandbox.model import TZ_NAMES

from . import truth


def test_courses_state_iana_zones_without_fixed_offsets(canvas, institution):
    courses = cf.load_courses(institution.root_account.id, canvas=canvas)
    zones = dict(zip(courses["course_id"], courses["time_zone"], strict=True))
    for course in institution.courses.values():
        if course.id in zones:
            assert zones[course.id] == TZ_NAMES[course.tz_offset]
            assert not zones[course.id].startswith("Etc/")
            zoneinfo.ZoneInfo(zones[course.id])  # a name zoneinfo knows


def test_the_zone_rule_and_the_course_read_once(sandbox, connect, institution):
    course = truth.first_course(institution)
    frame = pd.DataFrame({"course_id": [course.id, course.id]})
    assert display_zone(frame=frame) == "UTC"  # no session at all
    canvas = connect(sandbox)
    sandbox.clear_log()
    assert display_zone(frame=frame, canvas=canvas) == TZ_NAMES[course.tz_offset]  # the course's own
    assert display_zone(course_id=course.id, canvas=canvas) == TZ_NAMES[course.tz_offset]
    assert sandbox.request_log.count(f"/api/v1/courses/{course.id}") == 1  # read once per session
    assert display_zone("Asia/Tokyo", frame=frame, canvas=canvas) == "Asia/Tokyo"  # the call's own
    two = pd.DataFrame({"course_id": [course.id, course.id + 1]})
    assert display_zone(frame=two, canvas=canvas) == "UTC"  # no one course in view
    chosen = connect(sandbox, tz="Europe/Paris")
    assert display_zone(frame=frame, canvas=chosen) == "Europe/Paris"  # the session's
    offline = connect(sandbox, offline=True)
    sandbox.clear_log()
    assert display_zone(frame=frame, canvas=offline) == "UTC" and sandbox.request_log == []
    with pytest.raises(cf.ConfigError, match="time zone"):
        connect(sandbox, tz="Mars/Olympus")


def test_localize_converts_every_utc_column_and_keeps_the_instants(canvas, institution):
    course = truth.first_course(institution)
    enrollments = cf.load_enrollments(course.id, canvas=canvas)
    local = cf.localize(enrollments, canvas=canvas)
    zone = TZ_NAMES[course.tz_offset]
    assert local.attrs["time_zone"] == zone
    for column in ("created_at", "last_activity_at"):
        assert str(local[column].dtype) == f"datetime64[us, {zone}]"
        pdt.assert_series_equal(local[column].dt.tz_convert("UTC"), enrollments[column])
    activity = cf.load_course_activity(course.id, canvas=canvas)
    pdt.assert_series_equal(cf.localize(activity, "Asia/Tokyo")["date"], activity["date"])  # naive days stay


def test_the_heatmap_defaults_to_the_course_zone(canvas, institution):
    set_default_canvas(canvas)  # as cf.connect() makes it: plots read the default session's zone
    course = truth.first_course(institution)
    page_views = cf.load_page_views(course.id, canvas=canvas)
    zone = TZ_NAMES[course.tz_offset]
    ax = cf.plots.plot_page_view_heatmap(page_views)
    assert ax.get_title().endswith(f"({zone})")
    expected = np.zeros((7, 24))
    for hour, views in zip(truth.page_views(course)["hour"], truth.page_views(course)["views"], strict=True):
        local = hour.tz_convert(zone)
        expected[local.day_of_week, local.hour] += views
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)


def test_reports_and_explorers_say_which_zone(canvas, institution):
    set_default_canvas(canvas)
    course = truth.first_course(institution)
    weekly = cf.reports.weekly_activity(
        cf.load_page_views(course.id, canvas=canvas), cf.load_participations(course.id, canvas=canvas)
    )
    assert weekly.attrs["time_zone"] == TZ_NAMES[course.tz_offset]
    explorer = cf.widgets.CourseExplorer(course.id, canvas=canvas)
    assert explorer.tz == TZ_NAMES[course.tz_offset]
    assert course.name in explorer.children[0].value  # the course's name, not "Course 1234"
