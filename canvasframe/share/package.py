"""``cf.share.bundle``: frames and tables -> one folder a journal and an ethics board accept.

The folder is a Frictionless Data Package (``datapackage.json``, a Table Schema per resource made
from ``schemas.py``), with the data as CSV and Parquet, ``CODEBOOK.md`` and ``codebook.html``,
``MANIFEST.json`` (versions, the Canvas host, every frame's source and hashes, the pseudonymisation
scheme and the disclosure settings) and a ``README.md``. It is written beside its final place and
renamed into it only after every file passed the checks: a refused bundle leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from .._csv import csv_bytes
from .._frames import holds_lists
from .._provenance import Provenance
from ..client import Canvas, default_canvas
from ..datasets import PSEUDONYMIZED_COLUMNS, key_fingerprint, pseudonymize
from ..endpoints import FRAMES
from ..errors import ConfigError, DisclosureError
from ..loaders import LOADERS
from .codebook import STUDENTS, Resource, codebook_html, codebook_markdown, flat, table_schema
from .disclosure import k_anonymity
from .manifest import MANIFEST, digest, sha256, versions
from .scan import findings

__all__ = ["DEFAULT_QUASI_IDENTIFIERS", "bundle"]

DEFAULT_QUASI_IDENTIFIERS = ("section_id",)
"""The columns an outsider could link a record on by default: a student's section is known to
classmates and printed on rosters. Add dates of birth, programmes or the like when frames hold them."""
# Columns holding a person (the ids raw person ids are looked for by, before pseudonymisation).
_PERSON_COLUMNS = tuple(
    c for c in PSEUDONYMIZED_COLUMNS if c not in ("enrollment_id", "submission_id", "comment_id", "review_id")
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _person_ids(frames: Iterable[pd.DataFrame]) -> set[int]:
    ids: set[int] = set()
    for frame in frames:
        for column in _PERSON_COLUMNS:
            if column not in frame:
                continue
            values = frame[column].dropna()
            if holds_lists(values):
                ids |= {int(i) for v in values for i in list(v)}
            else:
                ids |= {int(v) for v in values if str(v).isdigit()}
    return ids


def _published(table: pd.DataFrame) -> pd.DataFrame:
    """A suppressed table as a resource: its row labels (groups, and ``total``) as a text column."""
    label = str(table.index.name or "group")
    return pd.DataFrame({label: table.index.astype(str)}).join(table.reset_index(drop=True))


def _host(canvas: Canvas | None, frames: Iterable[pd.DataFrame]) -> str | None:
    """The Canvas the frames came from: the session's (the default one when none is given), else the one
    the frames' provenance names."""
    if canvas is None:
        try:
            canvas = default_canvas()
        except ConfigError:  # no session at all: the frames still say where they came from
            canvas = None
    if canvas is not None:
        return canvas.host
    for frame in frames:
        for source in Provenance.of(frame).sources:
            if urlsplit(source).netloc:
                return urlsplit(source).netloc
    return None


def _source(frame: pd.DataFrame) -> str | None:
    name = Provenance.of(frame).frame
    return name if name in LOADERS else None


def _check_names(names: Iterable[str]) -> None:
    for name in names:
        if not isinstance(name, str) or not _NAME.match(name) or name in (STUDENTS,):
            raise ConfigError(
                f"bundle: {name!r} cannot name a resource; use lower-case letters, digits, '.', '-' and '_' "
                f"(and not {STUDENTS!r}, which the bundle uses)."
            )


def _disclosure(
    frames: Mapping[str, pd.DataFrame], quasi: Sequence[str], min_cell: int, allow_small_k: bool
) -> dict[str, int]:
    """k per frame of students (a ``student_id`` column) holding every quasi-identifier; refuses when one
    is under ``min_cell``. A frame of sections or courses describes no person: it has no k."""
    about_students = {n: f for n, f in frames.items() if "student_id" in f and quasi and all(q in f for q in quasi)}
    ks = {name: k_anonymity(frame, quasi).k for name, frame in about_students.items()}
    small = [
        f"{name}: k = {k} over {', '.join(quasi)} (fewer than {min_cell})" for name, k in ks.items() if 0 < k < min_cell
    ]
    if small and not allow_small_k:
        raise DisclosureError(
            f"bundle: a group of fewer than {min_cell} students can be picked out by {', '.join(quasi)}. Coarsen or "
            "drop those columns, raise the groups' size, or pass allow_small_k=True (the manifest will say so).",
            small,
        )
    return ks


