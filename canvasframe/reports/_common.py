"""What every report shares: provenance in ``attrs``, the set of students, "now"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import ConfigError


def sources(name: str, frames: Mapping[str, pd.DataFrame | None]) -> dict[str, Any]:
    """The report's provenance: for each frame used, when it was fetched and whether from the cache."""
    sources = {}
    for frame_name, frame in frames.items():
        if frame is None:
            continue
        info = frame.attrs.get("canvasframe", {})
        sources[frame_name] = {"fetched_at": info.get("fetched_at"), "from_cache": info.get("from_cache")}
    return {"report": name, "sources": sources}


def with_sources(report: pd.DataFrame, name: str, **frames: pd.DataFrame | None) -> pd.DataFrame:
    report.attrs["canvasframe"] = sources(name, frames)
    return report


def student_ids(*frames: pd.DataFrame | None) -> pd.Index:
    ids = [f["student_id"] for f in frames if f is not None]
    return pd.Index(sorted(set(pd.concat(ids).astype("int64"))) if ids else [], dtype="int64", name="student_id")


def as_of_time(as_of: Any, frame: pd.DataFrame) -> pd.Timestamp:
    if as_of is None:
        as_of = frame.attrs.get("canvasframe", {}).get("fetched_at") or pd.Timestamp.now(tz="UTC")
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise ConfigError(f"as_of must be a timestamp (e.g. '2026-11-01'), got {as_of!r}.") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
