"""The student table and the missing / late / excused report, from each submission's own flags."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._frames import require
from ..errors import warn
from ._common import ACTIVE_STATES, as_of_time, with_sources

_SUBMISSION_COLUMNS = ["student_id", "assignment_id", "submitted_at", "late", "missing", "excused"]


def _flag(submissions: pd.DataFrame, name: str) -> pd.Series:
    """A submission flag as True/False; where Canvas did not say (NA), False, with a warning that counts them."""
    values = submissions[name]
    unknown = int(values.isna().sum())
    if unknown and name != "excused":  # an absent excused means not excused, as Canvas's own pages show it
        warn(
            f"Canvas did not say whether {unknown} submission(s) are {name} (an older or self-hosted Canvas sends "
            f"no '{name}' key): they are not counted as {name} here."
        )
    return values.fillna(False).astype(bool)


def _status_counts(submissions: pd.DataFrame) -> pd.DataFrame:
    """Per student, from each submission's own flags: on time, late, missing, excused."""
    excused = _flag(submissions, "excused")
    late = _flag(submissions, "late") & ~excused
    missing = _flag(submissions, "missing") & ~excused
    on_time = submissions["submitted_at"].notna() & ~late & ~excused
    flags = pd.DataFrame({"on_time": on_time, "late": late, "missing": missing, "excused": excused})
    return flags.groupby(submissions["student_id"]).sum()  # by value: read back by the table's int64 ids


_STATE_ORDER = {"active": 0, "invited": 1, "inactive": 2, "completed": 3}


def _one_enrollment_each(enrollments: pd.DataFrame) -> pd.DataFrame:
    """One row per student: a student in two sections has two enrollments; the most current one counts
    (the first listed among equals)."""
    if "enrollment_state" not in enrollments:
        return enrollments.drop_duplicates("student_id").sort_values("student_id")
    rank = enrollments["enrollment_state"].map(_STATE_ORDER)  # an unknown state (NaN) sorts last
    ordered = enrollments.assign(_rank=rank).sort_values(["student_id", "_rank"])  # on two columns: stable
    return ordered.drop_duplicates("student_id").drop(columns="_rank")


