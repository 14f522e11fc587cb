"""What the interactive course report shows, as plain frames in the course's local time.

Pure functions of the loaded frames: :mod:`canvasframe.app.report_charts` draws them and
:mod:`canvasframe.app.report` writes the page. Times are converted to the report's zone here,
once; every date the page shows is a local calendar date, and the page says which zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import loaders, reports
from .._time import readable_duration
from ..client import Canvas
from ..localtime import course_facts, display_zone


@dataclass(frozen=True)
class ReportFrames:
    """The frames of one course the report is drawn from (UTC and ids, as loaded)."""

    course_id: int
    name: str
    tz: str
    as_of: pd.Timestamp
    enrollments: pd.DataFrame
    submissions: pd.DataFrame
    summaries: pd.DataFrame
    assignments: pd.DataFrame
    activity: pd.DataFrame
    page_views: pd.DataFrame

    @classmethod
    def load(cls, canvas: Canvas, course_id: int, *, tz: str | None = None, as_of: Any = None) -> ReportFrames:
        """Load what the report needs of ``course_id`` (cached like any loader call)."""
        options: dict[str, Any] = {"canvas": canvas, "progress": False}
        facts = course_facts(canvas, course_id)
        return cls(
            course_id=course_id,
            name=str(facts.get("name") or f"Course {course_id}"),
            tz=display_zone(tz, canvas=canvas, course_id=course_id),
            as_of=pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now(tz="UTC"),
            enrollments=loaders.load_enrollments(course_id, **options),
            submissions=loaders.load_submissions(course_id, **options),
            summaries=loaders.load_student_summaries(course_id, **options),
            assignments=loaders.load_course_assignments(course_id, **options),
            activity=loaders.load_course_activity(course_id, **options),
            page_views=loaders.load_page_views(course_id, **options),
        )


def student_labels(enrollments: pd.DataFrame, *, names: bool = True) -> pd.Series:
    """Each student's label, indexed by ``student_id``: the sortable name, or ``Student <id>``.

    ``names=False`` (a screen others can see) labels everyone by id; so does a student
    Canvas sent no name for.
    """
    ids = enrollments.drop_duplicates("student_id").set_index("student_id")
    fallback = pd.Series([f"Student {i}" for i in ids.index], index=ids.index, dtype="str")
    if not names or "sortable_name" not in ids:
        return fallback.sort_values()
    return ids["sortable_name"].astype("str").fillna(fallback).sort_values()


def glance(frames: ReportFrames) -> list[tuple[str, str]]:
    """The course in a few numbers, each with its meaning (a median is the middle student's)."""
    summaries = frames.summaries
    return [
        ("students", f"{len(summaries)}"),
        ("assignments", f"{len(frames.assignments)}"),
        ("page views, middle student", f"{summaries['page_views'].median():.0f}"),
        ("participations, middle student", f"{summaries['participations'].median():.0f}"),
        ("missing assignments, all students", f"{int(summaries['missing'].sum())}"),
        ("late assignments, all students", f"{int(summaries['late'].sum())}"),
    ]


def daily_course_activity(frames: ReportFrames) -> pd.DataFrame:
    """Canvas's daily course activity: ``date`` (a day as Canvas counts it), ``views``, ``participations``.

    Canvas's course activity is already bucketed by day; its days are kept as they are.
    """
    activity = frames.activity[["date", "views", "participations"]].copy()
    activity["date"] = pd.to_datetime(activity["date"]).dt.strftime("%Y-%m-%d")
    return activity.sort_values("date").reset_index(drop=True)


def daily_student_views(frames: ReportFrames) -> pd.DataFrame:
    """Page views per student per local day, every day of the course and every student (0 when none).

    Columns ``date`` (local calendar day, ``YYYY-MM-DD``) and one column per ``student_id``.
    """
    views = frames.page_views
    local_day = views["hour"].dt.tz_convert(frames.tz).dt.strftime("%Y-%m-%d")
    daily = views.assign(date=local_day).pivot_table(
        index="date", columns="student_id", values="views", aggfunc="sum", fill_value=0
    )
    days = daily_course_activity(frames)["date"]
    every_day = sorted(set(days) | set(daily.index))
    students = frames.summaries["student_id"].astype("int64")
    return daily.reindex(index=every_day, columns=sorted(set(students) | set(daily.columns)), fill_value=0)


def student_rows(frames: ReportFrames, *, names: bool = True) -> pd.DataFrame:
    """The student table the page sorts: New Analytics' columns, local times, readable durations."""
    table = reports.student_table(frames.enrollments, frames.submissions, frames.summaries, as_of=frames.as_of)
    labels = student_labels(frames.enrollments, names=names)
    table.insert(0, "student", table["student_id"].map(labels).fillna(table["student_id"].map("Student {}".format)))
    table["last_activity"] = table["last_activity_at"].dt.tz_convert(frames.tz)
    table["activity_time"] = table["total_activity_time"].map(readable_duration)
    return table.sort_values("student", kind="stable").reset_index(drop=True)


def assignment_rows(frames: ReportFrames) -> pd.DataFrame:
    """The assignments with their local due dates and Canvas's on-time / late / missing counts."""
    table = frames.assignments.copy()
    table["due"] = table["due_at"].dt.tz_convert(frames.tz)
    for share in ("on_time", "late", "missing"):
        table[f"{share}_count"] = (table[share] * table["total"]).round().astype("Int64")
    counted = table[["on_time_count", "late_count", "missing_count"]].sum(axis=1)
    table["not_counted"] = (table["total"].astype("Int64") - counted).clip(lower=0)
    return table.sort_values(["due_at", "assignment_id"], na_position="last").reset_index(drop=True)


def student_work(frames: ReportFrames) -> pd.DataFrame:
    """Each student's missing, late and excused work, with local due dates."""
    work = reports.missing_late_excused(frames.submissions, frames.assignments)
    work = work.assign(due=work["due_at"].dt.tz_convert(frames.tz))
    return work.sort_values(["student_id", "due_at"], na_position="last").reset_index(drop=True)
