"""The role rules (canvasframe._roles) on hand-built frames: every case the rule distinguishes."""

from __future__ import annotations

import pandas as pd
import pytest

import canvasframe as cf
from canvasframe._roles import author_roles, user_roles

STAFF = pd.DataFrame({"course_id": [1, 1, 1], "user_id": [8, 9, 50], "type": ["teacher", "ta", "ta"]})
STUDENTS = pd.DataFrame({"course_id": [1, 1, 1, 1], "student_id": [50, 51, 52, 53]})
REVIEWS = pd.DataFrame(
    {"course_id": [1, 1], "assignment_id": [3, 3], "reviewee_id": [51, 52],
     "assessor_id": pd.array([52, pd.NA], dtype="Int64")}
)  # fmt: skip


def _comments(rows: list[tuple[int, int | None]]) -> pd.DataFrame:
    """(owner, author) comments on assignment 3 of course 1."""
    frame = pd.DataFrame(rows, columns=["student_id", "author_id"])
    return frame.assign(course_id=1, assignment_id=3, author_id=frame["author_id"].astype("Int64"),
                        author_role=pd.Series([None] * len(rows), dtype="str"))  # fmt: skip


def test_every_authors_role():
    comments = _comments(
        [
            (51, 51),  # the owner
            (51, 52),  # the student assigned to review 51's work: a peer
            (52, 51),  # 51 on 52's work, with no review tying them (a group mate): a student
            (51, 8),  # the teacher
            (51, 9),  # a TA (a custom role name would not matter: the type decides)
            (51, 50),  # enrolled both as a TA and as a student (a test student): staff wins
            (50, 50),  # ... but on their own submission they are its owner, a student
            (51, 99),  # an admin: no enrollment, no role
            (51, None),  # a hidden author
        ]
    )
    roles = author_roles(comments, STAFF, REVIEWS, STUDENTS)
    expected = ["student", "peer", "student", "teacher", "ta", "ta", "student", None, None]
    assert [None if pd.isna(r) else r for r in roles] == expected
    assert roles.index.equals(comments.index) and roles.dtype == comments["author_role"].dtype


def test_a_review_makes_a_peer_only_of_that_submission_and_a_hidden_assessor_of_none():
    comments = _comments([(53, 52), (52, 53)])  # 52 reviews 51, not 53; nobody visible reviews 52
    assert author_roles(comments, STAFF, REVIEWS, STUDENTS).tolist() == ["student", "student"]


def test_user_roles_prefers_staff_and_keeps_one_row_per_person():
    roles = user_roles([STUDENTS, STAFF])
    assert roles.to_dict("records") == [
        {"course_id": 1, "user_id": 8, "role": "teacher"},
        {"course_id": 1, "user_id": 9, "role": "ta"},
        {"course_id": 1, "user_id": 50, "role": "ta"},  # a student too, but staff wins
        {"course_id": 1, "user_id": 51, "role": "student"},
        {"course_id": 1, "user_id": 52, "role": "student"},
        {"course_id": 1, "user_id": 53, "role": "student"},
    ]
    assert roles.index.tolist() == list(range(6))
    empty = user_roles([])
    assert empty.empty and empty.dtypes.astype(str).tolist() == ["int64", "int64", "string"]
    two = user_roles([pd.DataFrame({"course_id": [2, 1], "student_id": [7, 7]})])
    assert two[["course_id", "user_id"]].values.tolist() == [[1, 7], [2, 7]]  # a person per course, in order


def test_a_wrong_frame_names_the_loader_it_should_come_from():
    with pytest.raises(cf.ConfigError, match=r"staff: expected the frame from load_staff\(\)"):
        user_roles([pd.DataFrame({"type": ["ta"]})])
    with pytest.raises(cf.ConfigError, match=r"enrollments: expected the frame from load_enrollments\(\)"):
        user_roles([pd.DataFrame({"user_id": [1]})])
