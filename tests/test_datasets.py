"""Institution scale: load_courses, resumable partitioned exports, DuckDB and pyarrow interop, pseudonyms."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import canvasframe as cf

from . import truth

KEY = "a-test-key-that-is-long-enough-0123456789"


def test_load_courses_lists_the_account_tree_and_filters_by_term(canvas, institution):
    root = institution.root_account.id
    courses = cf.load_courses(root, canvas=canvas)
    pdt.assert_frame_equal(courses, truth.courses(institution, root))
    fall = institution.default_term.id
    in_fall = cf.load_courses(root, term=fall, canvas=canvas)
    pdt.assert_frame_equal(in_fall, truth.courses(institution, root, str(fall)))
    sub = institution.subaccounts_of(root)[0]
    mine = cf.load_courses(sub.id, canvas=canvas)
    pdt.assert_frame_equal(mine, truth.courses(institution, sub.id))
    # Dates and the zone a course keeps, from its term and its offset in the institution's events.
    for row in courses.itertuples():
        course = institution.courses[row.course_id]
        term = institution.terms[course.term_id]
        assert (row.start_at, row.end_at) == (pd.Timestamp(term.start), pd.Timestamp(term.end))
        zone_offset = pd.Timestamp("2026-01-15T12:00Z").tz_convert(row.time_zone).utcoffset()
        assert zone_offset == pd.Timedelta(minutes=course.tz_offset) and row.sis_course_id == f"SIS-{course.id}"
    with pytest.raises(cf.ConfigError, match="term"):
        cf.load_courses(root, term="current", canvas=canvas)


def test_export_is_partitioned_readable_and_equal_to_the_loaders(canvas, institution, tmp_path):
    courses = [c for c in institution.courses.values() if c.enrollments][:3]
    report = cf.export_dataset(
        cf.load_page_views, [c.id for c in courses], tmp_path / "x", canvas=canvas, progress=False
    )
    assert report["status"].tolist() == ["pulled"] * 3
    assert sorted(p.name for p in (tmp_path / "x" / "page_views").iterdir()) == sorted(
        f"course_id={c.id}" for c in courses
    )
    table = cf.open_dataset(tmp_path / "x", "page_views").to_table().to_pandas()
    table = table[["course_id", "student_id", "hour", "views"]].sort_values(["course_id", "student_id", "hour"])
    expected = pd.concat([truth.page_views(c) for c in courses]).sort_values(["course_id", "student_id", "hour"])
    pdt.assert_frame_equal(table.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["source"] == canvas.cache_namespace
    text = (tmp_path / "x" / "manifest.json").read_text()
    assert text == json.dumps(manifest, indent=1)  # for people to read: one key a line
    exported = {k: v["exported_at"] for k, v in manifest["frames"]["page_views"]["courses"].items()}
    fetched = {str(c.id): cf.load_page_views(c.id, canvas=canvas).attrs["canvasframe"]["fetched_at"] for c in courses}
    assert manifest == {
        "frames": {"page_views": {"courses": {
            str(c.id): {"rows": len(truth.page_views(c)), "fetched_at": fetched[str(c.id)],
                        "exported_at": exported[str(c.id)]} for c in courses}, "pseudonymized": False}},
        "source": canvas.cache_namespace, "canvasframe_version": cf.__version__, "format": "parquet (hive partitions)",
    }  # fmt: skip
    assert all(fetched[k] <= exported[k] for k in exported)  # ISO 8601 in UTC: ordered as text
    from .conftest import TOKEN

    assert TOKEN not in (tmp_path / "x" / "manifest.json").read_text()


def test_export_resumes_and_skips_completed_courses(canvas, sandbox, institution, tmp_path):
    courses = [c.id for c in institution.courses.values() if c.enrollments][:3]
    cf.export_dataset(cf.load_course_activity, courses[:2], tmp_path, canvas=canvas, progress=False)
    sandbox.clear_log()
    report = cf.export_dataset(cf.load_course_activity, courses, tmp_path, canvas=canvas, progress=False)
    assert report["status"].tolist() == ["skipped", "skipped", "pulled"]
    assert sandbox.request_log == [f"/api/v1/courses/{courses[2]}/analytics/activity"]


def test_an_export_with_refresh_asks_canvas_again_with_one_loader_as_with_several(
    canvas, sandbox, institution, tmp_path
):
    course = next(c.id for c in institution.courses.values() if c.enrollments)
    cf.export_dataset(cf.load_course_activity, [course], tmp_path, canvas=canvas, progress=False)  # cached now
    for refresh in (True, "changed"):
        sandbox.clear_log()
        report = cf.export_dataset(cf.load_course_activity, [course], tmp_path, canvas=canvas, refresh=refresh,
                                   progress=False)  # fmt: skip
        assert report["status"].tolist() == ["pulled"]
        assert sandbox.request_log == [f"/api/v1/courses/{course}/analytics/activity"]  # not served from the cache


KILLER = textwrap.dedent(
    """
    import json, os, pathlib, signal, sys, time
    import canvasframe as cf
    canvas = cf.Canvas(sys.argv[1], sys.argv[2], cache_dir=sys.argv[3])
    courses = [int(c) for c in sys.argv[5:]]
    manifest = pathlib.Path(sys.argv[4]) / "manifest.json"
    def listed():
        try:
            return json.loads(manifest.read_text())["frames"]["course_activity"]["courses"]
        except (OSError, ValueError, KeyError):
            return {}
    def loader(course_id, **kw):
        if course_id in courses[2:]:  # courses run side by side: the last two wait for the first two
            while len(listed()) < 2:
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGKILL)  # killed mid-export, after two courses were written
        return cf.load_course_activity(course_id, **kw)
    loader.__name__ = "load_course_activity"
    cf.export_dataset(loader, courses, sys.argv[4], canvas=canvas, progress=False)
    """
)


def test_an_export_killed_half_way_resumes(sandbox, institution, tmp_path):
    from .conftest import TOKEN

    courses = [c.id for c in institution.courses.values() if c.enrollments][:4]
    out = tmp_path / "export"
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, sandbox.url, TOKEN, str(tmp_path / "cache"), str(out), *map(str, courses)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == -9
    partial = json.loads((out / "manifest.json").read_text())["frames"]["course_activity"]["courses"]
    assert sorted(partial) == sorted(str(c) for c in courses[:2])
    canvas = cf.Canvas(sandbox.url, TOKEN, cache_dir=tmp_path / "cache")
    report = cf.export_dataset(cf.load_course_activity, courses, out, canvas=canvas, progress=False)
    assert report["status"].tolist() == ["skipped", "skipped", "pulled", "pulled"]
    rows = cf.open_dataset(out, "course_activity").to_table().num_rows
    assert rows == sum(len(truth.course_activity(institution.courses[c])) for c in courses)


def test_duckdb_sees_the_cache_and_the_export(canvas, institution, tmp_path):
    pytest.importorskip("duckdb")
    course = next(c for c in institution.courses.values() if c.enrollments)
    summaries = cf.load_student_summaries(course.id, canvas=canvas)
    cf.export_dataset(cf.load_student_summaries, [course.id], tmp_path / "x", canvas=canvas, progress=False)
    con = cf.duckdb(canvas.cache_dir, exports=tmp_path / "x")
    total = con.execute("select sum(page_views) from student_summaries").fetchone()[0]
    assert total == summaries["page_views"].sum()
    exported = con.execute("select count(*), min(course_id) from export_student_summaries").fetchone()
    assert exported == (len(summaries), course.id)


def test_cache_files_open_with_pyarrow_dataset(canvas, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    frame = cf.load_page_views(course.id, canvas=canvas)
    files = [p for p in cf.cache.info(canvas.cache_dir)["path"] if "/page_views/" in p]
    assert ds.dataset(files, format="ipc").to_table().num_rows == len(frame)


def test_pseudonyms_are_stable_keyed_and_drop_identifying_columns(canvas, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    summaries = cf.load_student_summaries(course.id, canvas=canvas)
    participations = cf.load_participations(course.id, canvas=canvas)
    a, b = cf.pseudonymize(summaries, KEY), cf.pseudonymize(participations, KEY)
    assert a.dtypes["student_id"] == "int64"
    assert set(a["student_id"]) == set(b["student_id"])  # the same ids join across frames
    assert not set(a["student_id"]) & set(summaries["student_id"])
    assert "url" not in b.columns
    again = cf.pseudonymize(summaries, KEY)
    pdt.assert_series_equal(again["student_id"], a["student_id"])
    other = cf.pseudonymize(summaries, KEY + "-other")
    assert not set(other["student_id"]) & set(a["student_id"])
    with pytest.raises(cf.ConfigError, match="16 bytes"):
        cf.pseudonymize(summaries, "short")


def test_export_can_pseudonymize_and_refuses_to_mix(canvas, institution, tmp_path):
    course = next(c for c in institution.courses.values() if c.enrollments)
    cf.export_dataset(cf.load_student_summaries, [course.id], tmp_path, canvas=canvas, pseudonymize=KEY, progress=False)
    table = cf.open_dataset(tmp_path, "student_summaries").to_table().to_pandas()
    assert not set(table["student_id"]) & set(course.enrollments)
    assert KEY not in (tmp_path / "manifest.json").read_text()
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_student_summaries, [course.id], tmp_path, canvas=canvas, progress=False)
    assert str(refused.value) == (
        f"{tmp_path / 'student_summaries'} was exported with pseudonyms; use the same choice to resume, "
        "or another folder."
    )
    cf.export_dataset(cf.load_course_activity, [course.id], tmp_path / "plain", canvas=canvas, progress=False)
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_course_activity, [course.id], tmp_path / "plain", canvas=canvas, pseudonymize=KEY)
    assert str(refused.value).startswith(f"{tmp_path / 'plain' / 'course_activity'} was exported without pseudonyms")


def test_pseudonyms_cover_the_discussion_frames_and_keep_nullable_ids(canvas, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    key = "k" * 32
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    shared = cf.pseudonymize(entries, key)
    assert shared["user_id"].dtype == entries["user_id"].dtype == "Int64"  # used to become text
    assert shared["user_id"].isna().equals(entries["user_id"].isna())
    assert not shared["user_id"].dropna().isin(entries["user_id"].dropna()).any()
    assert not {"message", "anonymous_id"} & set(shared.columns)
    inbox = cf.load_conversations(course.id, canvas=canvas)
    private = cf.pseudonymize(inbox, key)
    expected = inbox["participant_ids"].map(lambda ids: [cf.datasets.pseudonym(int(i), key) for i in ids])
    assert private["participant_ids"].map(list).tolist() == expected.tolist()
    assert set(private["author_id"]) <= {p for ids in expected for p in ids}
    assert not {"body", "subject"} & set(private.columns)


def test_an_export_failing_in_one_course_keeps_the_others_and_names_it(make_server, connect, institution, tmp_path):
    from canvasframe.sandbox import FaultPlan

    a, b, c = [x.id for x in institution.courses.values() if x.enrollments][:3]
    plan = FaultPlan(latency=0.01).script(rf"/courses/{b}/analytics/users/\d+/activity", "500", times=None)
    server = make_server(faults=plan)
    canvas = connect(server, retries=0)
    out = tmp_path / "export"
    with pytest.raises(cf.ServerError, match=f"/courses/{b}/"):
        cf.export_dataset(cf.load_page_views, [a, b, c], out, canvas=canvas, progress=False)
    listed = json.loads((out / "manifest.json").read_text())["frames"]["page_views"]["courses"]
    assert str(b) not in listed and str(a) in listed  # what finished is written and listed; the failure is not
    assert not (out / "page_views" / f"course_id={b}").exists()
    plan.clear()
    report = cf.export_dataset(cf.load_page_views, [a, b, c], out, canvas=canvas, progress=False)
    assert report.set_index("course_id").loc[b, "status"] == "pulled"
    assert report.set_index("course_id").loc[a, "status"] == "skipped"
    assert report["course_id"].tolist() == [a, b, c]


def test_an_export_of_several_loaders_shares_each_call(make_server, connect, institution, tmp_path):
    from collections import Counter

    courses = [x for x in institution.courses.values() if x.enrollments][:2]
    server = make_server()
    canvas = connect(server)
    loaders = [cf.load_page_views, cf.load_participations, cf.load_student_summaries]
    report = cf.export_dataset(loaders, [c.id for c in courses], tmp_path / "x", canvas=canvas, progress=False)
    assert report[["course_id", "frame"]].values.tolist() == [
        [c.id, f] for c in courses for f in ("page_views", "participations", "student_summaries")
    ]
    log = Counter(server.request_log)
    assert all(log[f"/api/v1/courses/{c.id}/analytics/users/{s}/activity"] == 1 for c in courses for s in c.enrollments)
    assert all(log[f"/api/v1/courses/{c.id}/analytics/student_summaries"] == 1 for c in courses)
    views = cf.open_dataset(tmp_path / "x", "page_views").to_table().num_rows
    assert views == sum(len(truth.page_views(c)) for c in courses)
    again = cf.export_dataset(loaders, [c.id for c in courses], tmp_path / "x", canvas=canvas, progress=False)
    assert set(again["status"]) == {"skipped"}
    with pytest.raises(cf.ConfigError, match="course loaders"):
        cf.export_dataset([cf.load_page_views, cf.load_department_grades], [1], tmp_path / "y", canvas=canvas)


def test_a_linked_partition_is_refused_and_what_it_points_to_is_kept(canvas, institution, tmp_path):
    course = next(c for c in institution.courses.values() if c.enrollments)
    elsewhere = tmp_path / "precious"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    out = tmp_path / "export"
    (out / "student_summaries").mkdir(parents=True)
    (out / "student_summaries" / f"course_id={course.id}").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_student_summaries, [course.id], out, canvas=canvas, progress=False)
    link = out / "student_summaries" / f"course_id={course.id}"
    assert str(refused.value) == (
        f"{link} is a symbolic link, not a partition folder canvasframe wrote; it is never replaced or followed. "
        "Remove it, or export to another folder."
    )
    assert (elsewhere / "keep.txt").read_text() == "mine"


def test_an_export_reads_back_whole_past_files_it_did_not_write_and_never_replaces_one(canvas, institution, tmp_path):
    course = next(c for c in institution.courses.values() if c.enrollments)
    cf.export_dataset(cf.load_course_activity, [course.id], tmp_path, canvas=canvas, progress=False)
    (tmp_path / "course_activity" / f"course_id={course.id}" / "README.txt").write_text("notes of my own")
    table = cf.open_dataset(tmp_path, "course_activity").to_table()
    assert table.schema.field("course_id").type == pa.int64()
    back = table.to_pandas().sort_values("date", ignore_index=True)
    expected = truth.course_activity(course).sort_values("date", ignore_index=True)
    assert sorted(back.columns) == sorted(expected.columns)  # nothing more (no index written as a column)
    pdt.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
    [written] = (tmp_path / "course_activity" / f"course_id={course.id}").glob("*.parquet")
    assert pq.ParquetFile(written).metadata.row_group(0).column(0).compression == "ZSTD"
    in_the_way = tmp_path / "other" / "course_activity" / f"course_id={course.id}"
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_text("a file of mine where a partition folder goes")
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_course_activity, [course.id], tmp_path / "other", canvas=canvas, progress=False)
    assert str(refused.value) == (
        f"{in_the_way} is a file, not a partition folder canvasframe wrote; it is never replaced or followed. "
        "Remove it, or export to another folder."
    )
    assert in_the_way.read_text() == "a file of mine where a partition folder goes"


@pytest.mark.parametrize(
    ("content", "problem"),
    [('{"frames": null}', "the export manifest is not one canvasframe wrote"),
     ("[1, 2]", "the export manifest is not one canvasframe wrote"),
     ("{}", "the export manifest is not one canvasframe wrote"),  # canvasframe's always lists its frames
     ('{"frames": {"page_views": []}}', "the manifest's entry for 'page_views' is not one canvasframe wrote"),
     ('{"frames": {"page_views": {}}}', "the manifest's entry for 'page_views' is not one canvasframe wrote"),
     ('{"frames": {"page_views": {"courses": []}}}',
      "the manifest's entry for 'page_views' is not one canvasframe wrote"),
     ('{"frames": {"page_views": {"courses": {"7": {"rows": "3"}}}}}',
      "the manifest's record of course '7' has no row count"),
     ('{"frames": {"page_views": {"courses": {"7": 3}}}}', "the manifest's record of course '7' has no row count")],
)  # fmt: skip
def test_a_manifest_that_is_not_whole_is_refused_by_what_it_lacks_before_any_request(
    content, problem, make_server, connect, institution, tmp_path
):
    server = make_server()
    (tmp_path / "manifest.json").write_text(content)
    course = next(c for c in institution.courses.values() if c.enrollments)
    with pytest.raises(cf.FileFormatError) as refused:
        cf.export_dataset(cf.load_page_views, [course.id], tmp_path, canvas=connect(server), progress=False)
    assert str(refused.value) == f"{tmp_path / 'manifest.json'}: {problem}."
    assert server.request_log == []


def test_what_is_not_a_loader_or_a_key_is_refused_with_what_to_pass(canvas, tmp_path):
    import functools

    loaders = "export_dataset needs a canvasframe loader such as cf.load_page_views (or a list of them)."
    for loader in (functools.partial(cf.load_page_views), [], [cf.load_page_views, "load_participations"]):
        with pytest.raises(cf.ConfigError) as refused:
            cf.export_dataset(loader, [1], tmp_path, canvas=canvas)
        assert str(refused.value) == loaders
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_page_views, ["1"], tmp_path, canvas=canvas)
    assert str(refused.value) == "course_ids must hold integer Canvas ids; '1' (str) is not one."
    with pytest.raises(cf.ConfigError) as refused:
        cf.export_dataset(cf.load_page_views, [1], tmp_path, canvas=canvas, pseudonymize=12345)
    assert str(refused.value) == "The pseudonymisation key must be text or bytes, got int."
    short = "The pseudonymisation key must be at least 16 bytes; use e.g. secrets.token_hex(32)."
    for key in ("k" * 15, " " * 20 + "k" * 15):
        with pytest.raises(cf.ConfigError) as refused:
            cf.pseudonymize(pd.DataFrame({"student_id": [1]}), key)
        assert str(refused.value) == short
    assert len(cf.pseudonymize(pd.DataFrame({"student_id": [1]}), "k" * 16)) == 1  # 16 bytes will do


def test_every_course_loader_at_once_is_a_valid_export(canvas, institution, tmp_path):
    course = next(c for c in institution.courses.values() if c.enrollments)
    loaders = [cf.LOADERS[name].function for name in cf.loaders.COURSE_FRAMES]
    report = cf.export_dataset(loaders, [course.id], tmp_path, canvas=canvas, progress=False)
    assert report["frame"].tolist() == list(cf.loaders.COURSE_FRAMES)
