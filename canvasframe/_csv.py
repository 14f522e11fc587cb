"""CSV for spreadsheets: flat columns, ISO times, no live formulas, written whole or not at all.

A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return: OWASP's "CSV injection") is written with a leading ``'``, which Excel,
LibreOffice and Google Sheets show as text. Only text columns are touched, so ``-3`` in a
number column stays a number. Canvas text (a post, an assignment title, a student's name) is
whatever someone typed, so every CSV canvasframe writes goes through here.

Examples
--------
>>> import pandas as pd
>>> neutralise_formulas(pd.DataFrame({"title": ["=SUM(A1:A9)", "Essay"], "score": [-3, 4]})).to_dict("list")
{'title': ["'=SUM(A1:A9)", 'Essay'], 'score': [-3, 4]}
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._atomic import atomic_write

__all__ = ["FORMULA_STARTS", "csv_bytes", "neutralise_formulas", "spreadsheet_frame", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells that start like a formula begin with ``'``."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            out[name] = column.map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
    return out


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as its CSV holds it: a duration ``x`` becomes ``x_seconds`` (at the end), formulas neutralised."""
    flat = neutralise_formulas(frame)
    for name in list(flat.columns):
        if pd.api.types.is_timedelta64_dtype(flat[name]):
            flat[f"{name}_seconds"] = flat.pop(name).dt.total_seconds()
    return flat


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV (:func:`spreadsheet_frame`), times ISO 8601 (UTC)."""
    return spreadsheet_frame(frame).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode()


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write :func:`csv_bytes` to ``path`` atomically (its folder is made if need be)."""
    data = csv_bytes(frame)
    return atomic_write(path, lambda handle: handle.write(data))
