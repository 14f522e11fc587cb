"""The Arrow cache: atomic writes, crash safety, concurrent writers, info and clear."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

import canvasframe as cf
from canvasframe.cache import Cache, cache_key
from canvasframe.schemas import SCHEMAS, fingerprint, to_frame, to_table

from .conftest import TOKEN

FP = fingerprint(SCHEMAS["course_activity"])
META = {"frame": "course_activity", "fetched_at": "2026-01-01T00:00:00+00:00"}  # what the loaders write

# A writer that loops forever rewriting one key with a large table, so SIGKILL lands mid-write.
WRITER = textwrap.dedent(
    """
    import sys, numpy as np, pandas as pd
    from canvasframe.cache import Cache
    from canvasframe.schemas import SCHEMAS, fingerprint, to_table
    cache, n = Cache(sys.argv[1]), int(sys.argv[2])
    fp = fingerprint(SCHEMAS["course_activity"])
    path = cache.path("ns", "course_activity", {"course_id": 1}, fp)
    i = 0
    while True:
        rows = 200_000 + i % 7
        table = to_table({"course_id": np.full(rows, n), "date": pd.date_range("2020-01-01", periods=rows, freq="min"),
                          "views": np.arange(rows), "participations": np.arange(rows)}, "course_activity")
        meta = {"frame": "course_activity", "fetched_at": "2026-01-01T00:00:00+00:00"}
        cache.write(path, table, {**meta, "fingerprint": fp, "writer": n})
        print("wrote", flush=True)
        i += 1
    """
)


def _small_table(n: int = 3) -> pa.Table:
    return to_table(
        {
            "course_id": [1] * n,
            "date": pd.date_range("2026-09-01", periods=n).as_unit("us"),
            "views": range(n),
            "participations": range(n),
        },
        "course_activity",
    )


def test_key_never_depends_on_anything_but_what_identifies_the_data():
    a = cache_key("canvas.example.edu", "course_activity", {"course_id": 1}, FP)
    assert a == cache_key("canvas.example.edu", "course_activity", {"course_id": 1}, FP)
    assert a != cache_key("other.example.edu", "course_activity", {"course_id": 1}, FP)
    assert a != cache_key("canvas.example.edu", "course_activity", {"course_id": 2}, FP)
    assert a != cache_key("canvas.example.edu", "course_activity", {"course_id": 1}, "another-layout")
    both = {"course_id": 1, "student_id": 2}
    assert cache_key("h", "page_views", both, FP) == cache_key("h", "page_views", dict(reversed(both.items())), FP)


def test_write_then_read_gives_the_identical_frame(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    table = _small_table()
    cache.write(path, table, {**META, "fingerprint": FP})
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert found.status == "hit"
    pdt.assert_frame_equal(to_frame(found.table), to_frame(table))
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_layout_change_is_not_read_as_a_hit(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    cache.write(path, _small_table(), {**META, "fingerprint": "older-layout"})
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP).status == "outdated"


def test_a_failed_write_leaves_the_old_entry_and_no_temp_file(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    cache.write(path, _small_table(2), {**META, "fingerprint": FP})
    with pytest.raises(TypeError):
        cache.write(path, _small_table(5), {**META, "fingerprint": FP, "bad": object.__new__(BrokenStr)})
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP).table.num_rows == 2
    assert not list(tmp_path.rglob("*.tmp"))


class BrokenStr:
    def __str__(self):
        raise TypeError("cannot serialise")


def _read_all(cache_dir) -> list[str]:
    statuses: list[str] = []
    for path in Cache(cache_dir).entries():
        found = Cache(cache_dir).read("ns", "course_activity", {"course_id": 1}, FP)
        assert path == found.path
        statuses.append(found.status)
        if found.status == "hit":
            assert found.table is not None and found.table.num_rows >= 200_000  # never a partial table
    return statuses


def test_sigkill_during_writes_never_leaves_a_file_that_reads_as_a_frame(tmp_path):
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "1"], stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # at least one whole write has happened
        time.sleep(0.05 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert _read_all(tmp_path) == ["hit"]
    assert Cache(tmp_path).clear() == 1
    assert not list(tmp_path.rglob("*.tmp")), "clear() also removes temp files left by killed writers"


def test_two_processes_writing_one_key_leave_one_valid_file(tmp_path):
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)], stdout=subprocess.PIPE, text=True)
        for n in (1, 2)
    ]
    for proc in procs:
        for _ in range(3):
            proc.stdout.readline()
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert _read_all(tmp_path) == ["hit"]
    found = Cache(tmp_path).read("ns", "course_activity", {"course_id": 1}, FP)
    column = found.table.column("course_id").to_pandas()
    assert column.nunique() == 1  # one writer's whole file, not a mix


def test_info_and_clear(canvas, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    cf.load_course_activity(course.id, canvas=canvas)
    cf.load_page_views(course.id, canvas=canvas)  # also writes participations and summaries
    info = cf.cache.info(canvas.cache_dir)
    assert sorted(info["frame"]) == ["course_activity", "page_views", "participations", "student_summaries"]
    assert info.dtypes["rows"] == "Int64" and (info["bytes"] > 0).all()
    assert info.set_index("frame").loc["course_activity", "rows"] == len(
        cf.load_course_activity(course.id, canvas=canvas)
    )
    assert cf.cache.clear(canvas.cache_dir, frame="page_views") == 1
    assert "page_views" not in set(cf.cache.info(canvas.cache_dir)["frame"])
    assert cf.cache.clear(canvas.cache_dir) == 3
    assert cf.cache.info(canvas.cache_dir).empty


def test_no_cache_file_holds_the_token(canvas, institution):
    from .conftest import TOKEN

    course = next(c for c in institution.courses.values() if c.enrollments)
    for loader in (cf.load_page_views, cf.load_student_assignments, cf.load_course_assignments):
        loader(course.id, canvas=canvas)
    files = list(Cache(canvas.cache_dir).directory.rglob("*"))
    assert files
    for path in files:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()
            assert TOKEN not in str(path)


def test_default_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CANVASFRAME_CACHE_DIR", str(tmp_path / "here"))
    assert Cache().directory == tmp_path / "here"
    monkeypatch.delenv("CANVASFRAME_CACHE_DIR")
    assert "canvasframe" in str(Cache().directory)
    assert os.path.isabs(Cache().directory)


def test_a_cache_others_can_write_into_is_refused_and_nothing_is_read(canvas, sandbox, institution, tmp_path):
    """A world-writable cache folder (or entry) could hold a planted frame: refused, as ssh refuses such a key."""
    import os
    import stat

    course = next(c for c in institution.courses.values() if c.enrollments)
    cache_dir = tmp_path / "shared-cache"
    session = cf.Canvas(canvas.root_url, token=TOKEN, cache_dir=cache_dir)
    cf.load_course_activity(course.id, canvas=session)
    [entry] = [Path(p) for p in cf.cache.info(cache_dir)["path"]]
    for target in (cache_dir, entry.parent.parent, entry.parent, entry):  # the cache, namespace, frame, entry
        mode = target.stat().st_mode
        os.chmod(target, mode | stat.S_IWOTH)
        sandbox.clear_log()
        with pytest.raises(cf.CacheError) as info:
            cf.load_course_activity(course.id, canvas=session)
        kind = "entry" if target == entry else "folder"
        assert str(info.value) == (
            f"The cache {kind} {target} is writable by other users: anyone could plant data in it that would be read "
            f"as yours. Run chmod go-w {target}, or use a folder of your own (cf.connect(..., cache_dir=...) or "
            "CANVASFRAME_CACHE_DIR)."
        )
        assert info.value.path == str(target)
        assert sandbox.request_log == []  # neither served nor refetched into it
        os.chmod(target, mode)
    os.chmod(cache_dir, cache_dir.stat().st_mode | stat.S_IWOTH | stat.S_ISVTX)  # like /tmp: allowed
    assert len(cf.load_course_activity(course.id, canvas=session)) > 0


@pytest.mark.parametrize("frame", sorted(SCHEMAS))
def test_the_fingerprint_follows_every_change_of_a_frames_layout(frame):
    """A cached frame is read back only under its schema's fingerprint: were a change of layout to keep
    the fingerprint, stale frames of the old shape would be served. Every kind of change moves it."""
    schema = SCHEMAS[frame]
    first, last = schema.field(0), schema.field(len(schema) - 1)
    changed = [
        schema.remove(len(schema) - 1),  # a column dropped
        schema.append(pa.field("extra", pa.int64())),  # a column added
        schema.set(0, first.with_name(first.name + "_renamed")),  # a column renamed
        schema.set(0, first.with_type(pa.string() if first.type != pa.string() else pa.int64())),  # retyped
        schema.set(len(schema) - 1, last.with_metadata({b"pandas_dtype": b"category"})),  # another pandas dtype
    ]
    prints = [fingerprint(s) for s in changed]
    assert fingerprint(schema) not in prints and len(set(prints)) == len(prints)


def test_offline_a_stale_entry_is_served_with_a_warning_not_an_error(sandbox, connect, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    fresh = cf.load_course_activity(course.id, canvas=connect(sandbox))
    offline = connect(sandbox, offline=True)
    sandbox.clear_log()
    with pytest.warns(cf.CanvasframeWarning, match="offline: serving course_activity") as caught:
        stale = cf.load_course_activity(course.id, canvas=offline, max_age=0)
    pdt.assert_frame_equal(stale, fresh)
    assert stale.attrs["canvasframe"]["from_cache"] is True and sandbox.request_log == []
    assert [w.filename for w in caught] == [__file__]


def test_an_entry_that_holds_more_than_was_written_into_it_is_not_decoded_further(tmp_path):
    """A planted entry: valid metadata saying 10 rows, and 2 million rows of zeros that compress to a few KiB."""
    import json

    import numpy as np
    import pyarrow.ipc as ipc

    cache = Cache(tmp_path)
    schema = SCHEMAS["course_activity"]
    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    n = 2_000_000
    zeros = pa.array(np.zeros(n, dtype="int64"))
    arrays = [zeros.cast(f.type) if not pa.types.is_timestamp(f.type) else zeros.cast(pa.int64()).cast(f.type)
              for f in schema]  # fmt: skip
    meta = {**META, "fingerprint": FP, "rows": 10, "bytes": 1000}
    planted = pa.Table.from_arrays(arrays, schema=schema).replace_schema_metadata({b"canvasframe": json.dumps(meta)})
    path.parent.mkdir(parents=True)
    with ipc.new_file(str(path), planted.schema, options=ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(planted, max_chunksize=65_536)
    assert path.stat().st_size < 2**20  # a small file ...
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP, schema=schema)
    assert found.status == "corrupt" and "more than the 10 rows" in found.problem  # ... never read whole


def _entry(cache: Cache, namespace: str, frame: str, params: dict, *, rows: int = 3, **meta) -> Path:
    """One entry written as the loaders write it: the frame's own fingerprint, the raw namespace in the metadata."""
    fp = fingerprint(SCHEMAS[frame])
    path = cache.path(namespace, frame, params, fp)
    written = {**META, "frame": frame, "namespace": namespace, "params": params, "fingerprint": fp, **meta}
    return cache.write(path, _small_table(rows), written)


