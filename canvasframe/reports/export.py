"""A report as a CSV file, written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .._csv import write_csv
from ..errors import ConfigError


def export_report(report: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a report as CSV for a spreadsheet, whole or not at all.

    Timestamps are written in ISO 8601 (UTC); a duration column ``x`` becomes ``x_seconds``
    (a number a spreadsheet can sum); a text cell that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``) starts with ``'``. The report's provenance is not in the CSV: keep the
    frame's ``attrs["canvasframe"]`` (or the notebook) for that.

    Parameters
    ----------
    report : DataFrame
        Any report of this module (or any frame).
    path : str or path
        Where to write; a ``.csv`` name.

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
    if Path(path).suffix.lower() != ".csv":
        raise ConfigError(f"export_report writes CSV: name the file '<name>.csv', not {str(path)!r}.")
    return write_csv(report, path)