def student_table(
    enrollments: pd.DataFrame,
    submissions: pd.DataFrame,
    summaries: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    include_inactive: bool = True,
) -> pd.DataFrame:
    """One row per student, as the instructor's table in New Analytics, every number explained.

    Parameters
    ----------
    enrollments : DataFrame
        From ``load_enrollments``: section, scores, last activity, total activity time.
    submissions : DataFrame
        From ``load_submissions``: the on time / late / missing / excused counts.
    summaries : DataFrame, optional
        From ``load_student_summaries``: page views, participations, their levels, and the
        Analytics tardiness (``analytics_late``, ``analytics_missing``) beside Canvas's flags.
    as_of : timestamp, optional
        "Now" for ``days_since_activity`` (default: when ``enrollments`` was fetched, else now).
    include_inactive : bool
        Keep students whose enrollment is ``inactive`` (dropped by the teacher) or ``completed``
        (default True: this is the table of who is missing work, and a dropped student's missing
        work is still theirs; their ``enrollment_state`` says so). A student who has submissions
        but no enrollment the token can see is always kept, with NA enrollment columns.

    Returns
    -------
    DataFrame
        ``student_id``, ``section_id``, ``enrollment_state``, ``current_score``, ``final_score``,
        ``current_grade``, ``override_score``; ``score_of_record`` and ``grade_of_record`` (the
        **grade of record**: the teacher's final grade override where one is set, else the current
        score and grade, as Canvas shows students their total);
        ``on_time``, ``late``, ``missing``, ``excused`` (counts of assignments, from each
        submission's flags; excused work is only excused); ``last_activity_at``,
        ``days_since_activity`` (whole days to ``as_of``; NA when never active),
        ``total_activity_time``; with ``summaries``: ``page_views``, ``participations``,
        ``page_views_level``, ``participations_level``, ``analytics_late``, ``analytics_missing``.
        Sorted by student; filter and sort it like any frame.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> table = student_table(cf.load_enrollments(course), cf.load_submissions(course),
    ...                       cf.load_student_summaries(course))
    >>> int((table["missing"] >= 2).sum())  # students missing two or more (tests/test_doc_examples.py derives it)
    16
    """
    require(enrollments, ["student_id", "section_id", "current_score", "last_activity_at"], "student_table",
            "load_enrollments")  # fmt: skip
    require(submissions, _SUBMISSION_COLUMNS, "student_table", "load_submissions")
    people = _one_enrollment_each(enrollments)
    ids = pd.Index(
        sorted(set(people["student_id"]) | set(submissions["student_id"].astype("int64"))), name="student_id"
    )
    people = people.set_index("student_id").reindex(ids).reset_index()
    if not include_inactive and "enrollment_state" in people:
        # A student with submissions but no enrollment the token can see has no state: kept, as documented.
        state = people["enrollment_state"]
        people = people[state.isin(ACTIVE_STATES) | state.isna()]
    columns = ["student_id", "sortable_name", "section_id", "enrollment_state", "current_score", "final_score"]
    columns.append("current_grade")
    table = people.reindex(columns=columns).reset_index(drop=True)  # enrollment_state: NA in a hand-made frame
    table["sortable_name"] = table["sortable_name"].astype("str")  # NA for a student with submissions only
    table["section_id"] = table["section_id"].astype("Int64")
    table["enrollment_state"] = table["enrollment_state"].astype("str")
    # A frame made before overrides were kept has neither column: no override anywhere.
    people = people.reindex(columns=people.columns.union(["override_score", "override_grade"], sort=False))
    table["override_score"] = people["override_score"].astype("float64").to_numpy()
    overridden = table["override_score"].notna()
    table["score_of_record"] = table["override_score"].where(overridden, table["current_score"])
    table["grade_of_record"] = pd.Series(people["override_grade"].to_numpy(), dtype="str").where(
        overridden, table["current_grade"]
    )
    counts = _status_counts(submissions).reindex(table["student_id"], fill_value=0)
    for name in ("on_time", "late", "missing", "excused"):
        table[name] = counts[name].to_numpy()
    now = as_of_time(as_of, enrollments)
    # As a UTC column whatever it holds: a term's first day has no activity at all, and an all-NaT
    # column (or a frame built by hand) must not turn naive.
    table["last_activity_at"] = pd.to_datetime(people["last_activity_at"].reset_index(drop=True), utc=True)
    table["days_since_activity"] = ((now - table["last_activity_at"]).dt.days).astype("Int64")
    table["total_activity_time"] = people["total_activity_time"].to_numpy()
    if summaries is not None:
        require(summaries, ["student_id", "page_views", "participations", "late", "missing"], "student_table",
                "load_student_summaries")  # fmt: skip
        extra = summaries.set_index("student_id").reindex(table["student_id"])
        for name in ("page_views", "participations"):
            table[name] = extra[name].fillna(0).astype("int64").to_numpy()
        # .array, not .to_numpy(): NumPy has no integer NA, so a student without a summary made these float.
        for name in ("page_views_level", "participations_level"):
            table[name] = extra[name].astype("Int64").array
        table["analytics_late"] = extra["late"].astype("Int64").array
        table["analytics_missing"] = extra["missing"].astype("Int64").array
    return with_sources(table, "student_table", enrollments=enrollments, submissions=submissions, summaries=summaries)


def missing_late_excused(submissions: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per student × assignment that is missing, late or excused (Canvas's own flags).

    Parameters
    ----------
    submissions : DataFrame
        From ``load_submissions``.
    assignments : DataFrame
        From ``load_course_assignments``: titles, due dates and points.

    Returns
    -------
    DataFrame
        ``student_id``, ``assignment_id``, ``title``, ``status`` (``missing``, ``late`` or
        ``excused``; excused wins over the others), ``due_at``, ``submitted_at``,
        ``seconds_late`` (how late: for missing work, time since the due date, as Canvas
        counts it), ``score`` and ``points_possible``; sorted by student, then due date.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> report = missing_late_excused(cf.load_submissions(course), cf.load_course_assignments(course))
    >>> sorted(report["status"].unique())
    ['excused', 'late', 'missing']
    """
    require(submissions, [*_SUBMISSION_COLUMNS, "seconds_late", "score"], "missing_late_excused", "load_submissions")
    require(assignments, ["assignment_id", "title", "due_at", "points_possible"], "missing_late_excused",
            "load_course_assignments")  # fmt: skip
    excused = _flag(submissions, "excused")
    status = pd.Series(index=submissions.index, dtype="str")
    status[_flag(submissions, "missing")] = "missing"
    status[_flag(submissions, "late")] = "late"
    status[excused] = "excused"
    chosen = submissions[status.notna()].assign(status=status[status.notna()])
    info = assignments[["assignment_id", "title", "due_at", "points_possible"]].drop_duplicates("assignment_id")
    report = chosen.merge(info, on="assignment_id", how="left")  # an assignment not listed keeps its rows
    columns = ["student_id", "assignment_id", "title", "status", "due_at", "submitted_at", "seconds_late", "score",
               "points_possible"]  # fmt: skip
    report = report[columns].sort_values(["student_id", "due_at", "assignment_id"], ignore_index=True)
    return with_sources(report, "missing_late_excused", submissions=submissions, assignments=assignments)