def test_an_entry_lives_in_one_safe_folder_per_namespace_and_frame(tmp_path):
    """Hosts and frame names become one path segment each: unsafe runs become ``_``, edge dots go."""
    cache = Cache(tmp_path)
    path = cache.path("https://X.example.edu:443", ".course_activity.", {"course_id": 1}, FP)
    key = cache_key("https://X.example.edu:443", ".course_activity.", {"course_id": 1}, FP)
    assert path.relative_to(tmp_path).parts == ("https_X.example.edu_443", "course_activity", f"{key}.arrow")
    assert cache.path("..", "..", {}, FP).relative_to(tmp_path).parts[:2] == ("_", "_")  # never out of the cache
    assert cache.path(".X.ns.", "course_activity", {}, FP).relative_to(tmp_path).parts[0] == "X.ns"


def test_the_default_cache_is_the_platforms_user_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CANVASFRAME_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # where the XDG spec puts user caches
    assert Cache().directory == tmp_path / "xdg" / "canvasframe"


def test_an_entry_records_how_much_it_holds_and_is_written_compressed_batch_by_batch(tmp_path):
    """The counts bound what a read decodes; lz4 keeps the file small; batches bound the writer's memory."""
    import pyarrow.ipc as ipc

    rows = 150_000
    path = _entry(Cache(tmp_path), "ns", "course_activity", {"course_id": 1}, rows=rows)
    table = _small_table(rows)
    with pa.memory_map(str(path)) as source:
        reader = ipc.open_file(source)
        meta = json.loads(reader.schema.metadata[b"canvasframe"])
        assert (meta["rows"], meta["bytes"]) == (rows, table.nbytes)
        assert [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)] == [65_536, 65_536, 18_928]
    plain = pa.BufferOutputStream()
    with ipc.new_file(plain, table.schema) as writer:
        writer.write_table(table)
    assert path.stat().st_size < 0.75 * plain.getvalue().size


