"""Where a frame came from, in ``frame.attrs``: one typed structure for loaders, reports and exports.

A loaded frame carries :class:`Provenance` under ``attrs["canvasframe"]``: the frame's name,
the URLs it was read from (credentials masked), when it was fetched (UTC, ISO 8601) and
whether it came from the cache. A report is made from several frames, so it carries
:class:`ReportProvenance` under its own key, ``attrs["canvasframe_report"]``: the report's
name and, for each frame it used, that frame's fetch time and cache flag. Neither ever holds
a token.

Examples
--------
>>> import pandas as pd
>>> frame = Provenance("page_views", ("https://x.test/a",), "2026-11-01T00:00:00+00:00", False).attach(pd.DataFrame())
>>> frame.attrs["canvasframe"]["from_cache"]
False
>>> Provenance.of(frame).mark_cached().from_cache
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pandas as pd

__all__ = ["FRAME_KEY", "REPORT_KEY", "Provenance", "ReportProvenance", "now"]

FRAME_KEY = "canvasframe"
REPORT_KEY = "canvasframe_report"


def now() -> str:
    """The current time as provenance records it: UTC, ISO 8601, whole seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Provenance:
    """A loaded frame's origin.

    ``changed`` is set by a ``refresh="changed"`` load: the signal it asked (None: the frame has
    no safe one and was refetched whole), and which parts it ``reused`` from the cache and which
    it ``refetched``, each a list of the parts' keys (``{"course_id": 7, "student_id": 1005}``).
    """

    frame: str
    sources: tuple[str, ...]
    fetched_at: str | None
    from_cache: bool
    changed: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Provenance:
        """The provenance a frame carries (an unknown origin when it carries none)."""
        info = frame.attrs.get(FRAME_KEY) or {}
        return cls(
            str(info.get("frame", "")),
            tuple(info.get("sources", ())),
            info.get("fetched_at"),
            bool(info.get("from_cache", False)),
            info.get("changed"),
        )

    @classmethod
    def merged(cls, frame: str, parts: Sequence[Provenance]) -> Provenance:
        """Several units' provenance as one: every source (once), the oldest fetch, from the cache only if all were."""
        stamps = [p.fetched_at for p in parts if p.fetched_at]
        records = [p.changed for p in parts if p.changed is not None]
        changed = None
        if records:
            signals = list(dict.fromkeys(r["signal"] for r in records))
            changed = {
                "signal": signals[0] if len(signals) == 1 else signals,
                "reused": [key for r in records for key in r["reused"]],
                "refetched": [key for r in records for key in r["refetched"]],
            }
        return cls(
            frame,
            tuple(dict.fromkeys(s for p in parts for s in p.sources)),
            min(stamps) if stamps else None,
            all(p.from_cache for p in parts),
            changed,
        )

    def mark_cached(self) -> Provenance:
        return dataclasses.replace(self, from_cache=True)

    def as_attrs(self) -> dict[str, Any]:
        attrs = {
            "frame": self.frame,
            "sources": list(self.sources),
            "fetched_at": self.fetched_at,
            "from_cache": self.from_cache,
        }
        return attrs if self.changed is None else attrs | {"changed": dict(self.changed)}

    def attach(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` carrying this provenance (the same object, changed in place)."""
        frame.attrs[FRAME_KEY] = self.as_attrs()
        return frame


@dataclass(frozen=True)
class ReportProvenance:
    """A report's origin: its name, and the fetch time and cache flag of each frame it was made from."""

    report: str
    sources: Mapping[str, Mapping[str, Any]]

    @classmethod
    def from_frames(cls, report: str, frames: Mapping[str, pd.DataFrame | None]) -> ReportProvenance:
        used = {}
        for name, frame in frames.items():
            if frame is not None:
                origin = Provenance.of(frame)
                used[name] = {"fetched_at": origin.fetched_at, "from_cache": origin.from_cache}
        return cls(report, used)

    def as_attrs(self) -> dict[str, Any]:
        return {"report": self.report, "sources": {k: dict(v) for k, v in self.sources.items()}}

    def attach(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` carrying this provenance; a loaded frame's provenance copied along by pandas is dropped."""
        frame.attrs.pop(FRAME_KEY, None)
        frame.attrs[REPORT_KEY] = self.as_attrs()
        return frame
