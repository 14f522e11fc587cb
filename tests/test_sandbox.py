"""The sandbox is a faithful Canvas: its endpoints agree with each other and with Canvas's rules."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest
import requests

from canvasframe.sandbox import Config, Institution, SandboxServer, views
from canvasframe.sandbox.handler import stringify_ids

from .conftest import TOKEN


def _get(server, path, **params):
    response = requests.get(
        f"{server.url}/api/v1/{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    response.raise_for_status()
    return response


def test_same_config_same_institution():
    a, b = Institution(Config(seed=4, weeks=3)), Institution(Config(seed=4, weeks=3))
    course_a, course_b = next(iter(a.courses.values())), next(iter(b.courses.values()))
    assert views.student_summaries(course_a) == views.student_summaries(course_b)
    assert views.course_assignments(course_a) == views.course_assignments(course_b)


def test_institution_has_the_promised_structure(institution):
    assert len(institution.subaccounts_of(institution.root_account.id)) >= 2
    assert len(institution.terms) >= 3
    profiles = {e.student.profile for c in institution.courses.values() for e in c.enrollments.values()}
    assert profiles == {"steady", "late_starter", "fading", "never_submits", "night_owl"}
    statuses = {
        s.status for c in institution.courses.values() for e in c.enrollments.values() for s in e.submissions.values()
    }
    assert statuses == {"on_time", "late", "missing", "floating"}
    offsets = {a.tz_offset for c in institution.courses.values() for a in c.assignments}
    assert len(offsets) >= 2


def test_course_activity_is_the_sum_of_student_page_views(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    daily = {row["date"]: row["views"] for row in _get(sandbox, f"courses/{course.id}/analytics/activity").json()}
    summed: Counter[str] = Counter()
    for student_id in course.enrollments:
        pv = _get(sandbox, f"courses/{course.id}/analytics/users/{student_id}/activity").json()["page_views"]
        for key, count in pv.items():
            # keys carry the student's offset; the course's days are UTC
            from datetime import datetime, timezone

            summed[datetime.fromisoformat(key).astimezone(timezone.utc).strftime("%Y-%m-%d")] += count
    assert daily == {d: v for d, v in summed.items() if v}


def test_tardiness_fractions_match_student_statuses(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    rows = _get(sandbox, f"courses/{course.id}/analytics/assignments").json()
    summaries = _get(sandbox, f"courses/{course.id}/analytics/student_summaries", per_page=100).json()
    missing_total = sum(s["tardiness_breakdown"]["missing"] for s in summaries)
    assert missing_total == pytest.approx(
        sum(r["tardiness_breakdown"]["missing"] * r["tardiness_breakdown"]["total"] for r in rows)
    )


def test_real_shape_omits_statistics_for_ungraded_work(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    rows = _get(sandbox, f"courses/{course.id}/analytics/assignments").json()
    ungraded = [r for r in rows if r["points_possible"] is None]
    assert ungraded and all("median" not in r for r in ungraded)
    assert all("unlock_at" not in r and "floating" not in r["tardiness_breakdown"] for r in rows)


def test_page_size_is_capped_at_100_and_defaults_to_10(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    assert len(_get(sandbox, f"courses/{course.id}/analytics/student_summaries").json()) == 10
    big = _get(sandbox, f"courses/{course.id}/analytics/student_summaries", per_page=1000)
    assert len(big.json()) == min(100, len(course.enrollments))
    assert 'rel="current"' in big.headers["Link"]


def test_unknown_sort_column_falls_back_to_name(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    by_name = _get(sandbox, f"courses/{course.id}/analytics/student_summaries", per_page=100).json()
    bogus = _get(sandbox, f"courses/{course.id}/analytics/student_summaries", per_page=100, sort_column="zzz").json()
    assert by_name == bogus
    names = [course.enrollments[r["id"]].student.sortable_name for r in by_name]
    assert names == sorted(names)


def test_rate_limit_headers_are_sent(sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    response = _get(sandbox, f"courses/{course.id}/analytics/activity")
    assert float(response.headers["X-Rate-Limit-Remaining"]) <= 600
    assert float(response.headers["X-Request-Cost"]) >= 0


def test_string_ids_convert_every_id_field():
    body = {"id": 1, "assignment_id": 2, "module_ids": [3, 4], "nested": [{"course_id": 5}], "views": 6}
    assert stringify_ids(body) == {
        "id": "1",
        "assignment_id": "2",
        "module_ids": ["3", "4"],
        "nested": [{"course_id": "5"}],
        "views": 6,
    }


def test_binds_to_loopback_by_default():
    with SandboxServer(
        config=Config(seed=1, subaccounts=1, courses_per_subaccount=1, students_per_course=3, weeks=2)
    ) as server:
        assert server.url.startswith("http://127.0.0.1:")


def test_canvasframe_serve_answers_curl_style_requests(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "canvasframe", "serve", "--port", "0", "--seed", "7", "--students", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = proc.stdout.readline()
        url = banner.split(" at ")[1].split("/api/v1")[0]
        course_line = next(line for line in iter(proc.stdout.readline, "") if "students" in line and " 5 " in line)
        course_id = course_line.split()[1]
        deadline = time.monotonic() + 10
        while True:
            try:
                response = requests.get(
                    f"{url}/api/v1/courses/{course_id}/analytics/activity",
                    headers={"Authorization": "Bearer sandbox-token"},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200 and response.json() and "views" in response.json()[0]
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
