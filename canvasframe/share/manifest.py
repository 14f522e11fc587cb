"""A bundle's manifest, and reproducing it: hash every file and every frame's canonical form, check a
bundle's hashes (:func:`verify`), re-run the pulls it names (:func:`rebuild`).

A frame's *canonical form* is its Arrow table read out column by column: each column's name and
Arrow type, then its values in order (a missing value as null). The same data with the same
dtypes gives the same bytes on every machine, whatever a file's compression, pandas' own notes in
a Parquet file, or what Arrow's buffers hold under a missing value.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa

from .._version import __version__
from ..client import Canvas, default_canvas
from ..datasets import key_fingerprint, pseudonymize
from ..errors import ConfigError, FileFormatError
from ..loaders import LOADERS

__all__ = ["MANIFEST", "PACKAGES", "digest", "rebuild", "sha256", "verify", "versions"]

MANIFEST = "MANIFEST.json"
# What made the bundle: canvasframe's own dependencies and the share extra's.
PACKAGES = ("pandas", "pyarrow", "numpy", "networkx", "requests", "scipy", "frictionless")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(frame: pd.DataFrame) -> str:
    """SHA-256 of ``frame``'s canonical Arrow form (its columns' names, types and values, nothing else)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    hashed = hashlib.sha256()
    for field, column in zip(table.schema, table.columns, strict=True):
        hashed.update(f"{field.name}\0{field.type}\0".encode())
        values = column.combine_chunks().to_pylist()
        hashed.update(orjson.dumps(values, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME))
    return hashed.hexdigest()


def versions() -> dict[str, Any]:
    """canvasframe's, Python's and every dependency's version (None where one is not installed)."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return {"canvasframe": __version__, "python": platform.python_version(), "packages": found}


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        # no mutate: bundle() writes the manifest as ASCII-only JSON, which every codec a mutant names reads alike.
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))  # pragma: no mutate
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            str(path / MANIFEST), f"not a canvasframe bundle's manifest ({type(exc).__name__})"
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise FileFormatError(str(path / MANIFEST), "not a canvasframe bundle's manifest (no file hashes)")
    return manifest


def verify(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Re-read a bundle and check every hash its manifest records.

    Returns
    -------
    DataFrame
        One row per check: ``item`` (a file, or ``frame:<name>`` for a frame's canonical form
        read back from its Parquet file), ``expected``, ``found`` (None when missing) and ``ok``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> canvas = cf.sample(quiet=True)
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "bundle"
    >>> _ = cf.share.bundle({"sections": cf.load_sections(canvas.sample_course_id)}, folder, key="k" * 32)
    >>> checks = cf.share.verify(folder)
    >>> checks["ok"].all(), len(checks)  # every file and the frame read back from its Parquet file
    (np.True_, 7)
    """
    folder = Path(path)
    manifest = _read_manifest(folder)
    rows = []
    for name, expected in sorted(manifest["files"].items()):
        file = folder / name
        found = sha256(file.read_bytes()) if file.is_file() else None
        rows.append({"item": name, "expected": expected, "found": found, "ok": found == expected})
    for name, entry in sorted(manifest.get("frames", {}).items()):
        parquet = folder / "data" / f"{name}.parquet"
        found = digest(pd.read_parquet(parquet)) if parquet.is_file() else None
        rows.append({"item": f"frame:{name}", "expected": entry["arrow_sha256"], "found": found,
                     "ok": found == entry["arrow_sha256"]})  # fmt: skip
    return pd.DataFrame(rows, columns=["item", "expected", "found", "ok"])


def rebuild(
    manifest: str | os.PathLike[str] | dict[str, Any], *, key: str | bytes, canvas: Canvas | None = None
) -> pd.DataFrame:
    """Re-run the pulls a bundle's manifest names (from the cache or Canvas) and compare their hashes.

    Parameters
    ----------
    manifest : path or dict
        The bundle's folder, its ``MANIFEST.json``, or the manifest as read.
    key : str or bytes
        The pseudonymisation key the bundle was made with (its fingerprint is checked first).
    canvas : Canvas, optional
        The session to pull with (default: the default session).

    Returns
    -------
    DataFrame
        One row per frame: ``frame``, ``loader``, ``expected``, ``rebuilt`` (None for a table
        derived by the analysis, which no pull makes) and ``same`` (NA for such a table).
    """
    if not isinstance(manifest, dict):
        path = Path(manifest)
        manifest = _read_manifest(path.parent if path.name == MANIFEST else path)
    recorded = manifest.get("pseudonymisation", {}).get("key_fingerprint")
    if recorded is not None and recorded != key_fingerprint(key):
        raise ConfigError("rebuild: this key is not the one the bundle was made with (its fingerprint differs).")
    session = canvas  # the default session only when a frame is to be pulled: derived tables need no Canvas
    rows = []
    for name, entry in sorted(manifest.get("frames", {}).items()):
        source, ids = entry.get("frame"), entry.get("ids") or {}
        rebuilt = None
        if source in LOADERS and ids:
            spec, session = LOADERS[source], session or default_canvas()
            frame = spec(ids[spec.ids], canvas=session, progress=False)
            rebuilt = digest(pseudonymize(frame, key))
        expected = entry["arrow_sha256"]
        loader = f"load_{source}" if source in LOADERS else None
        same = pd.NA if rebuilt is None else rebuilt == expected
        rows.append({"frame": name, "loader": loader, "expected": expected, "rebuilt": rebuilt, "same": same})
    report = pd.DataFrame(rows, columns=["frame", "loader", "expected", "rebuilt", "same"])
    return report.astype({"same": "boolean"})
