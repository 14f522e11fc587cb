"""Sections, enrollments, submissions and the instructor reports over real HTTP, against the sandbox's events."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe._sample import sample_server
from canvasframe.reports import export_report, last_activity, missing_late_excused, student_table, weekly_activity
from canvasframe.sandbox import Institution, SandboxServer
from canvasframe.sandbox.model import Course
from canvasframe.sandbox.roster import ACTIVITY_WINDOW, RECORD_EVERY

from . import truth
from .conftest import TOKEN

NO_GRADES = "ta-token-without-grade-rights-0123"


def _extended(institution: Institution, course: Course) -> set[tuple[int, int]]:
    """(student, assignment) pairs whose late work the teacher extended (the sandbox's roster says which)."""
    return {(r.user_id, r.assignment_id) for r in institution.roster(course).submissions if r.late_policy_status}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True)


# -- loaders -----------------------------------------------------------------------------------------


def test_sections_and_enrollments_are_the_sandboxs(canvas, institution):
    course = truth.first_course(institution)
    pdt.assert_frame_equal(_plain(cf.load_sections(course.id, canvas=canvas)), truth.sections(institution, course))
    pdt.assert_frame_equal(
        _plain(cf.load_enrollments(course.id, canvas=canvas)), truth.enrollments(institution, course)
    )


def test_only_student_enrollments_are_asked_for(canvas, sandbox, institution):
    course = truth.first_course(institution)
    sandbox.clear_log()
    enrollments = cf.load_enrollments(course.id, canvas=canvas, refresh=True)
    asked = sandbox.queries("/enrollments")
    assert asked and all(q.get("type[]") == "StudentEnrollment" for q in asked)
    assert course.teacher_id not in set(enrollments["student_id"])  # Canvas lists the teacher without the filter


def test_scores_without_grade_rights_are_missing_not_zero(institution, connect):
    course = truth.first_course(institution)
    with SandboxServer(institution, tokens={TOKEN: "admin", NO_GRADES: "no-grades"}) as server:
        enrollments = cf.load_enrollments(course.id, canvas=connect(server, token=NO_GRADES))
    expected = truth.enrollments(institution, course, grades=False)
    pdt.assert_frame_equal(_plain(enrollments), expected)
    assert enrollments["current_score"].isna().all() and enrollments["current_grade"].isna().all()


def test_activity_time_follows_the_page_views(institution):
    """The sandbox's enrollments agree with its page views, under the rule docs/reports.md states."""
    course = truth.first_course(institution)
    enrollments = truth.enrollments(institution, course).set_index("student_id")
    for student_id, e in course.enrollments.items():
        row = enrollments.loc[student_id]
        if not len(e.hours):
            assert pd.isna(row["last_activity_at"]) and row["total_activity_time"] == timedelta(0)
            continue
        last_hour = pd.Timestamp(int(e.hours.max()), unit="s", tz="UTC")
        assert last_hour - RECORD_EVERY <= row["last_activity_at"] < last_hour + timedelta(hours=1)
        # At most one window per recorded request, and recorded requests are RECORD_EVERY apart.
        assert row["total_activity_time"] <= int(e.views.sum()) * ACTIVITY_WINDOW


