"""Who someone is in a course: the one home of the rules that give people their roles.

* A staff member's role is their enrollment **type** in one word (``teacher``, ``ta``,
  ``designer``, ``observer``): a role's *name* may be custom ("Grader"), its type never is.
* A student is ``student``; a student writing on another student's submission that an assessment
  request gives them to review is ``peer`` there (and only there).
* Anyone else (an admin, who has no enrollment; an author Canvas hides) has no role: NA.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ._frames import require

__all__ = ["INSTRUCTOR_ROLES", "author_roles", "user_roles"]

INSTRUCTOR_ROLES = ("teacher", "ta")  # whose comments are feedback and whose ties are ties with an instructor


def user_roles(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """``course_id, user_id, role``, one row per person and course, from enrollment frames.

    A frame with a ``type`` column (``load_staff``) gives each user that type; a frame with a
    ``student_id`` column (``load_enrollments``, ``load_student_summaries``) makes each a student.
    Where someone is both (a teacher enrolled as a student in a test section), staff wins.
    """
    parts = []
    for frame in frames:
        if "type" in frame.columns:
            require(frame, ("course_id", "user_id", "type"), "staff", "load_staff")
            parts.append(
                pd.DataFrame(
                    {"course_id": frame["course_id"], "user_id": frame["user_id"], "role": frame["type"], "staff": True}
                )
            )
        else:
            require(frame, ("course_id", "student_id"), "enrollments", "load_enrollments")
            parts.append(
                pd.DataFrame(
                    {"course_id": frame["course_id"], "user_id": frame["student_id"], "role": "student", "staff": False}
                )
            )
    if not parts:
        return pd.DataFrame(
            {
                "course_id": pd.Series(dtype="int64"),
                "user_id": pd.Series(dtype="int64"),
                "role": pd.Series(dtype="string"),
            }
        )
    every = pd.concat(parts, ignore_index=True).astype({"course_id": "int64", "user_id": "int64", "role": "string"})
    every = every.sort_values(["course_id", "user_id", "staff"], ascending=[True, True, False], kind="stable")
    return every.drop_duplicates(["course_id", "user_id"])[["course_id", "user_id", "role"]].reset_index(drop=True)


def author_roles(
    comments: pd.DataFrame, staff: pd.DataFrame, reviews: pd.DataFrame, students: pd.DataFrame
) -> pd.Series:
    """Each comment's author's role (``author_role``), aligned with ``comments``.

    ``students`` is any frame with ``course_id, student_id`` (the submissions listing names every
    student with work). An author's own submission makes them ``student``; an assessment request
    for this assignment from them to the submission's owner makes them ``peer``; otherwise their
    staff type, or ``student``, or NA.
    """
    keys = comments[["course_id", "assignment_id", "student_id", "author_id"]].copy()
    known = user_roles([staff, students[["course_id", "student_id"]].drop_duplicates()])
    keys = keys.merge(known.rename(columns={"user_id": "author_id"}), on=["course_id", "author_id"], how="left")
    assigned = reviews[["course_id", "assignment_id", "reviewee_id", "assessor_id"]].dropna().drop_duplicates()
    assigned = assigned.rename(columns={"reviewee_id": "student_id", "assessor_id": "author_id"}).assign(reviews=True)
    keys = keys.merge(
        assigned.astype({"author_id": "Int64"}),
        on=["course_id", "assignment_id", "student_id", "author_id"],
        how="left",
    )
    role = keys["role"].astype("string")
    role = role.mask(keys["reviews"].eq(True).fillna(False) & role.eq("student").fillna(False), "peer")
    role = role.mask(keys["author_id"].eq(keys["student_id"]).fillna(False), "student")
    role = role.mask(keys["author_id"].isna(), pd.NA)
    role.index = comments.index
    return role.astype(comments["author_role"].dtype)  # the frame's own text dtype (NA as it stores it)
