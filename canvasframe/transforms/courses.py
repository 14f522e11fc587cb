"""Account listings -> frames: the courses of an account (``accounts/:id/courses``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._coerce import as_id, as_int, as_str, build, column, constant, records, utc_timestamps

__all__ = ["courses"]


def courses(payload: Any, *, account_id: int, term: str, source: str = "account courses") -> pd.DataFrame:
    """``accounts/:id/courses`` (every page) -> one row per course."""
    rows = records(payload, source)
    columns = {"account_id": constant(account_id, len(rows)), "term": constant(str(term), len(rows))} | {
        "course_id": column(rows, "id", as_id, source),
        "name": column(rows, "name", as_str, source),
        "course_code": column(rows, "course_code", as_str, source),
        "subaccount_id": column(rows, "account_id", as_id, source),
        "term_id": column(rows, "enrollment_term_id", as_int, source, default=None),
        "workflow_state": column(rows, "workflow_state", as_str, source),
        "start_at": utc_timestamps([r.get("start_at") for r in rows], "start_at", source),
        "end_at": utc_timestamps([r.get("end_at") for r in rows], "end_at", source),
        "time_zone": column(rows, "time_zone", as_str, source),
        "sis_course_id": column(rows, "sis_course_id", as_str, source),
        "total_students": column(rows, "total_students", as_int, source, default=None),
    }
    return build("courses", columns, ["account_id", "course_id"])