def bundle(
    frames: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    key: str | bytes,
    canvas: Canvas | None = None,
    min_cell: int = 10,
    quasi_identifiers: Sequence[str] = DEFAULT_QUASI_IDENTIFIERS,
    tables: Mapping[str, pd.DataFrame] | None = None,
    notebook: str | os.PathLike[str] | None = None,
    names: Iterable[str] = (),
    allow_small_k: bool = False,
    title: str | None = None,
    zip: bool = False,
) -> Path:
    """Write frames (pseudonymised) and suppressed tables as a Frictionless Data Package a paper can cite.

    Parameters
    ----------
    frames : dict of str to DataFrame
        Row-level data by resource name (loaders' frames; a loader's frame can be rebuilt from the
        manifest). Every id is replaced by its keyed pseudonym and text is dropped on the way out
        (:func:`cf.pseudonymize <canvasframe.pseudonymize>`).
    path : str or path
        The folder to write; it must not exist yet.
    key : str or bytes
        The pseudonymisation key (at least 16 bytes). Never written: the manifest holds only its
        fingerprint, so :func:`rebuild` can tell the right key.
    canvas : Canvas, optional
        The session the frames came from, for the manifest's Canvas host (default: the default
        session; without one, the host the frames' own provenance names).
    min_cell : int
        The smallest group a published number may describe: the k-anonymity threshold of the
        frames. Tables must have been suppressed with :func:`suppress` at it or above.
    quasi_identifiers : sequence of str
        The columns an outsider could link a record on (default ``("section_id",)``). A frame of
        students (a ``student_id`` column) holding all of them must be ``min_cell``-anonymous.
    tables : dict of str to DataFrame, optional
        Aggregate tables from :func:`suppress` (their ``attrs["min_cell"]`` is checked).
    notebook : path, optional
        The analysis notebook to include (its outputs are checked like every file).
    names : iterable of str
        People's names to make sure appear nowhere (e.g. the roster's).
    allow_small_k : bool
        Publish although k is under ``min_cell`` (the manifest records it).
    title : str, optional
        The bundle's title (default: from the folder's name).
    zip : bool
        Also write ``<path>.zip``.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    DisclosureError
        k under ``min_cell``, or a file would hold a token, an Authorization header, an e-mail
        address, a name or a raw person id (``findings`` lists each, never the secret).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> canvas = cf.sample(quiet=True)
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "bundle"
    >>> written = bundle({"enrollments": cf.load_enrollments(canvas.sample_course_id)}, folder, key="k" * 32)
    >>> sorted(p.name for p in written.iterdir())
    ['CODEBOOK.md', 'MANIFEST.json', 'README.md', 'codebook.html', 'data', 'datapackage.json']
    """
    target = Path(path)
    if target.exists():
        raise ConfigError(f"bundle: {target} exists; give a new folder (a bundle is never written over another).")
    tables = dict(tables or {})
    _check_names([*frames, *tables])
    if set(frames) & set(tables):
        raise ConfigError(f"bundle: {sorted(set(frames) & set(tables))} named both a frame and a table.")
    for name, table in tables.items():
        if table.attrs.get("min_cell", 0) < min_cell:
            raise DisclosureError(f"bundle: table {name!r} was not suppressed at min_cell={min_cell}.",
                                  [f"{name}: run cf.share.suppress(table, min_cell={min_cell}) first"])  # fmt: skip
    host = _host(canvas, frames.values())
    shared = {name: pseudonymize(frame, key) for name, frame in frames.items()}
    ks = _disclosure(shared, quasi_identifiers, min_cell, allow_small_k)
    students = sorted({int(s) for f in shared.values() if "student_id" in f for s in f["student_id"].dropna()})
    resources = [Resource(n, f, _source(frames[n])) for n, f in shared.items()]
    resources += [Resource(n, _published(t), None, "table") for n, t in tables.items()]
    if students:
        resources.append(
            Resource(STUDENTS, pd.DataFrame({"student_id": pd.array(students, dtype="int64")}), None, "key")
        )
    settings = {"min_cell": min_cell, "quasi_identifiers": list(quasi_identifiers)}
    title = title or target.name
    files = _files(resources, title, settings, notebook)
    files["datapackage.json"] = json.dumps(_datapackage(title, resources, files), indent=1).encode()
    manifest = _manifest(resources, frames, host, key, settings, ks, allow_small_k, tables, files)
    files[MANIFEST] = json.dumps(manifest, indent=1, default=str).encode()
    found = findings(files, names=names, person_ids=_person_ids(frames.values()))
    if found:
        raise DisclosureError(f"bundle: {len(found)} finding(s); nothing was written. See .findings.", found)
    return _write(target, files, zip)


def _files(resources: list[Resource], title: str, settings: Mapping[str, Any], notebook: Any) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for resource in resources:
        files[f"data/{resource.name}.csv"] = csv_bytes(flat(resource.frame))
        files[f"data/{resource.name}.parquet"] = _parquet(resource.frame)
    files["CODEBOOK.md"] = codebook_markdown(title, resources, settings).encode()
    files["codebook.html"] = codebook_html(title, resources, settings).encode()
    files["README.md"] = _readme(title, resources, settings).encode()
    if notebook is not None:
        files[f"analysis/{Path(notebook).name}"] = Path(notebook).read_bytes()
    return files


