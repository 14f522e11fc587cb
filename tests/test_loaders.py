"""Every loader over real HTTP against the sandbox, compared with the institution's own events."""

from __future__ import annotations

import time
from collections import Counter

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe.cache import Cache
from canvasframe.sandbox import Config, Institution, SandboxSettings, views
from canvasframe.schemas import SCHEMAS

from . import truth


def _courses(institution, n=None):
    with_students = [c for c in institution.courses.values() if c.enrollments]
    return with_students[:n] if n else with_students


def assert_schema(frame: pd.DataFrame, name: str) -> None:
    assert list(frame.columns) == [f.name for f in SCHEMAS[name]]
    expected = truth.typed(name, [])
    pdt.assert_series_equal(frame.dtypes, expected.dtypes)


@pytest.mark.parametrize(
    ("loader", "expected"),
    [
        (cf.load_page_views, truth.page_views),
        (cf.load_participations, truth.participations),
        (cf.load_course_activity, truth.course_activity),
        (cf.load_communication, truth.communication),
        (cf.load_student_summaries, truth.student_summaries),
        (cf.load_course_assignments, truth.course_assignments),
        (cf.load_student_assignments, truth.student_assignments),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_course_loaders_equal_ground_truth(canvas, institution, loader, expected):
    course = _courses(institution)[0]
    frame = loader(course.id, canvas=canvas)
    name = loader.__name__.removeprefix("load_")
    assert_schema(frame, name)
    pdt.assert_frame_equal(frame, expected(course))


def test_all_students_are_fanned_out_and_concatenated_over_courses(canvas, institution):
    courses = _courses(institution, 2)
    frame = cf.load_page_views([c.id for c in courses], canvas=canvas)
    expected = pd.concat([truth.page_views(c) for c in courses], ignore_index=True)
    pdt.assert_frame_equal(frame, expected)
    assert set(frame["student_id"]) == set(courses[0].enrollments) | set(courses[1].enrollments)


def test_one_student_and_a_list_of_students(canvas, institution):
    course = _courses(institution)[0]
    ids = sorted(course.enrollments)[:3]
    expected = truth.page_views(course)
    one = cf.load_page_views(course.id, ids[0], canvas=canvas)
    pdt.assert_frame_equal(one, expected[expected.student_id == ids[0]].reset_index(drop=True))
    several = cf.load_page_views(course.id, ids, canvas=canvas)
    pdt.assert_frame_equal(several, expected[expected.student_id.isin(ids)].reset_index(drop=True))


@pytest.mark.parametrize("term", ["current", "completed", "spring"])
def test_department_loaders(canvas, institution, term):
    account = institution.root_account.id
    if term == "spring":
        term = next(t.id for t in institution.terms.values() if t.name.startswith("Spring 2026"))
    courses = institution.department_courses(account, str(term))
    assert courses, "the sandbox should have courses in every tested term"

    activity = cf.load_department_activity(account, term, canvas=canvas)
    assert_schema(activity, "department_activity")
    daily = (
        pd.concat([truth.course_activity(c) for c in courses])
        .groupby("date", as_index=False)[["views", "participations"]]
        .sum()
    )
    daily = daily[(daily.views > 0) | (daily.participations > 0)]
    assert activity["term"].unique().tolist() == [str(term)]
    pdt.assert_frame_equal(activity[["date", "views", "participations"]], daily.reset_index(drop=True))

    categories = cf.load_department_categories(account, term, canvas=canvas)
    total_views = sum(int(e.views.sum()) for c in courses for e in c.enrollments.values())
    assert categories["views"].sum() == total_views
    assert len(categories) == 13
    per_category: Counter[str] = Counter()
    for c in courses:
        per_category.update(c.category_views)  # the sandbox's own events, each category with its count
    assert categories.set_index("category")["views"].to_dict() == {k: per_category[k] for k in categories["category"]}

    grades = cf.load_department_grades(account, term, canvas=canvas)
    assert grades["score"].tolist() == list(range(101))
    graded = [views.current_grade(c, e) for c in courses for e in c.enrollments.values()]
    assert grades["students"].sum() == sum(g is not None for g in graded)
    counts = Counter(g for g in graded if g is not None)
    assert grades.set_index("score")["students"].to_dict() == {s: counts[s] for s in range(101)}

    stats = cf.load_department_statistics(account, term, canvas=canvas)
    pdt.assert_frame_equal(stats, truth.department_statistics(institution, account, str(term)))

    subs = cf.load_subaccount_statistics(account, term, canvas=canvas)
    pdt.assert_frame_equal(subs, truth.subaccount_statistics(institution, account, str(term)))


def test_department_course_views_equal_sum_of_student_page_views(canvas, institution):
    account = institution.root_account.id
    courses = institution.department_courses(account, "current")
    activity = cf.load_department_activity(account, canvas=canvas)
    per_student = cf.load_page_views([c.id for c in courses if c.enrollments], canvas=canvas)
    daily = per_student.groupby(per_student["hour"].dt.tz_localize(None).dt.floor("D"))["views"].sum()
    assert activity.set_index("date")["views"].to_dict() == daily.to_dict()


def test_cache_hit_makes_no_request_and_returns_an_equal_frame(canvas, sandbox, institution):
    course = _courses(institution)[0]
    first = cf.load_student_assignments(course.id, canvas=canvas)
    assert first.attrs["canvasframe"]["from_cache"] is False
    sandbox.clear_log()
    again = cf.load_student_assignments(course.id, canvas=canvas)
    assert sandbox.request_log == []
    assert again.attrs["canvasframe"]["from_cache"] is True
    pdt.assert_frame_equal(again, first)
    sandbox.clear_log()
    cf.load_student_assignments(course.id, canvas=canvas, refresh=True)
    assert len(sandbox.request_log) == 1 + len(course.enrollments)  # summaries are refreshed too


def test_one_call_fills_every_frame_it_feeds(canvas, sandbox, institution):
    course = _courses(institution)[0]
    cf.load_page_views(course.id, canvas=canvas)
    sandbox.clear_log()
    cf.load_participations(course.id, canvas=canvas)
    assert sandbox.request_log == []


def test_every_loader_round_trips_through_the_cache(canvas, institution):
    course = _courses(institution)[0]
    account = institution.root_account.id
    for name, spec in cf.LOADERS.items():
        arg = account if spec.ids == "account_id" else course.id
        fresh = spec(arg, canvas=canvas)
        cached = spec(arg, canvas=canvas)
        assert cached.attrs["canvasframe"]["from_cache"], name
        pdt.assert_frame_equal(cached, fresh, obj=name)


def test_offline_reads_only_the_cache(sandbox, connect, institution):
    course = _courses(institution)[0]
    online = cf.load_course_activity(course.id, canvas=connect(sandbox))
    offline_canvas = connect(sandbox, offline=True)
    sandbox.clear_log()
    pdt.assert_frame_equal(cf.load_course_activity(course.id, canvas=offline_canvas), online)
    with pytest.raises(cf.CacheMiss, match=r"Offline, and course_assignments .* is not in the cache"):
        cf.load_course_assignments(course.id, canvas=offline_canvas)
    assert sandbox.request_log == []


def test_cache_errors_name_the_frame_namespace_and_file(sandbox, connect, institution):
    course = _courses(institution)[0]
    online = connect(sandbox)
    cf.load_course_activity(course.id, canvas=online)
    offline = connect(sandbox, offline=True)
    with pytest.raises(cf.CacheMiss) as miss:
        cf.load_course_assignments(course.id, canvas=offline)
    assert (miss.value.frame, miss.value.namespace) == ("course_assignments", online.cache_namespace)
    assert miss.value.path == str(Cache(online.cache_dir).directory) and online.cache_namespace in str(miss.value)
    [entry] = cf.cache.info(online.cache_dir)["path"]
    with open(entry, "r+b") as handle:
        handle.truncate(100)
    with pytest.raises(cf.CacheCorrupt) as corrupt:
        cf.load_course_activity(course.id, canvas=offline)
    assert (corrupt.value.frame, corrupt.value.namespace, corrupt.value.path) == (
        "course_activity",
        online.cache_namespace,
        str(entry),
    )
    assert str(entry) in str(corrupt.value) and "course_activity" in str(corrupt.value)


def test_offline_from_environment(sandbox, connect, monkeypatch, institution):
    monkeypatch.setenv("CANVASFRAME_OFFLINE", "1")
    with pytest.raises(cf.CacheMiss):
        cf.load_course_activity(_courses(institution)[0].id, canvas=connect(sandbox))


def test_max_age_refetches_old_entries(canvas, sandbox, institution):
    course = _courses(institution)[0]
    cf.load_course_activity(course.id, canvas=canvas)
    sandbox.clear_log()
    cf.load_course_activity(course.id, canvas=canvas, max_age=3600)
    assert sandbox.request_log == []
    cf.load_course_activity(course.id, canvas=canvas, max_age=0)
    assert len(sandbox.request_log) == 1


def test_corrupt_cache_file_warns_and_refetches(canvas, institution):
    course = _courses(institution)[0]
    first = cf.load_course_activity(course.id, canvas=canvas)
    [entry] = cf.cache.info(canvas.cache_dir)["path"]
    with open(entry, "r+b") as handle:
        handle.truncate(100)
    with pytest.warns(cf.CanvasframeWarning, match="unreadable"):
        again = cf.load_course_activity(course.id, canvas=canvas)
    pdt.assert_frame_equal(again, first)
    assert again.attrs["canvasframe"]["from_cache"] is False


def test_course_without_students_is_empty_with_a_warning(canvas, institution):
    empty_course = next(c for c in institution.courses.values() if not c.enrollments)
    good = _courses(institution)[0]
    with pytest.warns(cf.CanvasframeWarning, match=f"course {empty_course.id} has no students with analytics"):
        frame = cf.load_course_activity([good.id, empty_course.id], canvas=canvas)
    pdt.assert_frame_equal(frame, truth.course_activity(good))
    with pytest.warns(cf.CanvasframeWarning, match="404") as caught:
        alone = cf.load_page_views(empty_course.id, canvas=canvas)
    assert alone.empty
    assert [w.filename for w in caught] == [__file__]  # the user's line, however deep in canvasframe it was raised
    assert_schema(alone, "page_views")


def test_documented_shapes_give_the_same_frames(make_server, connect, institution):
    course = _courses(institution)[0]
    documented = connect(make_server(settings=SandboxSettings(shape="documented")))
    summaries = cf.load_student_summaries(course.id, canvas=documented)
    pdt.assert_frame_equal(summaries, truth.student_summaries(course))
    expected = truth.student_assignments(course)
    expected["status"] = pd.Series(pd.NA, index=expected.index, dtype="str")  # the documented shape has no status
    for key in ("non_digital_submission", "multiple_due_dates", "excused"):  # nor these: NA, never a guess
        expected[key] = pd.Series(pd.NA, index=expected.index, dtype="boolean")
    pdt.assert_frame_equal(cf.load_student_assignments(course.id, canvas=documented), expected)
    account = institution.root_account.id
    activity = cf.load_department_activity(account, canvas=documented)
    assert (activity["participations"] == 0).all()  # the documented by_date carries only views
    assert activity["views"].sum() > 0


def test_day_bucket_page_views_become_midnight_utc(make_server, connect, institution):
    course = _courses(institution)[0]
    canvas = connect(make_server(settings=SandboxSettings(page_view_buckets="day")))
    frame = cf.load_page_views(course.id, canvas=canvas)
    hourly = truth.page_views(course)
    expected = (
        hourly.assign(hour=hourly["hour"].dt.floor("D"))
        .groupby(["course_id", "student_id", "hour"], as_index=False)["views"]
        .sum()
    )
    pdt.assert_frame_equal(frame, expected)


def test_attrs_name_sources_and_never_the_token(canvas, institution):
    from .conftest import TOKEN

    frame = cf.load_page_views(_courses(institution)[0].id, canvas=canvas)
    info = frame.attrs["canvasframe"]
    assert info["from_cache"] is False and info["fetched_at"]
    assert all(s.startswith(canvas.root_url) for s in info["sources"])
    assert TOKEN not in repr(frame.attrs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: cf.load_course_activity([], canvas=c), "empty list"),
        (lambda c: cf.load_course_activity("abc", canvas=c), "integer Canvas ids"),  # type: ignore[arg-type]
        (lambda c: cf.load_course_activity(1.5, canvas=c), "integer Canvas ids"),  # type: ignore[arg-type]
        (lambda c: cf.load_course_activity(-3, canvas=c), r"from 0 to 2\*\*63 - 1; got -3"),
        (lambda c: cf.load_course_activity(2**63, canvas=c), r"from 0 to 2\*\*63 - 1; got 9223372036854775808"),
        (lambda c: cf.load_page_views(1, 2**64, canvas=c), r"2\*\*63"),
        (lambda c: cf.load_course_activity(None, canvas=c), "is None"),  # type: ignore[arg-type]
        (lambda c: cf.load_course_activity(True, canvas=c), "integer Canvas ids"),
        (lambda c: cf.load_department_grades(1, "spring", canvas=c), "term must be"),  # type: ignore[arg-type]
        (lambda c: cf.load_department_grades(1, "\u00b2", canvas=c), "term must be"),  # type: ignore[arg-type]
        (lambda c: cf.load_page_views(1, ["x"], canvas=c), "student_id"),  # type: ignore[list-item]
        (lambda c: cf.load_course_activity(1, canvas=c, max_age=-1), "max_age"),
        (lambda c: cf.load_course_activity(1, canvas="https://x"), "canvas must be"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_fail_before_any_request(canvas, sandbox, call, message):
    sandbox.clear_log()
    with pytest.raises(cf.ConfigError, match=message):
        call(canvas)
    assert sandbox.request_log == []


def test_loaders_use_the_default_session_and_say_when_there_is_none(canvas, institution):
    with pytest.raises(cf.ConfigError, match=r"cf.connect"):
        cf.load_course_activity(1)
    from canvasframe.client import set_default_canvas

    set_default_canvas(canvas)
    course = _courses(institution)[0]
    pdt.assert_frame_equal(cf.load_course_activity(course.id), truth.course_activity(course))


def test_unknown_account_or_term_raises_not_found(canvas, institution):
    with pytest.raises(cf.NotFound, match="404"):
        cf.load_department_grades(institution.root_account.id, term=999999, canvas=canvas)
    with pytest.raises(cf.NotFound):
        cf.load_department_statistics(999999, canvas=canvas)


def test_a_student_who_is_not_in_the_course_raises_not_found(canvas, institution):
    course = _courses(institution)[0]
    with pytest.raises(cf.NotFound, match="users/999999"):
        cf.load_page_views(course.id, 999999, canvas=canvas)


def test_unknown_keyword_fails_before_any_request(canvas, sandbox):
    sandbox.clear_log()
    with pytest.raises(TypeError, match="unexpected keyword argument 'courses'"):
        cf.load_course_activity(1, canvas=canvas, courses=[2])
    assert sandbox.request_log == []


def test_every_field_canvas_sends_for_an_assignment_is_kept(canvas, institution):
    """module_ids, excused, non_digital_submission and multiple_due_dates, as the sandbox's events have them."""
    course = _courses(institution)[0]
    frame = cf.load_student_assignments(course.id, canvas=canvas)
    excused = {
        (sid, a.id) for sid, e in course.enrollments.items() for a in course.assignments if e.submissions[a.id].excused
    }
    assert excused, "the test institution should excuse some work"
    got = frame.loc[frame["excused"].astype(bool), ["student_id", "assignment_id"]].itertuples(index=False)
    assert {tuple(map(int, row)) for row in got} == excused
    # Excused work has no submission in Canvas's answer: no dates, no score, and it is never missing.
    rows = frame[frame["excused"].astype(bool)]
    assert rows["submitted_at"].isna().all() and rows["score"].isna().all() and (rows["status"] != "missing").all()
    modules = {a.id: a.module_ids for a in course.assignments}
    assert all(list(m) == modules[a] for a, m in zip(frame["assignment_id"], frame["module_ids"], strict=True))
    assert frame["module_ids"].map(len).gt(0).all() and frame.dtypes["excused"] == "boolean"
    teacher_view = cf.load_course_assignments(course.id, canvas=canvas)
    assert teacher_view["module_ids"].isna().all()  # real Canvas does not send these to a teacher
    assert teacher_view["multiple_due_dates"].isna().all() and teacher_view["non_digital_submission"].notna().all()


def test_an_unknown_course_is_an_error_and_the_finished_ones_stay_cached(canvas, sandbox, institution):
    first, last = _courses(institution)[:2]
    sandbox.clear_log()
    with pytest.raises(cf.NotFound, match="Course 999999 does not exist or this token cannot see it"):
        cf.load_course_activity([first.id, 999999, last.id], canvas=canvas)
    assert "/api/v1/courses/999999" in sandbox.request_log  # the one question that tells the two 404s apart
    sandbox.clear_log()
    both = cf.load_course_activity([last.id, first.id], canvas=canvas)  # loaded beside the failure, cached
    assert sandbox.request_log == [] and both.attrs["canvasframe"]["from_cache"]
    with pytest.raises(cf.NotFound, match="Course 999999 does not exist"):
        cf.load_page_views(999999, canvas=canvas)


# -- one scheduler across courses --------------------------------------------------------------------


def test_a_multi_course_load_interleaves_courses_and_keeps_input_order(make_server, connect, institution):
    from canvasframe.sandbox import FaultPlan

    a, b = _courses(institution)[:2]
    server = make_server(faults=FaultPlan(latency=0.01))
    frame = cf.load_page_views([b.id, a.id], canvas=connect(server))
    per_student = [p for p in server.request_log if "/analytics/users/" in p]
    last_of_a = max(i for i, p in enumerate(per_student) if p.startswith(f"/api/v1/courses/{a.id}/"))
    first_of_b = min(i for i, p in enumerate(per_student) if p.startswith(f"/api/v1/courses/{b.id}/"))
    assert first_of_b < last_of_a  # course B's fan-out runs while course A's does, not after it
    courses = frame["course_id"].drop_duplicates().tolist()
    assert courses == [b.id, a.id]
    pdt.assert_frame_equal(frame[frame["course_id"] == a.id].reset_index(drop=True), truth.page_views(a))


def _most_courses_at_once(log: list[str]) -> int:
    """The most courses whose requests overlap, from each course's first to last request as the sandbox saw them."""
    spans: dict[str, list[int]] = {}
    for i, path in enumerate(log):
        parts = path.split("/")
        if len(parts) > 4 and parts[3] == "courses":
            spans.setdefault(parts[4], [i, i])[1] = i
    return max(sum(first <= i <= last for first, last in spans.values()) for i in range(len(log)))


@pytest.mark.parametrize("pull", ["loader", "load_course", "export"])
def test_a_multi_course_pull_keeps_max_workers_courses_at_once(make_server, connect, institution, tmp_path, pull):
    """Enough courses to fill every request slot, and no more: each course more in flight only holds memory."""
    from canvasframe.sandbox import FaultPlan

    ids = [c.id for c in _courses(institution)]
    assert len(ids) >= 4, "the test institution should have four courses with students"
    server = make_server(faults=FaultPlan(latency=0.02))
    canvas = connect(server, max_workers=2)
    if pull == "loader":
        cf.load_page_views(ids, canvas=canvas, progress=False)
    elif pull == "load_course":
        cf.load_course(ids, frames=["page_views", "course_activity"], canvas=canvas, progress=False)
    else:
        cf.export_dataset(cf.load_page_views, ids, tmp_path / "export", canvas=canvas, progress=False)
    # A course's next request can start only after one of the two running courses has finished.
    assert _most_courses_at_once(server.request_log) == 2


def test_a_failure_in_one_course_names_it_and_leaves_the_others_cached(make_server, connect, institution):
    from canvasframe.sandbox import FaultPlan

    a, b = _courses(institution)[:2]
    plan = FaultPlan(latency=0.01).script(rf"/courses/{b.id}/analytics/users/\d+/activity", "500", times=None)
    server = make_server(faults=plan)
    canvas = connect(server, retries=0)
    with pytest.raises(cf.ServerError, match=f"/courses/{b.id}/") as caught:
        cf.load_page_views([a.id, b.id], canvas=canvas)
    assert caught.value.status == 500
    server.clear_log()
    plan.clear()
    cached = cf.load_page_views(a.id, canvas=canvas)
    assert server.request_log == [] and cached.attrs["canvasframe"]["from_cache"]  # A was complete: kept
    cf.load_page_views(b.id, canvas=canvas)
    assert any(f"/courses/{b.id}/analytics/users/" in p for p in server.request_log)  # B was not: fetched


def test_a_course_the_token_cannot_read_is_taken_to_exist(make_server, connect, institution):
    """Analytics 404 and a 403 for the course itself: the load keeps the empty frame and its warning."""
    from canvasframe.sandbox import FaultPlan

    plan = FaultPlan().script(r"/analytics/activity$", "404").script(r"/api/v1/courses/\d+$", "403")
    course = _courses(institution)[0]
    with pytest.warns(cf.CanvasframeWarning, match="has no students with analytics"):
        frame = cf.load_course_activity(course.id, canvas=connect(make_server(faults=plan)))
    assert frame.empty


def test_load_course_fetches_each_call_once_and_equals_the_loaders(make_server, connect, institution, tmp_path):
    a, b = _courses(institution)[:2]
    server = make_server()
    frames = ["student_summaries", "page_views", "participations", "student_assignments", "course_activity"]
    for refresh in (False, True):
        time.sleep(1.05 * refresh)  # refresh refetches what was cached before the pass's second began
        server.clear_log()
        got = cf.load_course([a.id, b.id], frames=frames, canvas=connect(server), refresh=refresh)
        log = Counter(server.request_log)
        for course in (a, b):
            assert log[f"/api/v1/courses/{course.id}/analytics/student_summaries"] == 1  # the student list once
            for student in course.enrollments:
                assert log[f"/api/v1/courses/{course.id}/analytics/users/{student}/activity"] == 1  # two frames
    alone = connect(server, cache_dir=tmp_path / "alone")
    for name in frames:
        pdt.assert_frame_equal(got[name], cf.LOADERS[name].function([a.id, b.id], canvas=alone, progress=False))
    assert list(got) == frames and got["page_views"]["course_id"].drop_duplicates().tolist() == [a.id, b.id]
    with pytest.raises(cf.ConfigError, match="department_grades"):
        cf.load_course(a.id, frames=["department_grades"], canvas=connect(server))


# -- a long student list -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_course_institution() -> Institution:
    """Courses of 250 students: their list is three pages."""
    return Institution(Config(seed=3, subaccounts=1, courses_per_subaccount=1, students_per_course=250, weeks=2,
                              assignments_per_course=2))  # fmt: skip


def test_per_student_requests_start_while_the_student_list_is_still_read(
    make_server, connect, large_course_institution
):
    inst = large_course_institution
    course = next(c for c in inst.courses.values() if len(c.enrollments) == 250)
    server = make_server(inst=inst)
    canvas = connect(server)
    frame = cf.load_page_views(course.id, canvas=canvas)
    pdt.assert_frame_equal(frame, truth.page_views(course))
    log = server.request_log
    pages = [i for i, path in enumerate(log) if path.endswith("/student_summaries")]
    first_student = min(i for i, path in enumerate(log) if "/analytics/users/" in path)
    assert len(pages) == 3 and first_student < pages[-1]
    # The list read page by page is cached whole, as a plain load of it would be.
    server.clear_log()
    pdt.assert_frame_equal(cf.load_student_summaries(course.id, canvas=canvas), truth.student_summaries(course))
    assert server.request_log == []


def test_load_course_reads_the_student_list_once_while_every_fan_out_starts(
    make_server, connect, large_course_institution
):
    from canvasframe.sandbox import FaultPlan

    inst = large_course_institution
    course = next(c for c in inst.courses.values() if len(c.enrollments) == 250)
    server = make_server(inst=inst, faults=FaultPlan(latency=0.01))
    frames = ["page_views", "student_assignments", "communication", "course_activity", "student_summaries"]
    got = cf.load_course(course.id, frames=frames, canvas=connect(server))
    log = server.request_log
    pages = [i for i, path in enumerate(log) if path.endswith("/student_summaries")]
    assert len(pages) == 3  # three fan-outs, one reading of the list
    for call in ("activity", "assignments", "communication"):
        first = min(i for i, path in enumerate(log) if "/analytics/users/" in path and path.endswith(f"/{call}"))
        assert first < pages[-1], call  # each fan-out began with the list's first page
    assert log.index(f"/api/v1/courses/{course.id}/analytics/activity") < pages[-1]  # and so did the course's calls
    for name in frames:
        pdt.assert_frame_equal(got[name], getattr(truth, name)(course), obj=name)


def test_a_student_list_that_fails_part_way_caches_nothing(make_server, connect, large_course_institution):
    from canvasframe.sandbox import FaultPlan

    inst = large_course_institution
    course = next(c for c in inst.courses.values() if len(c.enrollments) == 250)
    plan = FaultPlan().script(r"/student_summaries$", "500", after=2)  # the third page fails
    server = make_server(inst=inst, faults=plan)
    with pytest.raises(cf.ServerError, match="student_summaries"):
        cf.load_page_views(course.id, canvas=connect(server, retries=0))
    offline = connect(server, offline=True)
    for load in (cf.load_student_summaries, cf.load_page_views):
        with pytest.raises(cf.CacheMiss):
            load(course.id, canvas=offline)


def test_a_fan_out_turned_into_rows_a_chunk_at_a_time_gives_the_exact_frames(
    make_server, connect, large_course_institution, monkeypatch
):
    """250 students' answers in chunks of 40 (the last one short): each frame as one transform makes it."""
    from canvasframe import _pipeline

    monkeypatch.setattr(_pipeline, "CHUNK", 40)
    inst = large_course_institution
    course = next(c for c in inst.courses.values() if len(c.enrollments) == 250)
    canvas = connect(make_server(inst=inst))
    # The student list read as it comes is in Canvas's order (by name), so the chunks are not in
    # student order: the frame is still in its own.
    pdt.assert_frame_equal(cf.load_participations(course.id, canvas=canvas), truth.participations(course))
    frames = cf.load_course(course.id, frames=["page_views", "student_assignments", "communication"], canvas=canvas)
    for name in ("page_views", "student_assignments", "communication"):
        pdt.assert_frame_equal(frames[name], getattr(truth, name)(course), obj=name)
