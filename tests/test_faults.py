"""The fault matrix: every injected fault against every kind of loader, over real HTTP.

Each cell must end as the exact frame (after retries) or a typed canvasframe error naming
the cause; a failed pull writes nothing to the cache and leaves earlier entries intact.
The matrix is printed at the end of the test report (see conftest.pytest_terminal_summary).
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe._http import Limits
from canvasframe.sandbox import FaultPlan, SandboxSettings

from . import truth

MATRIX: dict[tuple[str, str], str] = {}  # (fault, kind) -> outcome, for the report

# kind -> (loader, path pattern the fault hits, expected frame builder)
KINDS = {
    "department": ("department_grades", r"/analytics/current/grades$"),
    "course": ("course_activity", r"/courses/\d+/analytics/activity$"),
    "paginated": ("student_summaries", r"/analytics/student_summaries$"),
    "fan-out": ("page_views", None),  # one student's path, chosen per course
    "async": ("course_assignments", r"/analytics/assignments$"),
}

# fault -> (how many times it fires; None = every time), expected outcome for each kind
TRANSIENT = "frame"
FAULTS: dict[str, tuple[int | None, dict[str, object]]] = {
    "500": (2, {}),
    "502": (2, {}),
    "503": (2, {}),
    "reset": (2, {}),
    "timeout": (1, {}),
    "truncate": (2, {}),
    "invalid-json": (2, {}),
    "429 storm": (6, {}),
    "403 storm": (6, {}),
    "500 always": (None, {"*": cf.ServerError}),
    "html": (None, {"*": cf.ResponseFormatError}),
    "empty": (None, {"*": cf.ResponseFormatError}),
    "401": (1, {"*": cf.AuthenticationError}),
    "404": (
        1,
        {"department": cf.NotFound, "course": "empty", "paginated": "empty", "async": "empty", "fan-out": cf.NotFound},
    ),
    "self-link": (None, {"paginated": cf.ResponseFormatError, "fan-out": cf.ResponseFormatError}),
    # hostile servers, each pushing one of cf.Limits (set small below) or a Canvas paging quirk
    "duplicate row": (None, {"paginated": "warned", "fan-out": "warned"}),
    "endless next": (None, {"paginated": cf.ResponseFormatError, "fan-out": cf.ResponseFormatError}),
    "retry-after 1e9": (2, {}),
    "drip": (None, {"*": cf.NetworkError}),
    "gzip bomb": (None, {"*": cf.ResponseFormatError}),
    "redirect away": (None, {"*": cf.ResponseFormatError}),
    "huge error id": (None, {"*": cf.ServerError}),
}
_ON_THE_STUDENT_LIST = {"self-link", "duplicate row", "endless next"}  # a fan-out meets these paging its students
_KIND_OF_FAULT = {
    "429 storm": "429",
    "403 storm": "403-throttle",
    "500 always": "500",
    "duplicate row": "duplicate-row",
    "endless next": "endless-next",
    "retry-after 1e9": "retry-after-huge",
    "gzip bomb": "gzip-bomb",
    "redirect away": "redirect-away",
    "huge error id": "huge-error-id",
}
LIMITS = Limits(max_retry_after=0.01, deadline=2.0, max_body=2**20, max_pages=20)


def _entries(canvas) -> pd.DataFrame:
    """Cache entries, leaving out the student list a fan-out fetches (and keeps: it is complete) first."""
    info = cf.cache.info(canvas.cache_dir)
    return info[info["frame"] != "student_summaries"][["path", "fetched_at"]].reset_index(drop=True)


def _expected(institution, kind: str, course, account: int):
    if kind == "department":
        return None  # compared with a clean pull from an unfaulted server instead
    builder = {
        "course": truth.course_activity,
        "paginated": truth.student_summaries,
        "fan-out": truth.page_views,
        "async": truth.course_assignments,
    }[kind]
    return builder(course)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix(fault, kind, make_server, connect, institution, sandbox):
    course = next(c for c in institution.courses.values() if c.enrollments)
    other = [c for c in institution.courses.values() if c.enrollments][1]
    account = institution.root_account.id
    frame_name, pattern = KINDS[kind]
    if pattern is None:
        pattern = rf"/courses/{course.id}/analytics/users/{sorted(course.enrollments)[5]}/activity$"
    times, outcomes = FAULTS[fault]
    plan = FaultPlan(hang=1.5)
    server = make_server(faults=plan, settings=SandboxSettings(async_always=(kind == "async")))
    canvas = connect(server, timeout=(1, 0.5), throttle_retries=8, limits=LIMITS)
    earlier = cf.load_course_activity(other.id, canvas=canvas)  # an earlier entry that must survive
    if fault in _ON_THE_STUDENT_LIST and kind == "fan-out":
        pattern = r"/analytics/student_summaries$"  # the fan-out pages through summaries first
    plan.script(pattern, _KIND_OF_FAULT.get(fault, fault), times=times)
    loader = getattr(cf, f"load_{frame_name}")
    arg = account if kind == "department" else course.id
    expected = outcomes.get(kind, outcomes.get("*", TRANSIENT))

    if isinstance(expected, type):
        entries_before = _entries(canvas)
        with pytest.raises(expected) as info:
            loader(arg, canvas=canvas)
        cause = r"HTTP \d{3}|JSON|body|Link|points back|empty|deadline|redirected|larger than|more than \d+ pages"
        assert re.search(cause, str(info.value)), str(info.value)
        pdt.assert_frame_equal(_entries(canvas), entries_before, obj="cache entries after a failed pull")
        MATRIX[(fault, kind)] = expected.__name__
    elif expected == "warned":
        with pytest.warns(cf.CanvasframeWarning, match="listed more than once"):
            frame = loader(arg, canvas=canvas)
        pdt.assert_frame_equal(frame, _expected(institution, kind, course, account))  # never counted twice
        MATRIX[(fault, kind)] = "frame + warning"
    elif expected == "empty":
        with pytest.warns(cf.CanvasframeWarning, match="404"):
            frame = loader(arg, canvas=canvas)
        assert frame.empty
        MATRIX[(fault, kind)] = "empty + warning"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            frame = loader(arg, canvas=canvas)
        want = _expected(institution, kind, course, account)
        if want is None:
            want = loader(arg, canvas=connect(sandbox, cache_dir=canvas.cache_dir / "clean"))
        pdt.assert_frame_equal(frame, want)
        assert plan.fired, "the fault should have fired"
        MATRIX[(fault, kind)] = "exact frame"
    pdt.assert_frame_equal(cf.load_course_activity(other.id, canvas=canvas), earlier)


def test_assignments_500_while_per_student_endpoints_work(make_server, connect, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    canvas = connect(make_server(settings=SandboxSettings(broken_assignments={course.id})), retries=1)
    with pytest.raises(cf.ServerError, match="error report id"):
        cf.load_course_assignments(course.id, canvas=canvas)
    pdt.assert_frame_equal(cf.load_student_assignments(course.id, canvas=canvas), truth.student_assignments(course))
    MATRIX[("assignments 500 (Canvas bug)", "async")] = "ServerError"
    MATRIX[("assignments 500 (Canvas bug)", "fan-out")] = "exact frame"


def test_token_revoked_in_the_middle_of_a_fan_out(make_server, connect, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    server = make_server(settings=SandboxSettings(server_time=0.01))
    canvas = connect(server, max_workers=2)
    cf.load_student_summaries(course.id, canvas=canvas)
    from .conftest import TOKEN

    calls = {"n": 0}
    original = canvas.get_json

    def revoke_after_five(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            server.revoke(TOKEN)
        return original(*args, **kwargs)

    canvas.get_json = revoke_after_five
    with pytest.raises(cf.AuthenticationError, match="401"):
        cf.load_student_assignments(course.id, canvas=canvas)
    assert cf.cache.info(canvas.cache_dir).query("frame == 'student_assignments'").empty
    MATRIX[("401 mid fan-out (revoked)", "fan-out")] = "AuthenticationError"


LISTINGS = {  # listing loader -> the path whose pages list a row twice (a shifted offset page)
    "discussion_topics": r"/discussion_topics$",
    "sections": r"/sections$",
    "enrollments": r"/enrollments$",
    "submissions": r"/students/submissions$",
    "courses": r"/accounts/\d+/courses$",
}


@pytest.mark.parametrize("frame_name", list(LISTINGS))
def test_a_row_listed_on_two_pages_is_kept_once_with_a_warning(frame_name, make_server, connect, institution):
    """Two missing submissions must not become three: every listing keeps each row once."""
    course = next(c for c in institution.courses.values() if c.enrollments)
    unit = institution.root_account.id if frame_name == "courses" else course.id
    loader = cf.LOADERS[frame_name].function
    clean = loader(unit, canvas=connect(make_server(), cache_dir=None), progress=False, refresh=True)
    plan = FaultPlan().script(LISTINGS[frame_name], "duplicate-row", times=None)
    faulted = connect(make_server(faults=plan))
    with pytest.warns(cf.CanvasframeWarning, match="listed more than once"):
        got = loader(unit, canvas=faulted, progress=False)
    pdt.assert_frame_equal(got, clean)


def test_a_post_listed_twice_in_one_view_is_kept_once():
    post = {"id": 5, "user_id": 7, "message": "hi", "created_at": "2026-09-01T10:00:00Z"}
    key = {"topic_id": 1, "group_id": None, "due_at": None}
    payloads = [(key, {"view": [post, post]})]
    with pytest.warns(cf.CanvasframeWarning, match="listed more than once"):
        frame = cf.transforms.TRANSFORMS["discussion_entries"].deduplicated(
            "discussion_entries", cf.transforms.discussion_entries(payloads, course_id=3), "view"
        )
    assert frame["entry_id"].tolist() == [5]
