"""A report as a CSV file or an Excel workbook, written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .._csv import write_csv
from ..errors import ConfigError
from ..excel import to_excel


def export_report(report: pd.DataFrame, path: str | os.PathLike[str], *, tz: str | None = None) -> Path:
    """Write a report for a spreadsheet, as CSV or as an Excel workbook, whole or not at all.

    **CSV** (``.csv``): timestamps in ISO 8601 (UTC); a duration column ``x`` becomes ``x_seconds``
    (a number a spreadsheet can sum); a text cell that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``) starts with ``'``. The report's provenance is not in the CSV: keep the
    frame's ``attrs["canvasframe"]`` (or the notebook) for that. **Excel** (``.xlsx``, the ``excel``
    extra): as :func:`canvasframe.to_excel` writes it, the report on a sheet named ``report``, times
    local with the zone in each header, a ``columns`` and a ``provenance`` sheet.

    Parameters
    ----------
    report : DataFrame
        Any report of this module (or any frame).
    path : str or path
        Where to write: a ``.csv`` or ``.xlsx`` name.
    tz : str, optional
        Excel only: the time zone times are shown in (default as for :func:`canvasframe.to_excel`).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> report = pd.DataFrame({"student_id": [1], "seconds_late": [pd.Timedelta(minutes=90)]})
    >>> target = export_report(report, pathlib.Path(tempfile.mkdtemp()) / "late.csv")
    >>> target.read_text().splitlines()
    ['student_id,seconds_late_seconds', '1,5400.0']
    """
    if not isinstance(report, pd.DataFrame):
        raise ConfigError(f"export_report: expected a DataFrame, got {type(report).__name__}.")
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return to_excel({"report": report}, path, tz=tz)
    if suffix != ".csv":
        raise ConfigError(
            f"export_report writes CSV or Excel: name the file '<name>.csv' or '.xlsx', not {str(path)!r}."
        )
    if tz is not None:
        raise ConfigError("export_report: tz= is for Excel files; a CSV keeps times in UTC (ISO 8601).")
    return write_csv(report, path)
