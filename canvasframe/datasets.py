"""Institution-scale data: many courses streamed to a partitioned Parquet dataset, DuckDB views, pseudonyms.

``export_dataset`` pulls one loader over many courses and writes each course as
its own Hive partition (``<path>/<frame>/course_id=<id>/part-0.parquet``) as soon
as it arrives, so memory holds one course at a time. A ``manifest.json`` beside
the data records what was pulled, when and from where (never the token); courses
it lists as complete are skipped on the next run, so an export killed or
interrupted half-way resumes where it stopped. The result is plain Parquet:
``pyarrow.dataset``, DuckDB, Dask or Spark read it with no canvasframe code.

>>> import canvasframe as cf, tempfile
>>> canvas = cf.sample(quiet=True)
>>> courses = cf.load_courses(canvas.sample_account_id)
>>> with_students = courses[courses.total_students > 0].course_id
>>> folder = tempfile.mkdtemp()
>>> cf.export_dataset(cf.load_page_views, with_students, folder).status.value_counts()
status
pulled    6
Name: count, dtype: int64
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ._atomic import atomic_write
from ._fanout import run_units
from ._frames import holds_lists
from ._progress import enabled, progress_bar
from ._provenance import Provenance, now
from ._version import __version__
from .cache import Cache
from .client import Canvas, default_canvas
from .errors import CanvasframeError, ConfigError, FileFormatError
from .loaders.passes import COURSE_FRAMES, load_course

if TYPE_CHECKING:
    from ._pipeline import Refresh  # for the annotation only, as check_ids is imported where it is used

__all__ = ["duckdb", "export_dataset", "open_dataset", "pseudonymize"]

MANIFEST = "manifest.json"
# Columns holding a person's id (the list column participant_ids too).
PSEUDONYMIZED_COLUMNS = (
    "student_id",
    "user_id",
    "author_id",
    "editor_id",
    "from_user",
    "to_user",
    "participant_ids",
    "real_user_id",
    "actor_account_name",
    "assessor_id",
    "reviewee_id",
    # Not people, but each belongs to one person: left as they are, they map straight back.
    "enrollment_id",
    "submission_id",
    "comment_id",
    "review_id",
)
# Columns that name a person, carry URLs with ids in them, or hold what people wrote: dropped by pseudonymize().
IDENTIFYING_COLUMNS = (
    "url",
    "actor_name",
    "actor_mbox",
    "name",
    "sortable_name",
    "message",
    "body",
    "subject",
    "comment",
    "anonymous_id",
)
# A person's names in a frame that says whose they are (student_id): replaced by the person's
# pseudonym label, the same in every frame, so a table stays readable and never shows a real name.
NAME_COLUMNS = ("name", "sortable_name", "short_name")
# Text that tells one person's device or login apart (the page-view log): replaced by the keyed
# pseudonym of the text, so "how many devices" survives and the text does not.
HASHED_TEXT_COLUMNS = ("user_agent", "remote_ip", "session_id")
# An id column whose type column says when it points at one person: a page view's context (or
# asset) is a user on the dashboard and the profile; a peer review's asset is a student's submission.
TYPED_ID_COLUMNS = {"context_id": "context_type", "asset_id": "asset_type"}
PERSON_TYPES = frozenset({"User", "Submission"})
# URLs kept for analysis whose user ids are replaced by pseudonyms.
URL_COLUMNS = ("object_id",)
# A quiz answer's text is an option's own text for these question types; for any other (an essay, a
# typed answer) it may be what the student wrote: pseudonymize() blanks it there.
OPTION_TEXT_TYPES = frozenset({"multiple_choice_question", "true_false_question", "multiple_answers_question",
                               "multiple_dropdowns_question", "matching_question"})  # fmt: skip
# A person's id inside a URL: /users/123, /submissions/123 (SpeedGrader and submission URLs name the
# student), ?student_id=123 or &user_id=123.
_USER_IN_URL = re.compile(r"(/users/|/submissions/|[?&;](?:student_id|user_id)=)([0-9]{1,18})(?![0-9])")


# -- pseudonyms -----------------------------------------------------------------------------


def _key_bytes(key: str | bytes) -> bytes:
    if not isinstance(key, (str, bytes, bytearray)):
        raise ConfigError(f"The pseudonymisation key must be text or bytes, got {type(key).__name__}.")
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if len(raw.strip()) < 16:  # an unset environment variable gives "", which must never mean "no pseudonyms"
        raise ConfigError("The pseudonymisation key must be at least 16 bytes; use e.g. secrets.token_hex(32).")
    return raw


def key_fingerprint(key: str | bytes) -> str:
    """What tells two keys apart without revealing either: HMAC-SHA256(key, a fixed label), 16 hex digits.

    An export records it, so resuming with another key (two pseudonym spaces in one dataset) is refused.
    """
    return hmac.new(_key_bytes(key), b"canvasframe key fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonym(value: Any, key: str | bytes) -> int:
    """The keyed pseudonym of one id: the first 63 bits of HMAC-SHA256(key, str(id))."""
    digest = hmac.new(_key_bytes(key), str(value).encode(), hashlib.sha256).digest()
    first_64_bits = int.from_bytes(digest[:8], "big")  # pragma: no mutate ("big" is the default since Python 3.11)
    return first_64_bits >> 1


def pseudonymize(frame: pd.DataFrame, key: str | bytes) -> pd.DataFrame:
    """Replace student/user ids with keyed HMAC pseudonyms and drop columns that identify people.

    The same id gets the same pseudonym in every frame and run with the same key, so
    frames still join; without the key the pseudonyms cannot be reversed or recomputed.
    Every person's id (``student_id``, ``user_id``, ``author_id``, ``editor_id``, ``from_user``,
    ``to_user``, ``assessor_id``, ``reviewee_id``, each element of ``participant_ids``), and the
    ids of what belongs to one person (``enrollment_id``, ``submission_id``, ``comment_id``,
    ``review_id``), keep their dtype exactly (nullable ``Int64`` too); ``actor_account_name``
    becomes the pseudonym's text; in ``object_id`` URLs, the id after ``/users/`` or
    ``/submissions/`` and in ``student_id=`` / ``user_id=`` is replaced. A ``context_id`` or
    ``asset_id`` whose type is ``User`` or ``Submission`` (a page view's, a peer review's) is
    replaced. In the page-view log, ``real_user_id`` (a masquerading teacher) is a person's id, and
    ``user_agent``, ``remote_ip`` and ``session_id`` become the keyed pseudonym of their text (one
    device stays one value). Names, e-mail addresses, other URLs (which embed user ids: the
    page-view ``url`` too) and what people wrote (``message``, ``body``, ``subject``, a
    submission ``comment``, the ``anonymous_id`` key) are dropped; a quiz response's ``answer_text``
    is kept only where it is an option's own text (choice, matching and dropdown questions) and is
    NA where a student may have typed it. A student's ``name`` and
    ``sortable_name`` (in a frame with ``student_id``) become their pseudonym label
    (``Student`` and 8 hex digits), the same in every frame.

    This helps with de-identification; it is not a legal guarantee of anonymity. Small
    groups, rare timestamps or free text can still identify people.

    Parameters
    ----------
    frame : DataFrame
        Any canvasframe frame.
    key : str or bytes
        A secret of at least 16 bytes; keep it apart from the data you share.

    Examples
    --------
    >>> import secrets
    >>> canvas = cf.sample(quiet=True)
    >>> summaries = cf.load_student_summaries(canvas.sample_course_id)
    >>> key = secrets.token_hex(32)
    >>> shared = pseudonymize(summaries, key)
    >>> shared.student_id.isin(summaries.student_id).any(), len(shared) == len(summaries)
    (np.False_, True)
    """
    key = _key_bytes(key)
    labelled = [c for c in NAME_COLUMNS if c in frame.columns] if "student_id" in frame.columns else []
    out = frame.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in frame.columns and c not in labelled])
    for column in labelled:  # from the real id, before it is replaced below
        out[column] = _labels(frame["student_id"], key).where(frame[column].notna())
    for column in PSEUDONYMIZED_COLUMNS:
        if column in out.columns:
            out[column] = _pseudonymized(out[column], key)
    for column, kind in TYPED_ID_COLUMNS.items():
        if column in out.columns and kind in out.columns:
            person = out[kind].isin(PERSON_TYPES) & out[column].notna()
            if person.any():
                out[column] = out[column].mask(person, _pseudonymized(out.loc[person, column], key))
    for column in HASHED_TEXT_COLUMNS:
        if column in out.columns:
            out[column] = _pseudonymized(out[column], key)
    if "answer_text" in out.columns and "question_type" in out.columns:  # what a student typed is theirs
        out["answer_text"] = out["answer_text"].where(out["question_type"].isin(OPTION_TEXT_TYPES))
    for column in URL_COLUMNS:  # a URL can name a user: /users/123 becomes /users/<pseudonym>
        if column in out.columns:
            out[column] = out[column].str.replace(
                _USER_IN_URL, lambda m: f"{m.group(1)}{pseudonym(int(m.group(2)), key)}", regex=True
            )
    out.attrs = {**frame.attrs, "pseudonymized": True}
    return out


def pseudonym_label(value: Any, key: str | bytes) -> str:
    """A person's name in shared data: ``Student`` and the first 8 hex digits of their pseudonym.

    Examples
    --------
    >>> pseudonym_label(1005, "a-key-of-at-least-16-bytes")
    'Student 0b650184'
    """
    return f"Student {pseudonym(value, key) >> 31:08x}"


def _labels(ids: pd.Series, key: bytes) -> pd.Series:
    labels = {v: pseudonym_label(int(v), key) for v in pd.unique(ids.dropna())}
    return ids.map(labels).astype("str")


def _pseudonymized(values: pd.Series, key: bytes) -> pd.Series:
    """An id column with every id replaced, keeping its dtype (text ids stay text, lists stay lists)."""
    if holds_lists(values):
        return values.map(lambda ids: [pseudonym(int(i), key) for i in ids] if ids is not None else None)
    mapping = {v: pseudonym(v, key) for v in pd.unique(values.dropna())}
    if values.dtype == "int64" or isinstance(values.dtype, pd.Int64Dtype):
        # Built as integers throughout: Series.map on a nullable column goes through float64, which
        # rounds a 63-bit pseudonym by a few hundred, and the frames would no longer join.
        present = values.notna().to_numpy()
        # What stands in for an NA (0 here) is hidden by the mask: no mutant of these two lines' fill can show.
        ids = values.to_numpy(dtype="int64", na_value=0)  # pragma: no mutate
        mapped = (mapping[i] if p else 0 for i, p in zip(ids.tolist(), present, strict=True))  # pragma: no mutate
        out = np.fromiter(mapped, "int64")
        if values.dtype == "int64":
            return pd.Series(out, index=values.index)
        return pd.Series(pd.arrays.IntegerArray(out, ~present), index=values.index)
    # Mapped to text directly: mapped to numbers first, a column with a gap became float64 and each
    # pseudonym the text of a rounded float ("8.708e+18"), which no longer joins.
    return values.map({v: str(p) for v, p in mapping.items()}).astype("str").where(values.notna())


_pseudonymize = pseudonymize  # export_dataset's keyword argument of the same name shadows the function


# -- export ------------------------------------------------------------------------------------------


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda handle: handle.write(json.dumps(data, indent=1).encode()))


def _read_manifest(path: Path) -> dict[str, Any]:
    """The export's manifest, or {} for a new export; a typed error for one that is not canvasframe's."""
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))  # pragma: no mutate ("UTF-8", or this locale's)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FileFormatError(str(path), f"the export manifest is not JSON ({type(exc).__name__})") from None
    # Each part checked as it is used below: "frames": null, or a frame without its "courses", would
    # pass a looser check and fail later with a KeyError.
    frames = manifest.get("frames") if isinstance(manifest, dict) else None
    if not isinstance(frames, dict):
        raise FileFormatError(str(path), "the export manifest is not one canvasframe wrote")
    for name, section in frames.items():
        if not isinstance(section, dict) or not isinstance(section.get("courses"), dict):
            raise FileFormatError(str(path), f"the manifest's entry for {name!r} is not one canvasframe wrote")
        for course, done in section["courses"].items():
            if not isinstance(done, dict) or not isinstance(done.get("rows"), int):
                raise FileFormatError(str(path), f"the manifest's record of course {course!r} has no row count")
    return manifest


def export_dataset(
    loader: Callable[..., pd.DataFrame] | Sequence[Callable[..., pd.DataFrame]],
    course_ids: Iterable[int],
    path: str | os.PathLike[str],
    *,
    canvas: Canvas | None = None,
    pseudonymize: str | bytes | None = None,
    refresh: Refresh = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Pull one or several loaders over many courses into a partitioned Parquet dataset, resumably.

    Courses run side by side through the session's one concurrency governor; each course is
    written as soon as it is complete, listed in the manifest after its data, and released, so
    memory holds the courses in flight, not the term. With several loaders each course's frames
    come from one scheduled pass (:func:`~canvasframe.loaders.load_course`: the student list
    once, page views and participations from one request).

    Parameters
    ----------
    loader : callable or list of callables
        Course-level loader(s), e.g. ``cf.load_page_views`` or
        ``[cf.load_page_views, cf.load_participations, cf.load_student_summaries]``.
    course_ids : iterable of int
        The courses (e.g. ``cf.load_courses(account_id).course_id``).
    path : path
        The dataset folder; each frame goes to ``<path>/<frame>/course_id=<id>/``.
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).
    pseudonymize : str or bytes, optional
        A key: ids are replaced by :func:`pseudonymize` before anything is written.
    refresh : bool or "changed"
        Pull every course again, even those the manifest lists as complete; ``"changed"`` pulls
        each one again asking Canvas's change signals first (see :func:`~canvasframe.load_course`).
    progress : bool, optional
        A progress bar over courses (default on; ``CANVASFRAME_PROGRESS=0`` turns it off).

    Returns
    -------
    pandas.DataFrame
        One row per course × frame, in the order given: ``course_id``, ``frame``, ``rows``,
        ``status`` (``pulled``, ``skipped`` or ``empty``). On a failure the typed error is
        raised; the courses finished by then are written and listed, so a rerun resumes.

    Examples
    --------
    >>> import secrets, tempfile
    >>> canvas = cf.sample(quiet=True)
    >>> folder, key = tempfile.mkdtemp(), secrets.token_hex(32)
    >>> cf.export_dataset(cf.load_page_views, [canvas.sample_course_id], folder, pseudonymize=key).status.tolist()
    ['pulled']
    """
    from ._pipeline import check_ids

    # The key is checked before anything is sent: "" (an unset variable) must never mean raw ids.
    fingerprint = None if pseudonymize is None else key_fingerprint(pseudonymize)
    canvas = canvas or default_canvas()
    loaders = _export_loaders(loader)
    names = list(loaders)
    ids = check_ids(list(course_ids), "course_ids")
    root = Path(path)
    manifest_path = root / MANIFEST
    manifest = _read_manifest(manifest_path)
    if manifest and manifest.get("source") != canvas.cache_namespace:
        raise ConfigError(
            f"{root} holds an export from {manifest.get('source')!r}, not {canvas.cache_namespace!r}; "
            "export to another folder."
        )
    sections = {name: manifest.setdefault("frames", {}).setdefault(name, {"courses": {}}) for name in names}
    for name, section in sections.items():
        if section.get("pseudonymized", fingerprint is not None) != (fingerprint is not None):
            raise ConfigError(
                f"{root / name} was exported {'with' if section['pseudonymized'] else 'without'} "
                "pseudonyms; use the same choice to resume, or another folder."
            )
        if section.get("key_fingerprint", fingerprint) != fingerprint:
            raise ConfigError(
                f"{root / name} was pseudonymised with another key; resuming would mix two pseudonym spaces "
                "that no longer join. Use the same key, or another folder."
            )
        section["pseudonymized"] = fingerprint is not None
        if fingerprint is not None:
            section["key_fingerprint"] = fingerprint
        (root / name).mkdir(parents=True, exist_ok=True)
    manifest.update(source=canvas.cache_namespace, canvasframe_version=__version__, format="parquet (hive partitions)")

    def complete(name: str, course_id: int) -> bool:
        done = sections[name]["courses"].get(str(course_id))
        return done is not None and ((root / name / f"course_id={course_id}").exists() or done["rows"] == 0)

    todo = {c: [n for n in names if refresh or not complete(n, c)] for c in ids}
    lock = threading.Lock()

    def pull(course_id: int) -> None:
        needed = todo[course_id]
        if len(needed) == 1:
            frames = {needed[0]: loaders[needed[0]](course_id, canvas=canvas, refresh=refresh, progress=False)}
        else:
            frames = load_course(course_id, frames=needed, canvas=canvas, refresh=refresh, progress=False)
        for name, frame in frames.items():
            if pseudonymize is not None:
                frame = _pseudonymize(frame, pseudonymize)
            rows = _write_partition(frame, root / name / f"course_id={course_id}")
            with lock:
                sections[name]["courses"][str(course_id)] = {
                    "rows": rows,
                    "fetched_at": Provenance.of(frame).fetched_at,
                    "exported_at": now(),
                }
                _write_json(manifest_path, manifest)  # after the data: a listed course is always complete

    # The first failure stops the courses not yet started; those already running finish and are listed.
    calls = [functools.partial(pull, c) for c in ids if todo[c]]
    bar = progress_bar(f"export {', '.join(names)}", "course")
    run_units(canvas, calls, progress=bar if enabled(progress, canvas.environment.progress) else None)
    report = []
    for c in ids:
        for name in names:
            rows = sections[name]["courses"][str(c)]["rows"]
            status = ("pulled" if rows else "empty") if name in todo[c] else "skipped"
            report.append((c, name, rows, status))
    return pd.DataFrame(report, columns=["course_id", "frame", "rows", "status"]).astype(
        {"course_id": "int64", "rows": "int64"}
    )


