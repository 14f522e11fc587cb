"""The interactive report's charts, as plotly figure specifications (JSON the page draws offline).

Why plotly: its Python package carries plotly.js itself, so one HTML file with the library
inlined works with no network and no extra binary (Vega-Lite through altair needs a separate
converter to inline its scripts); hover tooltips, range sliders and legends come built in,
and the charts stay plain JSON that the page's own script can redraw for a picked student.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._palette import ROLES
from .report_data import ReportFrames, assignment_rows, daily_course_activity

# One look for every chart: the page's font, no plotly logo, a hover label per point.
LAYOUT: dict[str, Any] = {
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "hovermode": "closest",
    "legend": {"orientation": "h", "y": -0.25},
    "plot_bgcolor": "white",
}
CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}


def _figure(data: list[dict[str, Any]], title: str, **layout: Any) -> dict[str, Any]:
    return {"data": data, "layout": {**LAYOUT, "title": {"text": title}, **layout}}


def _date_axis(tz: str) -> dict[str, Any]:
    return {"type": "date", "title": {"text": f"day ({tz})"}, "gridcolor": "#eee"}


def course_activity(frames: ReportFrames) -> dict[str, Any]:
    """Daily page views and participations of the whole course, with a range slider."""
    daily = daily_course_activity(frames)
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": label,
            "x": daily["date"].tolist(),
            "y": daily[column].astype("int64").tolist(),
            "line": {"color": ROLES[column]},
            "hovertemplate": f"%{{x|%a %d %b %Y}}<br>%{{y}} {label}<extra></extra>",
        }
        for column, label in (("views", "page views"), ("participations", "participations"))
    ]
    axis = {**_date_axis(frames.tz), "rangeslider": {"visible": True}}
    return _figure(traces, "Course activity per day", xaxis=axis, yaxis={"title": {"text": "count"}})


def timeliness(frames: ReportFrames) -> dict[str, Any]:
    """Per assignment, how many students were on time, late, missing, or not counted by Canvas."""
    rows = assignment_rows(frames)
    parts = (
        ("on_time_count", "on time", ROLES["on_time"]),
        ("late_count", "late", ROLES["late"]),
        ("missing_count", "missing", ROLES["missing"]),
        ("not_counted", "not counted by Canvas (excused or not due)", ROLES["box"]),
    )
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": label,
            "y": rows["title"].tolist(),
            "x": rows[column].fillna(0).astype("int64").tolist(),
            "marker": {"color": color},
            "hovertemplate": f"%{{y}}<br>%{{x}} students {label}<extra></extra>",
        }
        for column, label, color in parts
    ]
    return _figure(
        traces,
        "Timeliness per assignment",
        barmode="stack",
        legend={**LAYOUT["legend"], "traceorder": "normal"},
        xaxis={"title": {"text": "students"}},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(300, 40 * len(rows) + 140),
    )


def scores(frames: ReportFrames) -> dict[str, Any]:
    """Each graded assignment's score distribution as Canvas states it (min, quartiles, max)."""
    rows = assignment_rows(frames).dropna(subset=["median"])
    traces = [
        {
            "type": "box",
            "name": row.title,
            "x": [row.title],
            "q1": [row.first_quartile],
            "median": [row.median],
            "q3": [row.third_quartile],
            "lowerfence": [row.min_score],
            "upperfence": [row.max_score],
            "marker": {"color": ROLES["views"]},
        }
        for row in rows.itertuples()
    ]
    return _figure(traces, "Scores per assignment (points)", showlegend=False, yaxis={"title": {"text": "points"}})


def student_activity(frames: ReportFrames, daily: pd.DataFrame, student: int | None) -> dict[str, Any]:
    """One student's daily page views against the class median (the page redraws it per student)."""
    median = daily.median(axis=1)
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "this student",
            "x": daily.index.tolist(),
            "y": (daily[student] if student is not None else pd.Series(0, index=daily.index)).tolist(),
            "marker": {"color": ROLES["views"]},
            "hovertemplate": "%{x|%a %d %b %Y}<br>%{y} page views<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "class median",
            "x": daily.index.tolist(),
            "y": median.tolist(),
            "line": {"color": ROLES["student"], "dash": "dot"},
            "hovertemplate": "%{x|%a %d %b %Y}<br>class median %{y}<extra></extra>",
        },
    ]
    return _figure(traces, "Page views per day", xaxis=_date_axis(frames.tz), yaxis={"title": {"text": "page views"}})