def test_parameters_that_are_not_json_are_recorded_as_text(tmp_path):
    """A unit may hold a date: the entry is still written, and ``info`` shows the date as text."""
    when = pd.Timestamp("2026-09-01", tz="UTC")
    _entry(Cache(tmp_path), "ns", "course_activity", {"since": when})
    assert Cache(tmp_path).info()["params"].tolist() == [json.dumps({"since": str(when)})]


def test_an_entry_without_byte_counts_is_read_whole_as_an_older_release_wrote_it(tmp_path):
    cache = Cache(tmp_path)
    _planted(cache, _small_table(), {**META, "fingerprint": FP, "rows": 3})  # not Cache.write, which adds both
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP, schema=SCHEMAS["course_activity"])
    assert found.status == "hit" and found.table.num_rows == 3


def test_info_lists_each_entry_whole_and_an_unreadable_one_as_such(tmp_path):
    cache = Cache(tmp_path)
    first = _entry(cache, "https://canvas.example.edu", "course_activity", {"course_id": 1}, rows=4)
    second = _entry(cache, "sample", "course_activity", {"course_id": 2}, rows=2,
                    fetched_at="2026-02-03T06:05:06+02:00")  # fmt: skip
    older = cache.path("https://old.example.edu", "course_activity", {"course_id": 3}, FP)  # no namespace kept
    cache.write(older, _small_table(1), {**META, "params": {"course_id": 3}, "fingerprint": FP})
    broken = cache.path("sample", "page_views", {"course_id": 2}, fingerprint(SCHEMAS["page_views"]))
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not arrow")
    expected = pd.DataFrame(
        {
            # The host as given, not its folder, but where an older entry did not keep it.
            "namespace": ["https://canvas.example.edu", "https_old.example.edu", "sample", "sample"],
            "frame": ["course_activity", "course_activity", "course_activity", "page_views"],
            "params": ['{"course_id": 1}', '{"course_id": 3}', '{"course_id": 2}', "<unreadable: will be refetched>"],
            "rows": pd.array([4, 1, 2, pd.NA], dtype="Int64"),
            "bytes": [first.stat().st_size, older.stat().st_size, second.stat().st_size, len(b"not arrow")],
            "fetched_at": pd.to_datetime([META["fetched_at"], META["fetched_at"], "2026-02-03T04:05:06Z", None]),
            "path": [str(first), str(older), str(second), str(broken)],
        }
    )
    expected["fetched_at"] = expected["fetched_at"].dt.as_unit("us")
    found = cache.info()
    pdt.assert_frame_equal(pd.DataFrame(found), expected)
    total = int(expected["bytes"].sum())
    assert f"<code>{tmp_path}</code>: 4 entries, {total / 1024:.1f} KiB</p>" in found._repr_html_()
    assert 1024 <= total < 1024**2
    assert "<td>https://canvas.example.edu</td>" in found._repr_html_()  # the entries, below the line
    with pd.option_context("display.notebook_repr_html", False):  # pandas shows no table: the line alone
        assert found._repr_html_().endswith("KiB</p>")
    unplaced = cf.cache.CacheInfo(data=pd.DataFrame({"bytes": [1]}))
    assert unplaced._repr_html_().startswith("<p><b>canvasframe cache</b> at <code>?</code>: 1 entries, 1 B</p>")