def _export_loaders(loader: Any) -> dict[str, Callable[..., pd.DataFrame]]:
    """Frame name -> loader, for one loader or several (several must be canvasframe's course loaders)."""
    several = isinstance(loader, (list, tuple))
    chosen = list(loader) if several else [loader]
    named = {getattr(f, "__name__", "").removeprefix("load_"): f for f in chosen}
    if not chosen or "" in named or not all(callable(f) for f in chosen):
        raise ConfigError("export_dataset needs a canvasframe loader such as cf.load_page_views (or a list of them).")
    if several and not set(named) <= set(COURSE_FRAMES):
        raise ConfigError(f"export_dataset: several loaders must be course loaders of {list(COURSE_FRAMES)}.")
    return named


def _write_partition(frame: pd.DataFrame, partition: Path) -> int:
    """Write one course's rows under a temp name and rename it into place (none for an empty frame)."""
    if partition.is_symlink() or (partition.exists() and not partition.is_dir()):
        raise ConfigError(
            f"{partition} is {'a symbolic link' if partition.is_symlink() else 'a file'}, not a partition folder "
            "canvasframe wrote; it is never replaced or followed. Remove it, or export to another folder."
        )
    if partition.exists():
        shutil.rmtree(partition)
    if frame.empty:
        return 0
    staging = Path(tempfile.mkdtemp(dir=partition.parent, prefix=".staging-"))
    try:
        table = pa.Table.from_pandas(frame.drop(columns=["course_id"]), preserve_index=False)
        pq.write_table(table.replace_schema_metadata({}), staging / "part-0.parquet", compression="zstd")
        os.replace(staging, partition)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(frame)


