"""Hostile values, files and cache entries: wrong data is refused, never read as something else,
and nothing canvasframe did not write is read as its own or deleted."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

import canvasframe as cf
from canvasframe import transforms, xapi
from canvasframe.cache import Cache
from canvasframe.schemas import SCHEMAS, fingerprint

NOT_TIMESTAMPS = ["now", "today", "1/2/2024", "Jan 5", "2026-09-01T10:00:00+25:00", "2026-09-01T10:00:00+05:75"]


@pytest.mark.parametrize("value", NOT_TIMESTAMPS)
def test_words_and_impossible_offsets_are_not_timestamps(value):
    with pytest.raises(cf.ResponseFormatError, match="expected an ISO 8601 timestamp"):
        transforms.participations([(1, {"participations": [{"created_at": value, "url": None}]})], course_id=1)


@pytest.mark.parametrize("value", NOT_TIMESTAMPS)
def test_xapi_timestamps_are_read_strictly(value):
    stmt = xapi.statement("a@x.test", "experienced", "https://x.test/p") | {"timestamp": value}
    with pytest.warns(cf.CanvasframeWarning, match="1 invalid"):
        frame = xapi.read_statements([stmt])
    assert pd.isna(frame.loc[0, "timestamp"])


def test_page_view_keys_of_the_wrong_length_are_never_re_cut_into_hours():
    """24 + 26 characters make two 25-character keys when packed: each key is measured."""
    keys = {"2026-09-01T13:00:00-05:0": 1, "02026-09-01T14:00:00-05:00": 2}
    with pytest.raises(cf.ResponseFormatError, match=r"expected an ISO 8601"):
        transforms.page_views([(1, {"page_views": keys})], course_id=1)


def test_an_offset_beyond_14_hours_is_refused_on_the_fast_path_too():
    keys = {"2026-09-01T13:00:00+25:00": 1}
    with pytest.raises(cf.ResponseFormatError):
        transforms.page_views([(1, {"page_views": keys})], course_id=1)


def test_thousands_of_digits_are_a_format_error():
    with pytest.raises(cf.ResponseFormatError, match="too many for an int64"):
        transforms.as_int("9" * 5000, "views", "test")


def test_an_endless_xapi_duration_is_nat_with_a_warning_not_a_lost_read():
    good = xapi.statement("a@x.test", "experienced", "https://x.test/p", duration="PT1M")
    endless = good | {"id": None, "result": {"duration": "P99999999Y"}}
    with pytest.warns(cf.CanvasframeWarning, match="1 invalid"):
        frame = xapi.read_statements([good, endless])
    assert frame["result_duration"].isna().tolist() == [False, True]


def test_course_ids_above_2_53_stay_exact_in_to_page_views():
    big = 2**53 + 7
    page = f"https://x.test/courses/{big}/pages/p"
    stmt = xapi.statement("a@x.test", "experienced", page, timestamp="2026-09-01T10:00:00Z")
    views = xapi.to_page_views(xapi.read_statements([stmt]), student_ids={"mailto:a@x.test": 5})
    assert views.loc[0, "course_id"] == big


def test_pseudonymize_replaces_user_ids_inside_urls():
    stmt = xapi.statement("a@x.test", "experienced", "https://x.test/courses/3/users/123456/files/9")
    shared = cf.pseudonymize(xapi.read_statements([stmt]), "a-key-that-is-long-enough-for-hmac")
    assert "123456" not in shared.loc[0, "object_id"] and "/courses/3/users/" in shared.loc[0, "object_id"]


# -- the cache ---------------------------------------------------------------------------------------

FP = fingerprint(SCHEMAS["course_activity"])


def _activity(n: int = 3) -> pa.Table:
    frame = transforms.course_activity(
        [{"date": f"2026-09-0{i + 1}", "views": i, "participations": 0} for i in range(n)], course_id=1
    )
    return pa.Table.from_pandas(frame, schema=SCHEMAS["course_activity"], preserve_index=False)


def test_an_entry_whose_columns_disagree_with_its_fingerprint_is_not_served(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    wrong = pa.table({"course_id": [1], "date": ["not a date"], "views": [1.5]})
    cache.write(path, wrong, {"frame": "course_activity", "fingerprint": FP, "fetched_at": "2026-01-01T00:00:00+00:00"})
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP, schema=SCHEMAS["course_activity"])
    assert found.status == "corrupt" and "columns differ" in found.problem


@pytest.mark.parametrize(
    "meta",
    [
        {"frame": "course_activity", "fingerprint": FP, "fetched_at": "yesterday"},
        {"frame": "course_activity", "fingerprint": FP},
        {"frame": "page_views", "fingerprint": FP, "fetched_at": "2026-01-01T00:00:00+00:00"},
        {"frame": "course_activity", "fingerprint": FP, "fetched_at": "2026-01-01T00:00:00"},
    ],
    ids=["not-a-date", "no-fetched-at", "another-frame", "naive-date"],
)
def test_malformed_metadata_is_corrupt_not_a_crash(tmp_path, meta):
    cache = Cache(tmp_path)
    cache.write(cache.path("ns", "course_activity", {"course_id": 1}, FP), _activity(), meta)
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP, max_age=60).status == "corrupt"


def test_malformed_json_metadata_is_corrupt(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    table = _activity().replace_schema_metadata({b"canvasframe": b"[" * 100_000})
    path.parent.mkdir(parents=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP).status == "corrupt"
    assert cache.info().loc[0, "params"] == "<unreadable: will be refetched>"  # listed, not a crash


def test_clear_removes_only_what_canvasframe_wrote(tmp_path):
    cache = Cache(tmp_path)
    cache.write(
        cache.path("ns", "course_activity", {"course_id": 1}, FP),
        _activity(),
        {"frame": "course_activity", "fingerprint": FP, "fetched_at": "2026-01-01T00:00:00+00:00"},
    )
    theirs = [tmp_path / "notes.arrow", tmp_path / "ns" / "course_activity" / "mine.arrow", tmp_path / "draft.tmp"]
    for path in theirs:
        path.write_bytes(b"someone else's")
    assert cache.clear() == 1
    assert all(path.exists() for path in theirs)


def test_a_namespace_cannot_leave_the_cache_folder(tmp_path):
    cache = Cache(tmp_path / "cache")
    for namespace in ("..", ".", "../..", "/etc"):
        path = cache.path(namespace, "course_activity", {"course_id": 1}, FP)
        assert path.resolve().is_relative_to((tmp_path / "cache").resolve()), namespace


def test_a_cache_that_cannot_be_written_keeps_the_fetched_frame(sandbox, institution, tmp_path):
    """The cache folder is a file here (so even root cannot write it): the frame is returned, with a warning.
    A full disk or a read-only folder fails the same write with the same OSError branch."""
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    session = cf.Canvas(sandbox.url, token="test-token-ab12cd34ef56gh78ij90kl", cache_dir=not_a_folder)
    course = next(c for c in institution.courses.values() if c.enrollments)
    with pytest.warns(cf.CanvasframeWarning, match="could not cache course_activity"):
        frame = cf.load_course_activity(course.id, canvas=session)
    assert len(frame) > 0 and frame.attrs["canvasframe"]["from_cache"] is False


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"frames": {"page_views": {"courses": {"1": "done"}}}}', '{"frames": 7}'],
)
def test_a_corrupt_export_manifest_is_a_typed_error(canvas, institution, tmp_path, content):
    (tmp_path / "manifest.json").write_text(content)
    course = next(c for c in institution.courses.values() if c.enrollments)
    with pytest.raises(cf.FileFormatError, match="manifest"):
        cf.export_dataset(cf.load_course_activity, [course.id], tmp_path, canvas=canvas, progress=False)


def test_files_the_cache_did_not_write_are_not_listed(tmp_path):
    (tmp_path / "ns" / "course_activity").mkdir(parents=True)
    (tmp_path / "ns" / "course_activity" / "notes.arrow").write_bytes(b"x")
    assert cf.cache.info(tmp_path).empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Cache(Path(tmp_path)).entries() == []


def test_hostile_json_in_a_statements_file_is_a_file_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(cf.FileFormatError, match=str(path)):
        xapi.read_statements(path)
    big = tmp_path / "big.json"
    big.write_text(json.dumps([{"id": "x", "result": {"score": {"scaled": 1}}}]).replace("1}", "1" + "0" * 5000 + "}"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        frame = xapi.read_statements(big)  # a number too big for a float is no score, not a crash
    pdt.assert_series_equal(frame["result_score_scaled"].isna(), pd.Series([True], name="result_score_scaled"))


def test_an_explorer_shows_a_hostile_answer_in_its_status_line(make_server, connect, institution):
    """Every failure is a typed error, so the explorer reports it instead of raising."""
    from canvasframe.sandbox import FaultPlan

    plan = FaultPlan().script(r"/analytics/activity$", "huge-error-id", times=None)
    canvas = connect(make_server(faults=plan), retries=1)
    course = next(c for c in institution.courses.values() if c.enrollments)
    explorer = cf.widgets.CourseExplorer(course.id, canvas=canvas)
    assert "Could not load" in explorer.status.value and "HTTP 500" in explorer.status.value


def test_repeated_ids_are_loaded_once_and_said_so(canvas, sandbox, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    student = sorted(course.enrollments)[0]
    sandbox.clear_log()
    with pytest.warns(cf.CanvasframeWarning, match=rf"student_id lists \[{student}\] more than once"):
        views = cf.load_page_views(course.id, [student, student], canvas=canvas)
    assert sandbox.request_log.count(f"/api/v1/courses/{course.id}/analytics/users/{student}/activity") == 1
    assert set(views["student_id"]) == {student}
