"""Weekly page views and participations, course against a student or a section."""

from __future__ import annotations

import pandas as pd

from .._frames import require
from .._time import week_start
from ..errors import ConfigError
from ..localtime import display_zone
from ._common import ACTIVE_STATES, student_ids, with_sources


def weekly_activity(
    page_views: pd.DataFrame,
    participations: pd.DataFrame,
    *,
    enrollments: pd.DataFrame | None = None,
    student_id: int | None = None,
    section_id: int | None = None,
    tz: str | None = None,
    include_inactive: bool = False,
) -> pd.DataFrame:
    """Page views and participations per week, for the course and for one student or section.

    As New Analytics shows them: the course line is the mean per student (everyone enrolled
    counts, with zeros), the selection is one student's counts or the mean of a section's
    students. Weeks start on Monday in ``tz`` (by default the session's zone, else the course's).

    Parameters
    ----------
    page_views : DataFrame
        From ``load_page_views``, for the whole course.
    participations : DataFrame
        From ``load_participations``, for the whole course.
    enrollments : DataFrame, optional
        From ``load_enrollments``: who counts in the means (default: every student with
        activity) and, for ``section_id``, who is in the section.
    student_id : int, optional
        One student's weeks (give this or ``section_id``, not both).
    section_id : int, optional
        One section's weeks (give this or ``student_id``, not both).
    tz : str, optional
        IANA time zone whose Mondays start the weeks (default: the session's, else the course's own,
        else UTC; ``attrs["time_zone"]`` says which).
    include_inactive : bool
        Count students whose enrollment is ``inactive`` or ``completed`` in the means (default
        False: the course line is the mean over the students taking the course, as New Analytics
        draws it; a dropped student would count as a zero every week). A selected student or
        section is shown whatever its state.

    Returns
    -------
    DataFrame
        ``week`` (naive local date of the Monday), ``students`` (how many the means are over),
        ``page_views`` and ``participations`` (means per student), with a selection
        ``selected_students``, ``selected_page_views`` and ``selected_participations``, and
        ``partial`` (the week has days the data do not cover: its means count fewer days).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> weeks = weekly_activity(cf.load_page_views(course), cf.load_participations(course),
    ...                         enrollments=cf.load_enrollments(course), student_id=1005, tz="America/Chicago")
    >>> list(weeks.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['week', 'students', 'page_views', 'participations', 'selected_students', 'selected_page_views',
     'selected_participations', 'partial']
    """
    require(page_views, ["student_id", "hour", "views"], "weekly_activity", "load_page_views")
    require(participations, ["student_id", "created_at"], "weekly_activity", "load_participations")
    if student_id is not None and section_id is not None:
        raise ConfigError("weekly_activity: choose a student_id or a section_id, not both.")
    if enrollments is not None:
        require(enrollments, ["student_id", "section_id"], "weekly_activity", "load_enrollments")
        counted = enrollments
        if not include_inactive and "enrollment_state" in enrollments:
            counted = enrollments[enrollments["enrollment_state"].isin(ACTIVE_STATES)]
        everyone = student_ids(counted)
    else:
        everyone = student_ids(page_views, participations)
    tz = display_zone(tz, frame=page_views)
    views = _per_student_week(page_views["student_id"], page_views["hour"], page_views["views"], tz)
    posts = _per_student_week(
        participations["student_id"], participations["created_at"], pd.Series(1, index=participations.index), tz
    )
    weeks = views.index.get_level_values("week").unique().union(posts.index.get_level_values("week").unique())
    report = pd.DataFrame({"week": weeks})
    report["students"] = len(everyone)
    report["page_views"], report["participations"] = _means(views, posts, everyone, weeks)
    enrolled = everyone if enrollments is None else student_ids(enrollments)  # a selection may be inactive
    chosen = _selection(enrolled, enrollments, student_id, section_id)
    if chosen is not None:
        report["selected_students"] = len(chosen)
        report["selected_page_views"], report["selected_participations"] = _means(views, posts, chosen, weeks)
    report["partial"] = _partial(report["week"], [page_views["hour"], participations["created_at"]], tz)
    report.attrs["time_zone"] = tz
    return with_sources(report, "weekly_activity", page_views=page_views, participations=participations,
                         enrollments=enrollments)  # fmt: skip


def _partial(weeks: pd.Series, times: list[pd.Series], tz: str) -> pd.Series:
    """Whether each week has days outside the span the data cover (the first and last weeks, usually):
    a mean over such a week counts fewer days, and must not read as a collapse."""
    # Frames in two zones would concatenate as objects ("utc" names the same zone: no mutate).
    stamps = pd.concat([t.dropna().dt.tz_convert("UTC") for t in times])  # pragma: no mutate
    if stamps.empty:
        return pd.Series(False, index=weeks.index)
    local = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    first, last = local.min().normalize(), local.max().normalize()
    return (weeks < first) | (weeks + pd.Timedelta(days=6) > last)


def _per_student_week(students: pd.Series, times: pd.Series, counts: pd.Series, tz: str) -> pd.Series:
    week = week_start(times, tz)
    # no mutate: the student ids only select rows by value (isin), whatever their integer dtype
    student = students.astype("int64")  # pragma: no mutate
    return counts.groupby([student.rename("student_id"), week.rename("week")]).sum()


def _means(views: pd.Series, posts: pd.Series, students: pd.Index, weeks: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Means per student per week over ``students`` (absent students and weeks count as zero)."""
    result = []
    for counts in (views, posts):
        mine = counts[counts.index.get_level_values("student_id").isin(students)]
        total = mine.groupby(level="week").sum().reindex(weeks, fill_value=0)
        result.append((total / max(len(students), 1)).to_numpy())
    return pd.Series(result[0]), pd.Series(result[1])


def _selection(
    everyone: pd.Index, enrollments: pd.DataFrame | None, student_id: int | None, section_id: int | None
) -> pd.Index | None:
    if student_id is not None:
        if student_id not in everyone:
            raise ConfigError(f"weekly_activity: student {student_id} is not among this course's students.")
        return pd.Index([student_id], dtype="int64")  # pragma: no mutate (an int's index is int64 anyway)
    if section_id is None:
        return None
    if enrollments is None:
        raise ConfigError("weekly_activity: section_id needs enrollments= (from load_enrollments) for its students.")
    members = enrollments.loc[enrollments["section_id"] == section_id, "student_id"]
    if members.empty:
        raise ConfigError(f"weekly_activity: section {section_id} has no students; load_sections() lists the sections.")
    return pd.Index(sorted(set(members.astype("int64"))), dtype="int64")  # pragma: no mutate (ints: int64 anyway)
