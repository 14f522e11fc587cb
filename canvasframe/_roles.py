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

INSTRUCTOR_ROLES = ("teacher", "ta")
"""The roles whose comments count as feedback and whose ties are ties with an instructor."""


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
            people, role, rank = frame["user_id"], frame["type"], 0
        else:
            require(frame, ("course_id", "student_id"), "enrollments", "load_enrollments")
            people, role, rank = frame["student_id"], "student", 1  # pragma: no mutate (any rank after staff's 0)
        parts.append(pd.DataFrame({"course_id": frame["course_id"], "user_id": people, "role": role, "rank": rank}))
    columns = {"course_id": "int64", "user_id": "int64", "role": "string"}
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    every = pd.concat(parts).astype(columns)  # pragma: no mutate (the index is rebuilt below)
    # Staff (rank 0) before students: where someone is both, the first row kept is the staff one.
    every = every.sort_values(["course_id", "user_id", "rank"])
    return every.drop_duplicates(["course_id", "user_id"])[list(columns)].reset_index(drop=True)


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
    # Joined on the columns the frames share (named for the reader; merging on all shared ones is the same).
    authors = known.rename(columns={"user_id": "author_id"})
    keys = keys.merge(authors, on=["course_id", "author_id"], how="left")  # pragma: no mutate
    assigned = reviews[["course_id", "assignment_id", "reviewee_id", "assessor_id"]].dropna().drop_duplicates()
    assigned = assigned.rename(columns={"reviewee_id": "student_id", "assessor_id": "author_id"}).assign(reviews=True)
    on = ["course_id", "assignment_id", "student_id", "author_id"]  # pragma: no mutate (the shared columns)
    keys = keys.merge(assigned.astype({"author_id": "Int64"}), on=on, how="left")  # pragma: no mutate
    reviewer = keys["reviews"].eq(True).to_numpy()  # NaN (no review) is not True
    role = keys["role"].astype("string")
    # pragma: no mutate start (NA roles: only a hidden or enrolment-less author, never an assessor; the last mask
    # makes a hidden author's role NA whatever these say, and mask()'s default is NA too)
    role = role.mask(reviewer & role.eq("student").fillna(False).to_numpy(), "peer")
    role = role.mask(keys["author_id"].eq(keys["student_id"]).fillna(False).to_numpy(), "student")
    role = role.mask(keys["author_id"].isna().to_numpy(), pd.NA)
    # pragma: no mutate end
    role.index = comments.index
    return role.astype(comments["author_role"].dtype)  # the frame's own text dtype (NA as it stores it)