def test_submissions_are_streamed_page_by_page_and_are_the_sandboxs(canvas, sandbox, institution):
    course = truth.first_course(institution)
    sandbox.clear_log()
    submissions = cf.load_submissions(course.id, canvas=canvas, refresh=True)
    pages = sandbox.queries("/students/submissions")
    assert len(pages) == -(-len(course.enrollments) * len(course.assignments) // 100) > 1
    assert all(q.get("student_ids[]") == "all" for q in pages)
    pdt.assert_frame_equal(_plain(submissions), truth.submissions(institution, course))
    assert len(submissions.attrs["canvasframe"]["sources"]) == len(pages)


def test_submission_flags_agree_with_the_analytics_but_for_extensions(canvas, institution):
    course = truth.first_course(institution)
    submissions = cf.load_submissions(course.id, canvas=canvas)
    summaries = cf.load_student_summaries(course.id, canvas=canvas).set_index("student_id")
    per_student = submissions.groupby("student_id")
    extended = (submissions["late_policy_status"] == "extended").groupby(submissions["student_id"]).sum()
    assert extended.sum() > 0  # the sample has the case the docs explain
    pdt.assert_series_equal(per_student["missing"].sum().astype("int64"), summaries["missing"], check_names=False)
    pdt.assert_series_equal(per_student["late"].sum().astype("int64") + extended, summaries["late"], check_names=False)


# -- reports -----------------------------------------------------------------------------------------


@pytest.fixture(params=["test institution", "sample institution"])
def reported(request, canvas, institution, tmp_path):
    """An institution, its first course with students, and the frames the reports are made from."""
    if request.param == "sample institution":
        canvas = cf.sample(quiet=True, cache_dir=tmp_path / "sample-cache")
        institution = sample_server().institution
    course = truth.first_course(institution)
    load = {
        name: cf.LOADERS[name].function(course.id, canvas=canvas, progress=False)
        for name in ("enrollments", "submissions", "student_summaries", "course_assignments", "page_views",
                     "participations", "discussion_entries")
    }  # fmt: skip
    return institution, course, load


def test_student_table_counts_the_submission_events(reported):
    institution, course, f = reported
    table = student_table(f["enrollments"], f["submissions"], f["student_summaries"]).set_index("student_id")
    records = {r.user_id: r for r in institution.roster(course).records}
    extended = _extended(institution, course)
    for student_id, e in course.enrollments.items():
        status = Counter(
            "excused" if s.excused else ("on_time" if (student_id, a) in extended else s.status)
            for a, s in e.submissions.items()
        )
        row = table.loc[student_id]
        assert (row["on_time"], row["late"], row["missing"], row["excused"]) == (
            status["on_time"],
            status["late"],
            status["missing"],
            status["excused"],
        ), student_id
        expected_score = records[student_id].current_score
        assert row["current_score"] == pytest.approx(np.nan if expected_score is None else expected_score, nan_ok=True)
        assert row["page_views"] == int(e.views.sum())
        assert row["analytics_missing"] == Counter(s.status for s in e.submissions.values())["missing"]
    as_of = pd.Timestamp(f["enrollments"].attrs["canvasframe"]["fetched_at"])
    active = table["last_activity_at"].notna()
    assert ((as_of - table.loc[active, "last_activity_at"]).dt.days == table.loc[active, "days_since_activity"]).all()
    assert set(table.attrs["canvasframe_report"]["sources"]) == {"enrollments", "submissions", "summaries"}


def test_current_score_is_the_posted_grades_share(reported):
    """Canvas's current score, recomputed here from the submission events: posted grades over their points."""
    _, course, f = reported
    scores = f["enrollments"].set_index("student_id")["current_score"]
    for student_id, e in course.enrollments.items():
        graded = [(s.score, a.points_possible) for a in course.assignments
                  if (s := e.submissions[a.id]).score is not None and s.posted_at is not None and not a.muted
                  and a.points_possible is not None and not s.excused]  # fmt: skip
        expected = round(100 * sum(x for x, _ in graded) / sum(p for _, p in graded), 2) if graded else np.nan
        assert scores[student_id] == pytest.approx(expected, nan_ok=True)


def test_missing_late_excused_lists_exactly_those_submissions(reported):
    institution, course, f = reported
    report = missing_late_excused(f["submissions"], f["course_assignments"])
    extended = _extended(institution, course)
    expected = {
        (sid, a.id, "excused" if s.excused else s.status)
        for sid, e in course.enrollments.items()
        for a in course.assignments
        if (s := e.submissions[a.id]).excused or s.status == "missing"
        or (s.status == "late" and (sid, a.id) not in extended)
    }  # fmt: skip
    assert set(zip(report["student_id"], report["assignment_id"], report["status"], strict=True)) == expected
    late = report[report["status"] == "late"].iloc[0]
    assert late["seconds_late"] == late["submitted_at"] - late["due_at"]
    assert report["title"].notna().all()


def sandbox_site(frame: pd.DataFrame) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(frame.attrs["canvasframe"]["sources"][0])
    return f"{parts.scheme}://{parts.netloc}"


def test_last_activity_is_the_latest_academic_event_with_its_evidence(reported):
    institution, course, f = reported
    report = last_activity(f["submissions"], f["discussion_entries"], f["participations"]).set_index("student_id")
    forum = institution.forums[course.id]
    site = sandbox_site(f["submissions"])
    rank = {"submission": 0, "discussion post": 1, "participation": 2}  # the documented order among equal times
    topics_url = f"{site}/courses/{course.id}/discussion_topics"
    for student_id, e in course.enrollments.items():
        # (when, kind, url) of every academic event, from the sandbox's own events
        events = [(s.submitted_at, "submission", f"{site}/courses/{course.id}/assignments/{a}/submissions/{student_id}")
                  for a, s in e.submissions.items() if s.submitted_at is not None]  # fmt: skip
        events += [(at, "participation", url) for at, url in e.participations]
        events += [(x.created_at, "discussion post", f"{topics_url}/{t.id}#entry-{x.id}")
                   for t in forum.topics if not t.anonymous and not t.is_announcement for x in t.entries
                   if x.author_id == student_id and not x.deleted]  # fmt: skip
        row = report.loc[student_id]
        if not events:
            assert pd.isna(row["last_activity_at"]) and pd.isna(row["kind"])
            continue
        when, kind, url = min(events, key=lambda ev: (-pd.Timestamp(ev[0]).value, rank[ev[1]]))
        assert (row["last_activity_at"], row["kind"]) == (when, kind), student_id  # value by value: no label swap
        if url is not None:
            assert row["url"] == url, student_id
    assert set(report.index) == set(course.enrollments)
    assert set(report["kind"].dropna()) == {"submission", "discussion post", "participation"}
    assert [report.index.name, *report.columns] == ["student_id", "last_activity_at", "kind", "url"]
    assert (str(report["kind"].dtype), str(report["url"].dtype)) == ("str", "str")
    provenance = report.attrs["canvasframe_report"]
    assert provenance["report"] == "last_activity"
    made_from = {"submissions": f["submissions"], "entries": f["discussion_entries"],
                 "participations": f["participations"]}  # fmt: skip
    assert provenance["sources"] == {
        name: {
            "fetched_at": frame.attrs["canvasframe"]["fetched_at"],
            "from_cache": frame.attrs["canvasframe"]["from_cache"],
        }
        for name, frame in made_from.items()
    }


def test_last_activity_breaks_ties_in_the_documented_order_and_names_what_it_lacks():
    at = pd.Timestamp("2026-09-01 10:00", tz="UTC")
    submissions = pd.DataFrame({"course_id": [7, 7], "student_id": [1, 2], "assignment_id": [30, 30],
                                "submitted_at": [at, pd.NaT]})  # fmt: skip
    entries = pd.DataFrame({"course_id": [7, 7], "topic_id": [4, 4], "entry_id": [50, 51],
                            "user_id": pd.array([2, None], dtype="Int64"), "created_at": [at, at],
                            "deleted": [False, False]})  # fmt: skip
    participations = pd.DataFrame({"student_id": [1, 2], "created_at": [at, at], "url": ["p1", "p2"]})
    report = last_activity(submissions, entries, participations, base_url="https://canvas.example/")
    expected = pd.DataFrame(
        {
            "student_id": [1, 2],
            "last_activity_at": [at, at],
            "kind": pd.array(["submission", "discussion post"], dtype="str"),
            "url": pd.array(
                [
                    "https://canvas.example/courses/7/assignments/30/submissions/1",
                    "https://canvas.example/courses/7/discussion_topics/4#entry-50",
                ],
                dtype="str",
            ),
        }
    )
    pdt.assert_frame_equal(report, expected)
    # without base_url, the site the submissions were fetched from (one page of them here)
    fetched = submissions.copy()
    fetched.attrs["canvasframe"] = {"sources": ["https://canvas.example/api/v1/courses/7/students/submissions"]}
    pdt.assert_frame_equal(last_activity(fetched, entries, participations), expected)
    for frames, lacking in (
        (
            (submissions.drop(columns="submitted_at"), None, None),
            "load_submissions(); this one lacks columns ['submitted_at']",
        ),
        (
            (submissions, entries.drop(columns="deleted"), None),
            "load_discussion_entries(); this one lacks columns ['deleted']",
        ),
        (
            (submissions, None, participations.drop(columns="url")),
            "load_participations(); this one lacks columns ['url']",
        ),
    ):
        with pytest.raises(cf.ConfigError) as refused:
            last_activity(*frames, base_url="https://canvas.example")
        assert str(refused.value) == f"last_activity: expected the frame from {lacking}."
    with pytest.raises(cf.ConfigError, match=r"^last_activity: pass base_url="):
        last_activity(submissions)


@pytest.mark.parametrize("include_inactive", [False, True])
def test_weekly_activity_means_follow_the_events(reported, include_inactive):
    institution, course, f = reported
    tz = "America/Chicago"
    states = {r.user_id: r.state for r in institution.roster(course).records}
    dropped = min(s for s, state in states.items() if state == "inactive")  # selected whatever its state
    counted = {s for s, state in states.items() if include_inactive or state in ("active", "invited")}
    assert dropped not in counted or include_inactive
    report = weekly_activity(f["page_views"], f["participations"], enrollments=f["enrollments"], student_id=dropped,
                             tz=tz, include_inactive=include_inactive)  # fmt: skip
    rows = []
    for sid, e in course.enrollments.items():
        local = pd.to_datetime(e.hours, unit="s", utc=True).tz_convert(tz).tz_localize(None)
        monday = local.normalize() - pd.to_timedelta(local.day_of_week, unit="D")
        rows.append(pd.DataFrame({"student_id": sid, "week": monday, "views": e.views}))
    views = pd.concat(rows)
    course_mean = views[views["student_id"].isin(counted)].groupby("week")["views"].sum() / len(counted)
    mine = views[views["student_id"] == dropped].groupby("week")["views"].sum()
    by_week = report.set_index("week")
    assert (report["students"] == len(counted)).all()
    np.testing.assert_allclose(by_week["page_views"].reindex(course_mean.index).to_numpy(), course_mean.to_numpy())
    np.testing.assert_allclose(by_week["selected_page_views"].reindex(mine.index).to_numpy(), mine.to_numpy())
    assert report["week"].is_unique and report["week"].is_monotonic_increasing
    assert (report["week"].dt.day_of_week == 0).all()
    used = {"page_views": f["page_views"], "participations": f["participations"], "enrollments": f["enrollments"]}
    assert report.attrs["canvasframe_report"] == {
        "report": "weekly_activity",
        "sources": {name: {k: frame.attrs["canvasframe"][k] for k in ("fetched_at", "from_cache")}
                    for name, frame in used.items()},
    }  # fmt: skip


def test_weekly_activity_of_a_section(reported):
    institution, course, f = reported
    section = institution.roster(course).sections[1]
    report = weekly_activity(f["page_views"], f["participations"], enrollments=f["enrollments"], section_id=section.id)
    assert (report["selected_students"] == len(section.student_ids)).all()
    members = f["participations"][f["participations"]["student_id"].isin(section.student_ids)]
    assert report["selected_participations"].sum() * len(section.student_ids) == pytest.approx(len(members))


def test_report_arguments_are_checked(reported):
    *_, f = reported
    with pytest.raises(cf.ConfigError, match="not both"):
        weekly_activity(f["page_views"], f["participations"], student_id=1, section_id=2)
    with pytest.raises(cf.ConfigError, match="needs enrollments"):
        weekly_activity(f["page_views"], f["participations"], section_id=2)
    with pytest.raises(cf.ConfigError, match="not a time zone"):
        weekly_activity(f["page_views"], f["participations"], tz="Mars/Olympus")
    with pytest.raises(cf.ConfigError, match="load_submissions"):
        student_table(f["enrollments"], f["page_views"])


def test_export_writes_whole_csv_with_durations_in_seconds(reported, tmp_path):
    *_, f = reported
    report = missing_late_excused(f["submissions"], f["course_assignments"])
    folder = tmp_path / "reports"
    path = export_report(report, folder / "late.csv")
    back = pd.read_csv(path)
    assert len(back) == len(report)
    np.testing.assert_allclose(back["seconds_late_seconds"], report["seconds_late"].dt.total_seconds())
    with pytest.raises(cf.ConfigError) as wrong_name:
        export_report(report, folder / "late.txt")
    assert str(wrong_name.value) == (
        f"export_report writes CSV or Excel: name the file '<name>.csv' or '.xlsx', not {str(folder / 'late.txt')!r}."
    )
    with pytest.raises(cf.ConfigError) as zone:
        export_report(report, folder / "late2.csv", tz="America/Chicago")
    assert str(zone.value) == "export_report: tz= is for Excel files; a CSV keeps times in UTC (ISO 8601)."
    assert sorted(p.name for p in folder.iterdir()) == ["late.csv"]  # no temporary file left behind


def test_export_writes_a_report_as_excel_with_local_times(reported, tmp_path, institution):
    *_, f = reported
    report = missing_late_excused(f["submissions"], f["course_assignments"])
    path = export_report(report, tmp_path / "late.xlsx", tz="America/Chicago")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["report", "columns", "provenance"]
    back = sheets["report"]
    assert len(back) == len(report) and "due_at (America/Chicago)" in back.columns
    expected = report["due_at"].dt.tz_convert("America/Chicago").dt.tz_localize(None)
    pd.testing.assert_series_equal(
        pd.to_datetime(back["due_at (America/Chicago)"]), expected, check_names=False, check_dtype=False
    )


def test_the_first_day_of_term_with_no_activity_at_all_gives_a_table(canvas, institution):
    """No student has last_activity_at yet: every days_since_activity is NA, nothing raises."""
    course = truth.first_course(institution)
    enrollments = cf.load_enrollments(course.id, canvas=canvas)
    submissions = cf.load_submissions(course.id, canvas=canvas)
    for nothing in (pd.NaT, None):
        quiet = enrollments.assign(last_activity_at=nothing)
        table = student_table(quiet, submissions, as_of="2026-09-01")
        assert table["days_since_activity"].isna().all() and str(table["last_activity_at"].dt.tz) == "UTC"
        assert table["student_id"].tolist() == sorted(set(enrollments["student_id"]))


def test_dropped_students_and_the_grade_of_record_are_in_the_student_table(canvas, institution):
    """The enrollments listing asks every state, so an inactive student is in the table with her missing work;
    an overridden final grade is the grade of record."""
    course = truth.first_course(institution)
    roster = institution.roster(course)
    inactive = [r.user_id for r in roster.records if r.state == "inactive"]
    overridden = {r.user_id: r.override_score for r in roster.records if r.override_score is not None}
    assert inactive and overridden  # the sandbox has both cases
    enrollments = cf.load_enrollments(course.id, canvas=canvas)
    table = student_table(enrollments, cf.load_submissions(course.id, canvas=canvas)).set_index("student_id")
    assert set(table.index) == set(course.enrollments)
    assert (table.loc[inactive, "enrollment_state"] == "inactive").all()
    for student, score in overridden.items():
        assert table.loc[student, "score_of_record"] == score != table.loc[student, "current_score"]
        assert (
            table.loc[student, "grade_of_record"] == enrollments.set_index("student_id").loc[student, "override_grade"]
        )
    plain = table.drop(index=list(overridden))
    pdt.assert_series_equal(plain["score_of_record"], plain["current_score"], check_names=False)
    active_only = student_table(enrollments, cf.load_submissions(course.id, canvas=canvas), include_inactive=False)
    assert set(active_only["student_id"]) == set(course.enrollments) - set(inactive)


def test_canvas_asks_for_every_enrollment_state_and_its_default_hides_some(make_server, connect, institution):
    """Without state[] the sandbox, as Canvas, lists no completed enrollments: the loader must ask for them."""
    course = next(c for c in institution.courses.values() if c.enrollments and c.state == "completed")
    server = make_server()
    frame = cf.load_enrollments(course.id, canvas=connect(server))
    assert set(frame["student_id"]) == set(course.enrollments) and set(frame["enrollment_state"]) == {"completed"}
    asked = server.queries("/enrollments")[0]
    assert asked["state[]"] == "completed"  # the last of the states listed, as the sandbox's query log keeps one


def test_a_submission_canvas_says_nothing_about_is_neither_missing_nor_not(canvas, institution):
    from canvasframe import transforms

    rows = [{"id": 1, "user_id": 7, "assignment_id": 3, "workflow_state": "unsubmitted"}]  # no late, missing
    frame = transforms.submissions(rows, course_id=1)
    assert frame["missing"].isna().all() and frame["late"].isna().all() and str(frame["missing"].dtype) == "boolean"
    with pytest.warns(cf.CanvasframeWarning, match="did not say whether 1 submission"):
        counts = student_table(pd.DataFrame({"student_id": [7], "section_id": [1], "current_score": [np.nan],
                                             "last_activity_at": [pd.NaT], "final_score": [np.nan],
                                             "current_grade": [None], "total_activity_time": [pd.NaT]}),
                               frame, as_of="2026-10-01")  # fmt: skip
    assert counts.loc[0, "missing"] == 0


def test_weeks_the_data_only_partly_cover_are_flagged_and_shaded(canvas, institution):
    """The first week of a term that starts on a Wednesday has fewer days: its means are flagged, not a collapse."""
    import matplotlib.pyplot as plt

    course = truth.first_course(institution)
    page_views, participations = truth.page_views(course), truth.participations(course)
    # The term's first hours (Monday 00:00 UTC) are Sunday evening in Chicago: a first week with one day in it.
    weekly = cf.reports.weekly_activity(page_views, participations, tz="America/Chicago")
    times = pd.concat([page_views["hour"], participations["created_at"]]).dt.tz_convert("America/Chicago")
    first, last = times.min().tz_localize(None).normalize(), times.max().tz_localize(None).normalize()
    expected = [bool(w < first or w + pd.Timedelta(days=6) > last) for w in weekly["week"]]
    assert weekly["partial"].tolist() == expected and any(expected) and not all(expected)
    _, ax = plt.subplots()
    cf.plots.plot_weekly_activity(weekly, ax=ax)
    assert len(ax.patches) == sum(expected)  # one shaded span per partial week
    assert ax.get_xlabel() == "week starting (America/Chicago)"


def test_a_week_the_data_cover_from_monday_to_sunday_is_whole():
    tz = "America/Chicago"
    # Monday evening is Tuesday in UTC: the week is whole only when its days are read in Chicago
    monday, sunday = pd.Timestamp("2026-09-07 20:30", tz=tz), pd.Timestamp("2026-09-13 23:30", tz=tz)
    page_views = pd.DataFrame({"student_id": [1, 1], "hour": [monday, sunday], "views": [3, 4]})
    no_posts = pd.DataFrame(
        {"student_id": pd.Series([], dtype="int64"), "created_at": pd.Series([], dtype="datetime64[us, UTC]")}
    )
    weekly = cf.reports.weekly_activity(page_views, no_posts, tz=tz)
    assert weekly["week"].tolist() == [pd.Timestamp("2026-09-07")] and weekly["partial"].tolist() == [False]
    # the same week seen from Tuesday to Sunday, or from Monday to Saturday, is partial
    for shown in (page_views.iloc[[1]], page_views.iloc[[0]]):
        assert cf.reports.weekly_activity(shown, no_posts, tz=tz)["partial"].tolist() == [True]


def test_weekly_means_count_everyone_in_every_week_with_zeros():
    """Two students, two weeks: one views pages in the first, the other takes part in the second (expected
    values worked out by hand); without enrollments, everyone with activity counts."""
    first, second = pd.Timestamp("2026-09-08 15:00", tz="UTC"), pd.Timestamp("2026-09-16 15:00", tz="UTC")
    page_views = pd.DataFrame({"student_id": [1], "hour": [first], "views": [6]})
    participations = pd.DataFrame({"student_id": [2], "created_at": [second]})
    weekly = cf.reports.weekly_activity(page_views, participations, student_id=2, tz="UTC")
    expected = pd.DataFrame(
        {
            "week": pd.to_datetime(["2026-09-07", "2026-09-14"]).astype("datetime64[us]"),
            "students": [2, 2],
            "page_views": [3.0, 0.0],
            "participations": [0.0, 0.5],
            "selected_students": [1, 1],
            "selected_page_views": [0.0, 0.0],
            "selected_participations": [0.0, 1.0],
            "partial": [True, True],
        }
    )
    pdt.assert_frame_equal(weekly, expected, check_dtype=False)
    # by default only the students still taking the course count; a dropped one can still be selected
    enrollments = pd.DataFrame({"student_id": [1, 2, 3], "section_id": [9, 9, 9],
                                "enrollment_state": ["active", "active", "inactive"]})  # fmt: skip
    taking = cf.reports.weekly_activity(page_views, participations, enrollments=enrollments, student_id=3, tz="UTC")
    assert taking["students"].tolist() == [2, 2] and taking["selected_page_views"].tolist() == [0.0, 0.0]
    everyone = cf.reports.weekly_activity(page_views, participations, enrollments=enrollments, tz="UTC",
                                          include_inactive=True)  # fmt: skip
    assert everyone["students"].tolist() == [3, 3] and everyone["page_views"].tolist() == [2.0, 0.0]


def test_weekly_activity_names_what_it_lacks():
    views = pd.DataFrame({"student_id": [1], "hour": [pd.Timestamp("2026-09-08", tz="UTC")], "views": [1]})
    posts = pd.DataFrame({"student_id": [1], "created_at": [pd.Timestamp("2026-09-08", tz="UTC")]})
    enrollments = pd.DataFrame({"student_id": [1], "section_id": [9]})
    for arguments, message in (
        (
            (views.drop(columns="views"), posts),
            "expected the frame from load_page_views(); this one lacks columns ['views']",
        ),
        (
            (views, posts.drop(columns="created_at")),
            "expected the frame from load_participations(); this one lacks columns ['created_at']",
        ),
        (
            (views, posts, enrollments.drop(columns="section_id")),
            "expected the frame from load_enrollments(); this one lacks columns ['section_id']",
        ),
        ((views, posts, enrollments, 1, 9), "choose a student_id or a section_id, not both"),
        ((views, posts, None, None, 9), "section_id needs enrollments= (from load_enrollments) for its students"),
        ((views, posts, enrollments, None, 8), "section 8 has no students; load_sections() lists the sections"),
        ((views, posts, enrollments, 2), "student 2 is not among this course's students"),
    ):
        frames, chosen = (
            arguments[:2],
            dict(zip(("enrollments", "student_id", "section_id"), arguments[2:], strict=False)),
        )
        with pytest.raises(cf.ConfigError) as refused:
            cf.reports.weekly_activity(*frames, **chosen)
        assert str(refused.value) == f"weekly_activity: {message}."


def _hand_made_course() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Enrollments, submissions and summaries with each case the student table decides: a student in two
    sections (one enrollment completed), an overridden grade, a dropped student, a student with submissions
    but no enrollment, unknown flags, excused work that is also missing or late, no summary for some."""
    enrollments = pd.DataFrame({
        "student_id": [2, 1, 2, 4, 5, 5, 4],
        "sortable_name": ["Bo, Ann", "Al, Cy", "Bo, Ann", "Di, Ed", "Fu, Gi", "Fu, Gi", "Di, Ed"],
        "section_id": [20, 10, 21, 10, 30, 31, 99],
        "enrollment_state": ["completed", "active", "active", "inactive", "invited", "invited", "unheard-of"],
        "current_score": [50.0, 90.0, 80.0, np.nan, np.nan, np.nan, 1.0],
        "final_score": [40.0, 85.0, 70.0, 0.0, 0.0, 0.0, 1.0],
        "current_grade": ["F", "A", "B", None, None, None, "Z"],
        "override_score": [np.nan, 95.0, np.nan, np.nan, np.nan, np.nan, np.nan],
        "override_grade": [None, "A+", None, None, None, None, None],
        "last_activity_at": pd.to_datetime(["2026-09-01T12:00Z", "2026-09-08T23:00Z", "2026-09-08T12:00Z",
                                            None, None, None, None]),
        "total_activity_time": pd.to_timedelta([60, 3600, 120, 0, 0, 0, 0], unit="s"),
    })  # fmt: skip
    submissions = pd.DataFrame({
        "student_id": [1, 1, 2, 2, 3, 3],
        "assignment_id": [100, 101, 100, 101, 100, 101],
        "submitted_at": pd.to_datetime(["2026-09-01T00:00Z", "2026-09-05T00:00Z", None, None,
                                        "2026-09-02T00:00Z", None]),
        "late": pd.array([False, True, False, False, True, False], dtype="boolean"),
        "missing": pd.array([False, False, True, True, False, False], dtype="boolean"),
        "excused": pd.array([False, False, False, True, True, pd.NA], dtype="boolean"),
        "seconds_late": pd.to_timedelta([0, 3600, 0, 0, 60, 0], unit="s"),
        "score": [9.0, 7.0, np.nan, np.nan, np.nan, np.nan],
    })  # fmt: skip
    summaries = pd.DataFrame({
        "student_id": [1, 4], "page_views": [12, 3], "participations": [2, 0], "page_views_level": [3, 1],
        "participations_level": [2, 0], "late": [1, 0], "missing": [0, 2],
    })  # fmt: skip
    return enrollments, submissions, summaries


def test_the_student_table_of_a_hand_made_course_is_exactly_the_one_worked_out_by_hand():
    enrollments, submissions, summaries = _hand_made_course()
    table = student_table(enrollments, submissions, summaries, as_of="2026-09-10T00:00Z")
    na = np.nan
    expected = pd.DataFrame({
        "student_id": [1, 2, 3, 4, 5],
        "sortable_name": pd.array(["Al, Cy", "Bo, Ann", na, "Di, Ed", "Fu, Gi"], dtype="str"),
        "section_id": pd.array([10, 21, None, 10, 30], dtype="Int64"),  # the active enrollment; the first of two
        "enrollment_state": pd.array(["active", "active", na, "inactive", "invited"], dtype="str"),
        "current_score": [90.0, 80.0, na, na, na],
        "final_score": [85.0, 70.0, na, 0.0, 0.0],
        "current_grade": pd.array(["A", "B", na, na, na], dtype="str"),
        "override_score": [95.0, na, na, na, na],
        "score_of_record": [95.0, 80.0, na, na, na],
        "grade_of_record": pd.array(["A+", "B", na, na, na], dtype="str"),
        "on_time": [1, 0, 0, 0, 0],
        "late": [1, 0, 0, 0, 0],
        "missing": [0, 1, 0, 0, 0],  # the excused missing one is only excused
        "excused": [0, 1, 1, 0, 0],  # an unknown excused is not excused
        "last_activity_at": pd.to_datetime(["2026-09-08T23:00Z", "2026-09-08T12:00Z", None, None, None]),
        "days_since_activity": pd.array([1, 1, None, None, None], dtype="Int64"),
        "total_activity_time": pd.to_timedelta([3600, 120, na, 0, 0], unit="s"),
        "page_views": [12, 0, 0, 3, 0],
        "participations": [2, 0, 0, 0, 0],
        "page_views_level": pd.array([3, None, None, 1, None], dtype="Int64"),
        "participations_level": pd.array([2, None, None, 0, None], dtype="Int64"),
        "analytics_late": pd.array([1, None, None, 0, None], dtype="Int64"),
        "analytics_missing": pd.array([0, None, None, 2, None], dtype="Int64"),
    })  # fmt: skip
    expected["last_activity_at"] = expected["last_activity_at"].dt.as_unit("us")
    expected["total_activity_time"] = expected["total_activity_time"].dt.as_unit("us")
    pdt.assert_frame_equal(table, expected)
    assert table.attrs["canvasframe_report"]["report"] == "student_table"
    assert list(table.attrs["canvasframe_report"]["sources"]) == ["enrollments", "submissions", "summaries"]
    # Without states the first listed counts: student 2's second row, student 5's first.
    older = enrollments.drop(index=[0, 6], columns=["enrollment_state", "override_score", "override_grade"])
    plain = student_table(older, submissions, summaries, as_of="2026-09-10T00:00Z")  # a frame of fewer columns
    without = expected.assign(
        enrollment_state=pd.array([np.nan] * 5, dtype="str"),
        override_score=na,
        score_of_record=expected["current_score"],
        grade_of_record=expected["current_grade"],
    )
    pdt.assert_frame_equal(plain, without)
    active = student_table(enrollments, submissions, as_of="2026-09-10T00:00Z", include_inactive=False)
    assert active["student_id"].tolist() == [1, 2, 3, 5]  # 3 has no enrollment to call inactive: kept, as documented
    pdt.assert_frame_equal(active.iloc[:, :17], expected.drop(index=3).reset_index(drop=True).iloc[:, :17])


def test_the_missing_late_excused_report_of_a_hand_made_course_is_exactly_the_one_worked_out_by_hand():
    """Listed in any order, with an assignment listed twice (the first listing counts) and one not listed."""
    _, submissions, _ = _hand_made_course()
    unlisted = {
        "student_id": 2,
        "assignment_id": 102,
        "submitted_at": pd.Timestamp("2026-09-09T00:00Z"),
        "late": True,
        "missing": False,
        "excused": False,
        "seconds_late": pd.Timedelta(hours=2),
        "score": 3.0,
    }
    submissions = pd.concat([submissions.iloc[::-1], pd.DataFrame([unlisted])], ignore_index=True)
    submissions = submissions.astype({f: "boolean" for f in ("late", "missing", "excused")})
    assignments = pd.DataFrame({
        "assignment_id": [101, 100, 100], "title": ["Essay", "Quiz", "Quiz (listed again)"],
        "due_at": pd.to_datetime(["2026-09-04T00:00Z", "2026-09-01T12:00Z", "2026-09-01T12:00Z"]),
        "points_possible": [10.0, 5.0, 5.0],
    })  # fmt: skip
    report = missing_late_excused(submissions, assignments)
    t = pd.Timestamp
    expected = pd.DataFrame({
        "student_id": [1, 2, 2, 2, 3], "assignment_id": [101, 100, 101, 102, 100],
        "title": pd.array(["Essay", "Quiz", "Essay", np.nan, "Quiz"], dtype="str"),
        "status": pd.array(["late", "missing", "excused", "late", "excused"], dtype="str"),
        "due_at": [t("2026-09-04T00:00Z"), t("2026-09-01T12:00Z"), t("2026-09-04T00:00Z"), pd.NaT,
                   t("2026-09-01T12:00Z")],
        "submitted_at": [t("2026-09-05T00:00Z"), pd.NaT, pd.NaT, t("2026-09-09T00:00Z"), t("2026-09-02T00:00Z")],
        "seconds_late": pd.to_timedelta([3600, 0, 0, 7200, 60], unit="s"),
        "score": [7.0, np.nan, np.nan, 3.0, np.nan],
        "points_possible": [10.0, 5.0, 10.0, np.nan, 5.0],
    })  # fmt: skip
    pdt.assert_frame_equal(report, expected)
    provenance = report.attrs["canvasframe_report"]
    assert provenance["report"] == "missing_late_excused"
    assert list(provenance["sources"]) == ["submissions", "assignments"]


@pytest.mark.parametrize(
    ("report", "argument", "loader"),
    [("student_table", 0, "load_enrollments"), ("student_table", 1, "load_submissions"),
     ("student_table", 2, "load_student_summaries"), ("missing_late_excused", 0, "load_submissions"),
     ("missing_late_excused", 1, "load_course_assignments")],
)  # fmt: skip
def test_a_report_given_the_wrong_frame_names_itself_and_the_loader_it_needs(report, argument, loader):
    enrollments, submissions, summaries = _hand_made_course()
    assignments = pd.DataFrame({"assignment_id": [100], "title": ["Quiz"], "due_at": [pd.NaT],
                                "points_possible": [1.0]})  # fmt: skip
    given = {"student_table": [enrollments, submissions, summaries], "missing_late_excused": [submissions, assignments]}
    arguments = given[report]
    arguments[argument] = arguments[argument].iloc[:, 1:]  # each frame's first column is one the report needs
    with pytest.raises(cf.ConfigError) as raised:
        getattr(cf.reports, report)(*arguments)
    assert str(raised.value).startswith(f"{report}: expected the frame from {loader}(); this one lacks columns [")


def test_a_report_given_a_now_that_is_not_a_time_says_so():
    enrollments, submissions, _ = _hand_made_course()
    with pytest.raises(cf.ConfigError) as refused:
        student_table(enrollments, submissions, as_of="the end of term")
    assert str(refused.value) == "as_of must be a timestamp (e.g. '2026-10-01'), got 'the end of term'."