def open_dataset(path: str | os.PathLike[str], frame: str) -> ds.Dataset:
    """An exported frame as a ``pyarrow.dataset`` (``course_id`` from the partition folders, int64).

    Examples
    --------
    >>> import tempfile
    >>> canvas, folder = cf.sample(quiet=True), tempfile.mkdtemp()
    >>> report = cf.export_dataset(cf.load_page_views, [canvas.sample_course_id], folder)
    >>> open_dataset(folder, "page_views").to_table().num_rows == report.rows.sum()
    np.True_
    """
    partitioning = ds.partitioning(pa.schema([("course_id", pa.int64())]), flavor="hive")
    return ds.dataset(Path(path) / frame, format="parquet", partitioning=partitioning, exclude_invalid_files=True)


# -- DuckDB ------------------------------------------------------------------------------------------


def duckdb(cache_dir: str | os.PathLike[str] | None = None, *, exports: str | os.PathLike[str] | None = None) -> Any:
    """A DuckDB connection with every cached frame (and, optionally, an export) registered as a view.

    Each frame in the Arrow cache becomes a view of that name over all its cache files
    (every course, every host: the ``course_id``/``account_id`` columns tell them apart).
    With ``exports=``, each exported frame becomes a view ``export_<frame>``.
    Needs the optional extra: ``pip install "canvasframe[duckdb]"``.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> views = cf.load_page_views(canvas.sample_course_id)
    >>> con = cf.duckdb()
    >>> con.sql("select count(distinct student_id) as students, sum(views) as views from page_views").df()
       students    views
    0        36  24883.0
    """
    try:
        import duckdb as duck
    except ImportError:
        raise CanvasframeError('cf.duckdb() needs DuckDB: pip install "canvasframe[duckdb]"') from None
    con = duck.connect()
    by_frame: dict[str, list[str]] = {}
    for path in Cache(cache_dir).entries():
        by_frame.setdefault(path.parent.name, []).append(str(path))
    for frame, files in sorted(by_frame.items()):
        con.register(frame, ds.dataset(files, format="ipc"))
    if exports is not None:
        for folder in sorted(p for p in Path(exports).iterdir() if p.is_dir()):
            con.register(f"export_{folder.name}", open_dataset(exports, folder.name))
    return con