def test_clear_removes_only_the_entries_asked_for_and_leftovers_only_when_asked_for_all(tmp_path):
    cache = Cache(tmp_path)
    old = _entry(cache, "a", "course_activity", {"course_id": 1})
    new = _entry(cache, "a", "course_activity", {"course_id": 2})
    other = _entry(cache, "b", "course_activity", {"course_id": 1})
    for path in (old, other):
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    leftover = old.parent / f".{old.stem}.x1y2.tmp"  # a temporary file of a writer killed mid-write
    leftover.write_bytes(b"half")
    notes = old.parent / "notes.arrow"  # not canvasframe's: never listed, never removed
    notes.write_bytes(b"mine")
    assert cache.entries("a") == sorted([old, new]) and cache.entries() == sorted([old, new, other])
    assert cf.cache.clear(tmp_path, namespace="a", older_than=1800) == 1
    assert cache.entries() == sorted([new, other])
    for only in ({"namespace": "b"}, {"frame": "page_views"}, {"older_than": 1800}):
        cache.clear(**only)
        assert leftover.exists(), f"clear({only}) must leave a temporary file alone: its writer may be running"
    assert cache.entries() == [new]
    assert cache.clear() == 1 and not leftover.exists() and notes.read_bytes() == b"mine"


def test_each_lookup_says_what_it_found_where(tmp_path):
    cache = Cache(tmp_path)
    where = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP) == cf.cache.Lookup("miss", where)
    cache.write(where, _small_table(), {**META, "fingerprint": "older-layout"})
    outdated = cf.cache.Lookup("outdated", where, problem="written for another layout of this frame")
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP) == outdated
    cache.write(where, _small_table(), {**META, "fingerprint": FP, "fetched_at": "2020-01-01T00:00:00+00:00"})
    stale = cache.read("ns", "course_activity", {"course_id": 1}, FP, max_age=60)
    assert (stale.status, stale.path, stale.table.num_rows) == ("stale", where, 3)
    where.write_bytes(b"not arrow")
    corrupt = cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert (corrupt.status, corrupt.path, corrupt.problem.split(":")[0]) == ("corrupt", where, "ArrowInvalid")


