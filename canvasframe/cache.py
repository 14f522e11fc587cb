"""Arrow IPC files on disk, one per (namespace, frame, params, schema fingerprint).

Storage only: the loaders decide when to read, write or refetch. The key is
made by :func:`cache_key` from the Canvas host (or sample namespace), the frame
name, the request parameters and the schema fingerprint; it never sees
credentials. Files are written to a temporary name in the same folder, flushed
to disk and renamed over the target (``os.replace`` is atomic on POSIX and
Windows), so a crash never leaves a half-written file under a real name, and
two writers of the same key leave one whole file.

Examples
--------
>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)
>>> views = cf.load_page_views(canvas.sample_course_id)
>>> cf.cache.info()[["frame", "rows"]]
               frame   rows
0         page_views  17179
1     participations   2637
2  student_summaries     36
>>> cf.cache.clear(frame="page_views")
1
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.ipc as ipc

from ._atomic import atomic_write
from ._settings import environment
from .errors import CacheError
from .schemas import MEMORY_POOL

__all__ = ["Cache", "CacheInfo", "Lookup", "Status", "cache_key", "clear", "default_cache_dir", "human_size", "info"]

META_KEY = b"canvasframe"
SUFFIX = ".arrow"
# LZ4 decompresses several times faster than zstd at a modest size cost: cache reads are the hot path.
_WRITE_OPTIONS = ipc.IpcWriteOptions(compression="lz4")
_BATCH_ROWS = 65_536
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# What canvasframe writes, and so the only files it lists or removes: <namespace>/<frame>/<32 hex>.arrow,
# and the temporary files of interrupted writes beside them.
_ENTRY = re.compile(r"[0-9a-f]{32}\.arrow")
_LEFTOVER = re.compile(r"\.[0-9a-f]{32}\..+\.tmp")


def _folder(name: str) -> str:
    """A name as one safe path segment: never empty, never ``.`` or ``..`` (which would leave the cache)."""
    return _UNSAFE.sub("_", name).strip(".") or "_"


def default_cache_dir() -> Path:
    """``CANVASFRAME_CACHE_DIR``, else the platform's user cache directory."""
    return environment("cache_dir").cache_dir or Path(platformdirs.user_cache_dir("canvasframe", appauthor=False))