def _parquet(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    # no mutate: the frames have a plain RangeIndex (index=None keeps it as metadata only), and pyarrow reads
    # the codec's name in any case; the tests check the file holds no index column and is ZSTD-compressed.
    frame.to_parquet(sink, index=False, compression="zstd")  # pragma: no mutate
    return sink.getvalue()


def _datapackage(title: str, resources: list[Resource], files: Mapping[str, bytes]) -> dict[str, Any]:
    described = []
    for resource in resources:
        path = f"data/{resource.name}.csv"
        schema = table_schema(resource.written)
        described.append({
            "name": resource.name, "path": path, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "bytes": len(files[path]),
            "hash": f"sha256:{sha256(files[path])}", "description": resource.origin, "schema": schema,
        })  # fmt: skip
    return {"profile": "tabular-data-package", "name": re.sub(r"[^a-z0-9._-]", "-", title.lower()), "title": title,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "resources": described}  # fmt: skip


def _manifest(
    resources: list[Resource],
    frames: Mapping[str, pd.DataFrame],
    host: str | None,
    key: str | bytes,
    settings: Mapping[str, Any],
    ks: Mapping[str, int],
    allow_small_k: bool,
    tables: Mapping[str, pd.DataFrame],
    files: Mapping[str, bytes],
) -> dict[str, Any]:
    entries = {}
    for resource in resources:
        if resource.kind == "key":
            continue  # pragma: no mutate (the students' key is the last resource: break is the same)
        entry: dict[str, Any] = {
            "kind": resource.kind,
            "rows": len(resource.frame),
            "arrow_sha256": digest(resource.frame),
        }
        if resource.source is not None:
            provenance = Provenance.of(frames[resource.name])
            spec = LOADERS[resource.source]
            ids = (
                sorted({int(v) for v in frames[resource.name][spec.ids].dropna()})
                if spec.ids in frames[resource.name]
                else []
            )
            endpoint = FRAMES.get(resource.source)
            entry |= {
                "frame": resource.source,
                "loader": f"load_{resource.source}",
                "ids": {spec.ids: ids},
                "source": endpoint.display_path if endpoint else None,
                "fetched_at": provenance.fetched_at,
            }
        entries[resource.name] = entry
    return {
        "made_with": versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "canvas_host": host,
        "frames": entries,
        "pseudonymisation": {
            "scheme": "HMAC-SHA256 of the id with the key, first 63 bits (canvasframe.pseudonymize)",
            "key_fingerprint": key_fingerprint(key),
            "ids_replaced": list(PSEUDONYMIZED_COLUMNS),
        },
        "disclosure": {
            **settings,
            "k": dict(ks),
            "allow_small_k": allow_small_k,
            # no mutate: bundle() refuses a table suppress() did not make, so each has its record
            "tables": {n: t.attrs.get("suppressed", {}) for n, t in tables.items()},  # pragma: no mutate
        },
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }


def _readme(title: str, resources: list[Resource], settings: Mapping[str, Any]) -> str:
    from .._version import __version__

    listed = "\n".join(f"- `data/{r.name}.csv` (and `.parquet`): {r.origin}" for r in resources)
    return f"""# {title}

Learning-analytics data from Canvas LMS, made with canvasframe {__version__}.

{listed}

**How it was made.** The frames were loaded from Canvas with canvasframe; every person's id was
replaced by a keyed pseudonym (HMAC-SHA256; the key is not part of this bundle) and free text was
dropped. Aggregate tables describe no group of fewer than {settings["min_cell"]} students: small cells
and the cells that would reveal them are suppressed. `CODEBOOK.md` (or `codebook.html`) defines
every column; `MANIFEST.json` records the software versions, where each frame came from, and a
SHA-256 hash of every file. `datapackage.json` describes the tables (Frictionless Data Package):
`frictionless validate datapackage.json` checks them, `canvasframe.share.verify(folder)` the hashes.

**How to cite.** {title}. Data bundle made with canvasframe {__version__}. Cite the paper it
accompanies, and this bundle by its repository's DOI.
"""


def _write(target: Path, files: Mapping[str, bytes], zip_too: bool) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside the target so the final rename is atomic; hidden, named after it, for whoever finds what a
    # killed process left behind (a name nothing else reads: its mutants are equivalent).
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))  # pragma: no mutate
    try:
        for name, data in files.items():
            file = staging / name
            file.parent.mkdir(parents=True, exist_ok=True)  # pragma: no mutate (files are at most one folder deep)
            file.write_bytes(data)
        if zip_too:
            archive = staging.with_suffix(".zip")  # pragma: no mutate (renamed below: the suffix is never read)
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle_zip:
                for name, data in sorted(files.items()):
                    bundle_zip.writestr(f"{target.name}/{name}", data)
            os.replace(archive, target.with_suffix(".zip"))
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
