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


# -- shapes that used to end in a raw Python exception, or be taken as data --------------------------


def test_a_nul_padded_word_is_not_a_page_view_hour():
    """numpy reads "now" padded with NULs to the key width as the current time: refused instead."""
    for key in (
        "now" + "\x00" * 16 + "-05:00",
        "now" + "\x00" * 22,
        "today" + " " * 20,
        "2026-09-01T13:00:00-0500x",
        "2026-09-0\x001T13:00:00-05:00",
    ):
        with pytest.raises(cf.ResponseFormatError):
            transforms.page_views([(1, {"page_views": {key: 1}})], course_id=1)


@pytest.mark.parametrize("duration", ["P99999999Y", "P9999999999M", "P1000Y"])
def test_an_endless_duration_is_a_config_error_when_building_a_statement(duration):
    with pytest.raises(cf.ConfigError, match=r"result\.duration"):
        xapi.statement("a@x.test", "experienced", "https://x.test/p", duration=duration)


@pytest.mark.parametrize(
    "answer",
    [
        {"access_token": "t0ken-abcdefgh", "expires_in": float("nan")},
        {"access_token": "t0ken-abcdefgh", "expires_in": -1e9},
        {"access_token": "t0ken-abcdefgh", "expires_in": {"s": 60}},
        {"access_token": "t0ken-abcdefgh", "expires_in": True},
        {"access_token": 12345678, "expires_in": 3600},
        {"access_token": ["t"], "expires_in": 3600},
        {"access_token": "", "expires_in": 3600},
        ["not", "an", "object"],
    ],
)
def test_an_lti_token_endpoint_answering_nonsense_is_a_format_error(answer):
    from canvasframe.lti import ClientCredentials
    from canvasframe.sandbox.lti import _keypair

    from .hostile import HostileServer

    private, _ = _keypair()
    with HostileServer() as server:
        server.token_answer = answer
        with pytest.raises(cf.ResponseFormatError, match=r"access_token|expires_in"):
            ClientCredentials("1", private, server.url)()


def test_a_failed_job_whose_message_is_not_text_is_a_server_error():
    from .hostile import HostileServer

    with HostileServer() as server:
        canvas = cf.Canvas(server.url, token="hostile-test-token-9f8e7d6c5b4a", retries=0)
        with pytest.raises(cf.ServerError, match="disk full") as info:
            canvas.get_json("async", poll_async=True)
    assert "disk full" in info.value.canvas_message


def test_an_lrs_more_link_that_is_not_a_url_is_a_format_error():
    from .hostile import HostileServer

    with HostileServer() as server, pytest.raises(cf.ResponseFormatError, match="'more' link is not a URL"):
        xapi.read_statements(xapi.LRS(f"{server.url}/odd-lrs", auth=("key", "a-secret-value")))


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<lticm:property>orphan</lticm:property>", "property> without a name"),
        ('<lticm:options><lticm:property name="url">u</lticm:property></lticm:options>', "options> placement without"),
    ],
)
def test_lti_xml_without_names_is_a_config_error(xml, message):
    from canvasframe.lti import read_tool_config

    document = (
        '<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0" '
        'xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" '
        'xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"><blti:title>T</blti:title>'
        f'<blti:extensions platform="canvas.instructure.com">{xml}</blti:extensions></cartridge_basiclti_link>'
    )
    with pytest.raises(cf.ConfigError, match=message):
        read_tool_config(document)


def test_lti_xml_with_a_bom_or_an_absurd_width_is_read():
    from canvasframe.lti import read_tool_config

    document = (
        '\ufeff<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0" '
        'xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" '
        'xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"><blti:title>T</blti:title>'
        '<blti:extensions platform="canvas.instructure.com"><lticm:options name="course_navigation">'
        '<lticm:property name="selection_width">1e400</lticm:property>'
        '<lticm:property name="selection_height">640</lticm:property></lticm:options>'
        "</blti:extensions></cartridge_basiclti_link>"
    )
    frame = read_tool_config(document)
    assert frame["placement"].tolist() == ["course_navigation"]
    assert pd.isna(frame.loc[0, "selection_width"]) and frame.loc[0, "selection_height"] == 640


def test_a_cache_entry_naming_an_unknown_dtype_is_read_with_the_schemas_dtypes(tmp_path):
    import json

    import pyarrow as pa

    from canvasframe.schemas import empty_frame, to_table

    frame = empty_frame("student_summaries")
    cache = Cache(tmp_path)
    path = cache.path("ns", "student_summaries", {"course_id": 1}, fingerprint(SCHEMAS["student_summaries"]))
    table = to_table({c: frame[c] for c in frame.columns}, "student_summaries")
    fields = [f.with_metadata({b"pandas_dtype": b"no-such-dtype"}) for f in table.schema]
    planted = pa.Table.from_arrays(table.columns, schema=pa.schema(fields))
    meta = {"frame": "student_summaries", "fetched_at": "2026-11-01T00:00:00+00:00",
            "fingerprint": fingerprint(SCHEMAS["student_summaries"])}  # fmt: skip
    cache.write(path, planted, meta)
    found = cache.read("ns", "student_summaries", {"course_id": 1}, meta["fingerprint"],
                       schema=SCHEMAS["student_summaries"])  # fmt: skip
    assert found.status == "hit"
    from canvasframe.schemas import to_frame

    pd.testing.assert_frame_equal(to_frame(found.table), frame)
    assert json.loads(json.dumps(meta))["frame"] == "student_summaries"