NOT_OURS = "ValueError: the metadata is not canvasframe's (frame, fetched_at)"


@pytest.mark.parametrize(
    ("meta", "problem"),
    [({"frame": "page_views", "fetched_at": "2026-01-01T00:00:00+00:00"}, NOT_OURS),  # another frame's
     ({"frame": "course_activity"}, NOT_OURS), ({"frame": "course_activity", "fetched_at": 20260101}, NOT_OURS),
     ({"frame": "course_activity", "fetched_at": "2026-01-01T00:00:00"}, "ValueError: fetched_at has no time zone")],
)  # fmt: skip
def test_an_entry_whose_metadata_is_not_whole_is_corrupt_not_a_frame(tmp_path, meta, problem):
    cache = Cache(tmp_path)
    cache.write(cache.path("ns", "course_activity", {"course_id": 1}, FP), _small_table(), {**meta, "fingerprint": FP})
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert (found.status, found.problem) == ("corrupt", problem)


def _planted(cache: Cache, table: pa.Table, meta: dict) -> None:
    """An entry written past Cache.write, with whatever counts ``meta`` claims."""
    import pyarrow.ipc as ipc

    path = cache.path("ns", "course_activity", {"course_id": 1}, FP)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.replace_schema_metadata({b"canvasframe": json.dumps(meta)})
    with ipc.new_file(str(path), table.schema, options=ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(table, max_chunksize=65_536)


def test_an_entry_is_decoded_up_to_a_mebibyte_past_the_bytes_written_into_it_and_no_further(tmp_path):
    """Rows within the count, bytes over it: the byte bound alone stops the read, with a mebibyte's slack
    (a batch read back may be a little larger than the one written)."""
    cache = Cache(tmp_path)
    table = _small_table(100_000)
    decoded = sum(batch.nbytes for batch in table.to_batches(max_chunksize=65_536))
    for claimed, status in ((decoded - 2**20, "hit"), (decoded - 2**20 - 1, "corrupt")):
        _planted(cache, table, {**META, "fingerprint": FP, "rows": table.num_rows, "bytes": claimed})
        assert cache.read("ns", "course_activity", {"course_id": 1}, FP).status == status, claimed
    _planted(cache, table, {**META, "fingerprint": FP, "rows": table.num_rows - 1, "bytes": decoded})
    assert cache.read("ns", "course_activity", {"course_id": 1}, FP).status == "corrupt"  # one row too many


def test_an_empty_frame_is_cached_and_read_back_empty(tmp_path):
    cache = Cache(tmp_path)
    cache.write(cache.path("ns", "course_activity", {"course_id": 1}, FP), _small_table(0), {**META, "fingerprint": FP})
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP, schema=SCHEMAS["course_activity"])
    assert found.status == "hit"
    pdt.assert_frame_equal(to_frame(found.table), to_frame(_small_table(0)))


