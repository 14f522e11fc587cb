"""What every report shares: provenance in ``attrs``, the set of students, "now"."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._provenance import Provenance, ReportProvenance
from .._time import as_utc

ACTIVE_STATES = ("active", "invited")  # enrollment states of students still taking the course


def with_sources(report: pd.DataFrame, name: str, **frames: pd.DataFrame | None) -> pd.DataFrame:
    """``report`` carrying its provenance (see :class:`~canvasframe._provenance.ReportProvenance`)."""
    return ReportProvenance.from_frames(name, frames).attach(report)


def student_ids(*frames: pd.DataFrame | None) -> pd.Index:
    ids = [f["student_id"] for f in frames if f is not None]
    return pd.Index(sorted(set(pd.concat(ids).astype("int64"))) if ids else [], dtype="int64", name="student_id")


def as_of_time(as_of: Any, frame: pd.DataFrame) -> pd.Timestamp:
    """``as_of`` in UTC; by default when ``frame`` was fetched, else now."""
    if as_of is None:
        as_of = Provenance.of(frame).fetched_at or pd.Timestamp.now(tz="UTC")
    return as_utc(as_of, "as_of")
