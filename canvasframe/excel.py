"""``cf.to_excel``: frames as one workbook that opens in Excel, LibreOffice and Google Sheets.

Excel has no time zones and no durations, and a cell that starts with ``=`` is a formula. So each
frame's sheet holds times as local wall-clock times (the zone in the column's header), durations
as hours, lists of ids joined by commas, and text that would run as a formula made inert (the
rule of ``canvasframe._csv``). A ``columns`` sheet says what every column means (from the
schemas) and a ``provenance`` sheet where each frame came from and when. Written with openpyxl
(the ``excel`` extra), whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ._atomic import atomic_write
from ._csv import neutralise_formulas
from ._frames import holds_lists, is_list
from ._provenance import Provenance
from ._time import check_tz
from .errors import ConfigError
from .localtime import display_zone
from .schemas import SCHEMAS

__all__ = ["to_excel"]

_SHEET_NAME = 31  # Excel's longest sheet name
_RESERVED = ("columns", "provenance")


def _sheet_names(names: list[str]) -> dict[str, str]:
    """Frame name -> a sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    out: dict[str, str] = {}
    for name in names:
        base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:_SHEET_NAME] or "frame"
        candidate, n = base, 2
        while candidate.lower() in {v.lower() for v in out.values()} | set(_RESERVED):
            suffix = f" ({n})"
            candidate, n = base[: _SHEET_NAME - len(suffix)] + suffix, n + 1
        out[name] = candidate
    return out


def _for_excel(frame: pd.DataFrame, tz: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame as cells Excel can hold, and each column's header (with its zone or unit)."""
    out = neutralise_formulas(frame.reset_index(drop=True))
    headers: dict[str, str] = {}
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out[name] = column.dt.tz_convert(tz).dt.tz_localize(None)
            headers[name] = f"{name} ({tz})"
        elif pd.api.types.is_timedelta64_dtype(column):
            out[name] = column.dt.total_seconds() / 3600
            headers[name] = f"{name} (hours)"
        elif holds_lists(column):
            out[name] = column.map(lambda v: ", ".join(str(i) for i in v) if is_list(v) else v)
            headers[name] = f"{name} (list)"
        else:
            headers[name] = str(name)
    return out.rename(columns=headers), headers


def _meaning(frame: pd.DataFrame, column: str) -> str:
    source = Provenance.of(frame).frame
    if source in SCHEMAS and column in SCHEMAS[source].names:
        field = SCHEMAS[source].field(column)
        return (field.metadata or {}).get(b"doc", b"").decode()
    return ""


def to_excel(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *, tz: str | None = None) -> Path:
    """Write frames to one ``.xlsx`` workbook: a sheet per frame, a ``columns`` sheet and a ``provenance`` sheet.

    Parameters
    ----------
    frames : dict of str to DataFrame
        Sheet name -> frame (loaders', reports', anything tabular).
    path : str or path
        The ``.xlsx`` file to write (written to a temporary file and renamed: never half a workbook).
    tz : str, optional
        The IANA time zone the times are shown in (``"America/Chicago"``; default: the session's,
        else each frame's course's own, else UTC); each time column's header says it.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "course.xlsx"
    >>> written = cf.to_excel({"enrollments": cf.load_enrollments(course)}, target, tz="America/Chicago")
    >>> pd.read_excel(written, sheet_name=None).keys()
    dict_keys(['enrollments', 'columns', 'provenance'])
    """
    if tz is not None:
        check_tz(tz)  # a wrong zone is said before anything is written
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ConfigError(f"to_excel writes .xlsx workbooks; {target.name!r} does not end in .xlsx.")
    try:
        import openpyxl  # noqa: F401  (pandas' writer for .xlsx)
    except ImportError:  # pragma: no cover - the excel extra brings it
        raise ConfigError('Excel export needs openpyxl: pip install "canvasframe[excel]".') from None
    if not frames:
        raise ConfigError("to_excel: pass at least one frame.")
    names = _sheet_names(list(frames))
    columns, sources = [], []
    sheets: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise ConfigError(f"to_excel: {name!r} is a {type(frame).__name__}, not a DataFrame.")
        cells, headers = _for_excel(frame, display_zone(tz, frame=frame))
        sheets[names[name]] = cells
        columns += [
            {"sheet": names[name], "column": header, "dtype": str(frame[c].dtype), "meaning": _meaning(frame, c)}
            for c, header in headers.items()
        ]
        provenance = Provenance.of(frame)
        sources.append(
            {
                "sheet": names[name],
                "frame": provenance.frame or "",
                "rows": len(frame),
                "fetched_at (UTC)": provenance.fetched_at or "",
                "from_cache": provenance.from_cache,
                "sources": "\n".join(provenance.sources),
            }
        )
    sheets["columns"] = pd.DataFrame(columns, columns=["sheet", "column", "dtype", "meaning"])
    sheets["provenance"] = pd.DataFrame(sources)

    def write(handle: object) -> None:
        with pd.ExcelWriter(handle, engine="openpyxl") as writer:
            for sheet, cells in sheets.items():
                cells.to_excel(writer, sheet_name=sheet, index=False)

    return atomic_write(target, write)