def test_a_cached_frame_is_decoded_into_the_frames_own_memory_pool(tmp_path):
    """The pool that gives freed pages straight back (see schemas.MEMORY_POOL), not Arrow's default one."""
    from canvasframe.schemas import MEMORY_POOL

    cache = Cache(tmp_path)
    table = _small_table(200_000)
    cache.write(cache.path("ns", "course_activity", {"course_id": 1}, FP), table, {**META, "fingerprint": FP})
    before = MEMORY_POOL.bytes_allocated()
    found = cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert MEMORY_POOL.bytes_allocated() - before >= table.nbytes
    del found


def test_a_cache_entry_that_is_a_link_or_anothers_is_refused_by_name(tmp_path):
    """A link could point anywhere (another user's file, one that changes under you): never followed."""
    cache = Cache(tmp_path / "cache")
    entry = _entry(cache, "ns", "course_activity", {"course_id": 1})
    elsewhere = tmp_path / "elsewhere.arrow"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    with pytest.raises(cf.CacheError) as linked:
        cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert str(linked.value).startswith(f"The cache entry {entry} is a symbolic link, never followed: ")
    assert f"Remove {entry}, or use a folder of your own" in str(linked.value)
    entry.unlink()
    elsewhere.rename(entry)
    if os.getuid() != 0:  # only root can give a file away
        return
    os.chown(entry, 4242, 4242)
    with pytest.raises(cf.CacheError) as given:
        cache.read("ns", "course_activity", {"course_id": 1}, FP)
    assert str(given.value).startswith(f"The cache entry {entry} belongs to another user: ")
    assert f"Use a folder of your own ({entry} is not)" in str(given.value)


def test_sizes_for_people_use_binary_units_and_whole_bytes():
    sizes = [0, 1023, 1024, 1536, 2**20 - 1, 2**20, 3 * 2**30, 5000 * 2**30]
    assert [cf.cache.human_size(n) for n in sizes] == [
        "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "1024.0 KiB", "1.0 MiB", "3.0 GiB", "5000.0 GiB"
    ]  # fmt: skip