def cache_key(namespace: str, frame: str, params: dict[str, Any], fingerprint: str) -> str:
    """The file stem for one entry: a hash of everything that identifies the data, and nothing secret."""
    blob = json.dumps([namespace, frame, params, fingerprint], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


Status = Literal["hit", "miss", "stale", "outdated", "corrupt"]
"""What a cache lookup found: a usable entry, none, one older than ``max_age``, one of an older
schema, or one that cannot be read."""


@dataclass
class Lookup:
    """What the cache has for a key: ``status`` is hit, miss, stale, outdated or corrupt."""

    status: Status
    path: Path
    table: pa.Table | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


class Cache:
    """A folder of Arrow IPC files.

    Parameters
    ----------
    directory : path, optional
        Defaults to :func:`default_cache_dir`.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"Cache({str(self.directory)!r})"

    def path(self, namespace: str, frame: str, params: dict[str, Any], fingerprint: str) -> Path:
        key = cache_key(namespace, frame, params, fingerprint)
        return self.directory / _folder(namespace) / _folder(frame) / f"{key}{SUFFIX}"

    def read(
        self,
        namespace: str,
        frame: str,
        params: dict[str, Any],
        fingerprint: str,
        *,
        max_age: float | None = None,
        schema: pa.Schema | None = None,
    ) -> Lookup:
        """Look an entry up; never raises for a bad file (status ``corrupt`` instead).

        An entry is trusted only when its metadata is whole (frame, fingerprint, an ISO
        ``fetched_at``) and, given ``schema``, its columns and types are that schema's: a file
        whose content disagrees with its own fingerprint is corrupt, not a frame.
        """
        path = self.path(namespace, frame, params, fingerprint)
        self.check_private(path)
        if not path.exists():
            return Lookup("miss", path)
        try:
            with pa.memory_map(str(path)) as source:
                reader = ipc.open_file(source, memory_pool=MEMORY_POOL)  # the footer only: nothing decoded yet
                meta = json.loads(reader.schema.metadata[META_KEY])
                if not (
                    isinstance(meta, dict) and meta.get("frame") == frame and isinstance(meta.get("fetched_at"), str)
                ):
                    raise ValueError("the metadata is not canvasframe's (frame, fetched_at)")
                fetched = datetime.fromisoformat(meta["fetched_at"])
                if fetched.tzinfo is None:
                    raise ValueError("fetched_at has no time zone")
                if meta.get("fingerprint") != fingerprint:
                    return Lookup("outdated", path, problem="written for another layout of this frame")
                table = _read_within(reader, meta)  # decompressed where frames live
        except (pa.ArrowException, OSError, KeyError, TypeError, ValueError, RecursionError) as exc:
            return Lookup("corrupt", path, problem=f"{type(exc).__name__}: {exc}")
        table = table.replace_schema_metadata(None)
        if schema is not None:
            if [(f.name, f.type) for f in table.schema] != [(f.name, f.type) for f in schema]:
                return Lookup("corrupt", path, problem="its columns differ from the layout its fingerprint names")
            # The columns' own metadata (the pandas dtype each becomes) is the schema's, never the file's.
            table = pa.Table.from_arrays(table.columns, schema=schema)
        if max_age is not None and (datetime.now(timezone.utc) - fetched).total_seconds() > max_age:
            return Lookup("stale", path, table, meta)
        return Lookup("hit", path, table, meta)

    def check_private(self, path: Path) -> None:
        """Refuse a cache that someone else could have written into, as ssh refuses such a key file.

        The cache folder, the entry's folders below it and the entry itself must belong to this user
        and be writable by no one else (world-writable with the sticky bit, like /tmp, is allowed for
        the folders): otherwise anyone on the machine could plant an entry that would be served as
        your Canvas data.
        """
        if not hasattr(os, "getuid"):  # Windows: folder permissions are ACLs, not checked here
            return
        me = os.getuid()
        below = [self.directory / p for p in reversed(path.relative_to(self.directory).parents[:-1])]
        for target in (self.directory, *below, path):
            try:
                info = target.lstat()
            except (FileNotFoundError, NotADirectoryError):  # not there yet (or a file is in the way: the write says)
                continue
            folder = stat.S_ISDIR(info.st_mode)
            if info.st_uid not in (me, 0):
                why, remedy = "belongs to another user", f"Use a folder of your own ({target} is not)"
            elif stat.S_ISLNK(info.st_mode) and target == path:  # before the mode: a link's is always rwxrwxrwx
                why, remedy = "is a symbolic link, never followed", f"Remove {target}, or use a folder of your own"
            elif info.st_mode & stat.S_IWOTH and not (folder and info.st_mode & stat.S_ISVTX):
                why, remedy = "is writable by other users", f"Run chmod go-w {target}, or use a folder of your own"
            else:
                continue
            raise CacheError(
                f"The cache {'folder' if folder else 'entry'} {target} {why}: anyone could plant data in it that "
                f"would be read as yours. {remedy} (cf.connect(..., cache_dir=...) or CANVASFRAME_CACHE_DIR).",
                path=target,
            )

    def write(self, path: Path, table: pa.Table, meta: dict[str, Any]) -> Path:
        """Write whole or not at all (a temporary file renamed into place), into a folder only this user can write."""
        self.check_private(path)
        meta = {**meta, "rows": table.num_rows, "bytes": table.nbytes}  # what a reader may decode, at most
        table = table.replace_schema_metadata({META_KEY: json.dumps(meta, default=str).encode()})

        def write_ipc(handle: BinaryIO) -> None:
            with ipc.new_file(handle, table.schema, options=_WRITE_OPTIONS) as writer:
                # Batch by batch: the writer then holds one batch's compressed copy, not the frame's.
                writer.write_table(table, max_chunksize=_BATCH_ROWS)

        return atomic_write(path, write_ipc)

    def entries(self, namespace: str | None = None) -> list[Path]:
        """The entry files canvasframe wrote here (any other file in the folder is not one of them),
        all of them or one namespace's (a Canvas host, the sample)."""
        if not self.directory.is_dir():
            return []
        folder = "*" if namespace is None else _folder(namespace)
        found = self.directory.glob(f"{folder}/*/*{SUFFIX}")
        return sorted(p for p in found if _ENTRY.fullmatch(p.name) and p.is_file())

    def info(self) -> pd.DataFrame:
        """One row per entry: namespace, frame, params, rows, bytes, fetched_at, path."""
        rows = []
        for path in self.entries():
            # What an unreadable entry cannot say (params, rows, fetched_at) is left out: NA in the frame.
            row: dict[str, Any] = {
                "namespace": path.parent.parent.name,
                "frame": path.parent.name,
                "bytes": path.stat().st_size,
                "path": str(path),
            }
            try:
                with pa.memory_map(str(path)) as source:
                    reader = ipc.open_file(source)
                    meta = json.loads(reader.schema.metadata[META_KEY])
                    row["rows"] = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
                row.update(
                    namespace=meta.get("namespace", row["namespace"]),
                    params=json.dumps(meta.get("params")),
                    fetched_at=pd.Timestamp(meta["fetched_at"]),
                )
            except (pa.ArrowException, OSError, KeyError, TypeError, ValueError, RecursionError):
                row["params"] = "<unreadable: will be refetched>"
            rows.append(row)
        columns = ["namespace", "frame", "params", "rows", "bytes", "fetched_at", "path"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["rows"] = frame["rows"].astype("Int64")
        frame["bytes"] = frame["bytes"].astype("int64")
        frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True).dt.as_unit("us")
        return CacheInfo(frame, directory=self.directory)

    def clear(self, *, namespace: str | None = None, frame: str | None = None, older_than: float | None = None) -> int:
        """Remove entries (all, or those of a namespace / frame / older than N seconds); return how many."""
        removed = 0
        now = time.time()
        for path in self.entries(namespace):
            if frame is not None and path.parent.name != _folder(frame):
                continue
            if older_than is not None and now - path.stat().st_mtime < older_than:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        if namespace is None and frame is None and older_than is None and self.directory.is_dir():
            for leftover in self.directory.glob("*/*/.*.tmp"):  # from writers killed mid-write
                if _LEFTOVER.fullmatch(leftover.name):
                    leftover.unlink(missing_ok=True)
        return removed


def _read_within(reader: ipc.RecordBatchFileReader, meta: dict[str, Any]) -> pa.Table:
    """The entry's batches, decoded one at a time, never past the rows and bytes its metadata gives.

    A few KiB of compressed zeros can inflate to hundreds of MiB: an entry that holds more than
    canvasframe wrote into it is not decoded further. (Entries of releases before this check carry
    no counts and are read whole; a folder others can write into is refused anyway.)
    """
    rows, size = meta.get("rows"), meta.get("bytes")
    if not isinstance(rows, int) or not isinstance(size, int):
        return reader.read_all()
    batches, seen_rows, seen_bytes = [], 0, 0
    for i in range(reader.num_record_batches):
        batch = reader.get_batch(i)
        seen_rows, seen_bytes = seen_rows + batch.num_rows, seen_bytes + batch.nbytes
        if seen_rows > rows or seen_bytes > size + 2**20:
            raise ValueError(f"it holds more than the {rows} rows and {size} bytes written into it")
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def human_size(n: int) -> str:
    """Bytes for people: ``1.5 MiB``.

    Examples
    --------
    >>> human_size(1536), human_size(3 * 2**30)
    ('1.5 KiB', '3.0 GiB')
    """
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class CacheInfo(pd.DataFrame):
    """:func:`info`'s frame: a DataFrame that, in a notebook, says where the cache is and its size.

    Anything derived from it (a column, a filter) is a plain DataFrame or Series.
    """

    _metadata = ["directory"]  # noqa: RUF012  (pandas' subclassing protocol)

    def __init__(self, *args: Any, directory: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = directory

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _repr_html_(self) -> str | None:
        where = html.escape(str(self.directory)) if self.directory is not None else "?"
        total = human_size(int(self["bytes"].sum()))
        head = f"<p><b>canvasframe cache</b> at <code>{where}</code>: {len(self)} entries, {total}</p>"
        return head + (super()._repr_html_() or "")


def info(cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Entries of the cache at ``cache_dir`` (default location when not given).

    A plain DataFrame; in a notebook it is shown under a line saying where the cache is, how
    many entries it holds and their total size.

    Examples
    --------
    >>> import canvasframe as cf
    >>> cf.cache.info().columns.tolist()
    ['namespace', 'frame', 'params', 'rows', 'bytes', 'fetched_at', 'path']
    """
    return Cache(cache_dir).info()


def clear(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    namespace: str | None = None,
    frame: str | None = None,
    older_than: float | None = None,
) -> int:
    """Remove cache entries; with no filter, all of them. Returns the number removed.

    Examples
    --------
    >>> import canvasframe as cf
    >>> cf.cache.clear(frame="page_views")  # nothing is cached yet here
    0
    """
    return Cache(cache_dir).clear(namespace=namespace, frame=frame, older_than=older_than)
