"""Submission comments, staff and peer reviews: loaded over HTTP from the sandbox and compared, value by
value, with the sandbox's own events (tests/truth.py); the transforms on hand-made payloads."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe.transforms import TRANSFORMS

from . import truth


@pytest.fixture
def course(institution):
    return truth.first_course(institution)


def test_comments_equal_the_events_with_roles(canvas, institution, course):
    got = cf.load_submission_comments(course.id, canvas=canvas)
    pdt.assert_frame_equal(got.reset_index(drop=True), truth.submission_comments(institution, course))
    # What the sandbox models is really there: every role, a hidden author, a media comment, an edit,
    # a comment before anything was handed in.
    assert set(got["author_role"].dropna()) == {"student", "peer", "teacher", "ta"}
    assert got["author_id"].isna().any() and got["media"].any() and got["edited_at"].notna().any()
    assert got["attempt"].isna().any()
    assert (got.loc[got["media"], "comment"] == "").all()


def test_drafts_never_become_comments(canvas, institution, course):
    drafts = {c.id for c in institution.feedback(course).comments if c.draft}
    assert drafts  # the sandbox has some
    got = cf.load_submission_comments(course.id, canvas=canvas)
    assert not drafts & set(got["comment_id"])


def test_group_comment_copies_are_one_row_per_member(canvas, institution, course):
    group_work = next(a for a in course.assignments if a.group_work)
    teacher_like = {m.user_id for m in institution.feedback(course).staff}
    got = cf.load_submission_comments(course.id, canvas=canvas)
    graders = got[(got["assignment_id"] == group_work.id) & got["author_id"].isin(teacher_like)]
    copies = graders.groupby(["author_id", "created_at", "comment"])["student_id"].nunique()
    assert (copies > 1).any()  # a comment reached several members, each copy a row with an id of its own
    assert graders["comment_id"].is_unique


def test_anonymous_grading_hides_every_author_but_the_readers_own(canvas, institution, course):
    hidden = next(a for a in course.assignments if a.anonymous_grading)
    got = cf.load_submission_comments(course.id, canvas=canvas)
    on_it = got[got["assignment_id"] == hidden.id]
    assert len(on_it) and set(on_it["author_id"].dropna()) <= {institution.inbox_owner_id}
    assert on_it["author_id"].isna().sum() == on_it["author_role"].isna().sum()


def test_staff_and_peer_reviews_equal_the_events(canvas, institution, course):
    pdt.assert_frame_equal(cf.load_staff(course.id, canvas=canvas), truth.staff(institution, course))
    reviews = cf.load_peer_reviews(course.id, canvas=canvas)
    pdt.assert_frame_equal(reviews, truth.peer_reviews(institution, course))
    never_done = next(a for a in course.assignments if a.peer_reviews and not a.reviews_done)
    assert (reviews.loc[reviews["assignment_id"] == never_done.id, "workflow_state"] == "assigned").all()


def test_peer_reviews_ask_only_for_reviewed_assignments(canvas, sandbox, course):
    sandbox.clear_log()
    cf.load_peer_reviews(course.id, canvas=canvas)
    asked = [p for p in sandbox.request_log if p.endswith("/peer_reviews")]
    expected = sorted(
        f"/api/v1/courses/{course.id}/assignments/{a.id}/peer_reviews" for a in course.assignments if a.peer_reviews
    )
    assert sorted(asked) == expected
    assert sandbox.request_log.count(f"/api/v1/courses/{course.id}/assignments") == 1


def test_comments_and_submissions_come_from_one_call(canvas, sandbox, course):
    listing = f"/api/v1/courses/{course.id}/students/submissions"
    sandbox.clear_log()
    cf.load_course(course.id, frames=["submissions", "submission_comments", "staff", "peer_reviews"], canvas=canvas)
    pages = sandbox.request_log.count(listing)
    sandbox.clear_log()
    cf.load_submissions(course.id, canvas=canvas, refresh=True)
    assert sandbox.request_log.count(listing) == pages  # the pass read the listing once, page for page
    sandbox.clear_log()
    cf.load_submission_comments(course.id, canvas=canvas)  # cached by the submissions' load: no request at all
    assert sandbox.request_log == []


def _review(assessor, comments, **extra):
    return {"id": 1, "user_id": 50, "assessor_id": assessor, "asset_id": 900, "asset_type": "Submission",
            "workflow_state": "completed", "submission_comments": comments, **extra}  # fmt: skip


def _comment(cid, author, text="ok", **extra):
    return {"id": cid, "author_id": author, "author_name": "X", "created_at": "2026-09-01T10:00:00Z",
            "edited_at": None, "comment": text, "attempt": 1, **extra}  # fmt: skip


def test_a_review_counts_only_its_assessors_comments():
    # Canvas returns every comment on the reviewed submission: the owner's, the teacher's draft, another reviewer's.
    comments = [_comment(1, 7), _comment(2, 50), _comment(3, 99, draft=True), _comment(4, 8), _comment(5, 7)]
    frame = TRANSFORMS["peer_reviews"]([(3, [_review(7, comments), _review(None, comments)])], {"course_id": 1})
    assert frame["comments"].tolist() == [2, pd.NA]
    assert frame["assessor_id"].tolist() == [7, pd.NA]


def test_a_media_comment_is_media_with_empty_text_and_names_are_not_kept():
    media = {"media_id": "m-1", "media_type": "video", "url": "https://x.test/m"}
    comments = [_comment(1, 50, "", media_comment=media), _comment(2, None, "hm", attempt=None)]
    row = {"id": 900, "user_id": 50, "assignment_id": 3, "submission_comments": comments}
    frame = TRANSFORMS["submission_comments"]([row], {"course_id": 1})
    assert frame["media"].tolist() == [True, False]
    assert frame["comment"].tolist() == ["", "hm"]
    assert frame["author_role"].iloc[0] == "student" and pd.isna(frame["author_role"].iloc[1])
    assert frame["attempt"].tolist() == [1, pd.NA]
    assert "author_name" not in frame.columns


def test_an_unknown_enrollment_type_is_a_format_error():
    with pytest.raises(cf.ResponseFormatError, match="'type' is 'WizardEnrollment'"):
        TRANSFORMS["staff"]([{"id": 1, "user_id": 2, "type": "WizardEnrollment"}], {"course_id": 1})


def _feedback_from_events(institution, course) -> pd.DataFrame:
    """Per handed-in submission, from the events: the first comment a teacher or TA is shown to have written."""
    shown = truth.submission_comments(institution, course)
    instructors = shown[shown["author_role"].isin(["teacher", "ta"])]
    rows = []
    for r in institution.roster(course).submissions:
        if r.submitted_at is None:
            continue
        on = instructors[(instructors.assignment_id == r.assignment_id) & (instructors.student_id == r.user_id)]
        first = on["created_at"].min() if len(on) else pd.NaT
        handed = pd.Timestamp(r.submitted_at)
        grading = pd.Timestamp(r.graded_at) - handed if r.graded_at else pd.NaT
        rows.append({"assignment_id": r.assignment_id, "student_id": r.user_id, "n": len(on),
                     "feedback": first - handed, "grading": grading})  # fmt: skip
    return pd.DataFrame(rows)


def test_feedback_summary_by_assignment_against_the_events(canvas, institution, course):
    summary = cf.reports.feedback_summary(
        cf.load_submissions(course.id, canvas=canvas), cf.load_submission_comments(course.id, canvas=canvas)
    ).set_index("assignment_id")
    events = _feedback_from_events(institution, course)
    for assignment_id, rows in events.groupby("assignment_id"):
        got = summary.loc[assignment_id]
        assert got["handed_in"] == len(rows)
        assert got["with_feedback"] == int((rows["n"] > 0).sum())
        assert got["comments_per_student"] == pytest.approx(rows["n"].sum() / len(rows))
        assert pd.isna(got["median_feedback_time"]) == rows["feedback"].isna().all()
        if rows["feedback"].notna().any():
            assert got["median_feedback_time"] == rows["feedback"].median()
    reached = events.groupby("student_id")["n"].sum()
    assert summary.attrs["no_feedback"] == sorted(int(s) for s in reached[reached == 0].index)


def test_feedback_summary_by_instructor_credits_the_first_to_comment(canvas, institution, course):
    summary = cf.reports.feedback_summary(
        cf.load_submissions(course.id, canvas=canvas),
        cf.load_submission_comments(course.id, canvas=canvas),
        by="instructor",
    ).set_index("instructor_id")
    shown = truth.submission_comments(institution, course)
    instructors = shown[shown["author_role"].isin(["teacher", "ta"])].sort_values("created_at", kind="stable")
    handed = {(r.assignment_id, r.user_id) for r in institution.roster(course).submissions if r.submitted_at}
    instructors = instructors[
        [k in handed for k in zip(instructors.assignment_id, instructors.student_id, strict=True)]
    ]
    first = instructors.drop_duplicates(["assignment_id", "student_id"])
    assert summary["submissions"].to_dict() == first.groupby("author_id").size().to_dict()
    assert summary["students"].to_dict() == first.groupby("author_id")["student_id"].nunique().to_dict()
    assert summary["comments"].to_dict() == instructors.groupby("author_id").size().to_dict()
    with pytest.raises(cf.ConfigError, match="by must be"):
        cf.reports.feedback_summary(cf.load_submissions(course.id, canvas=canvas), instructors, by="grader")


def _hand_made_feedback() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two assignments: two instructors on one submission, a comment on an earlier attempt, a student's own
    comment, one whose author Canvas hides, work never handed in, and a student no instructor answers."""
    t = pd.Timestamp
    submissions = pd.DataFrame({
        "course_id": 1, "student_id": [1, 2, 3, 1, 2, 4], "assignment_id": [10, 10, 10, 11, 11, 11],
        "submitted_at": [t("2026-09-01T00:00Z"), t("2026-09-01T06:00Z"), pd.NaT, t("2026-09-05T00:00Z"),
                         t("2026-09-05T12:00Z"), t("2026-09-05T00:00Z")],
        "graded_at": [t("2026-09-03T00:00Z"), pd.NaT, pd.NaT, t("2026-09-06T00:00Z"), t("2026-09-07T00:00Z"),
                      pd.NaT],
        "attempt": pd.array([2, 1, None, 1, 1, 1], dtype="Int64"),
    })  # fmt: skip
    comments = pd.DataFrame(
        [(1, 10, 800, "ta", "2026-09-02T00:00Z", 2), (1, 10, 900, "teacher", "2026-09-01T12:00Z", 2),
         (1, 10, 900, "teacher", "2026-08-31T00:00Z", 1),  # on the earlier attempt: not this one's feedback
         (1, 10, 1, "student", "2026-09-01T06:00Z", 2), (2, 10, None, None, "2026-09-01T07:00Z", 1),  # hidden
         (3, 10, 900, "teacher", "2026-09-02T00:00Z", None),  # never handed in
         (1, 11, 800, "ta", "2026-09-05T02:00Z", 1), (1, 11, 900, "teacher", "2026-09-05T03:00Z", 1),
         (2, 11, 900, "teacher", "2026-09-06T00:00Z", 1)],
        columns=["student_id", "assignment_id", "author_id", "author_role", "created_at", "attempt"],
    ).assign(course_id=1)  # fmt: skip
    comments = comments.astype({"author_id": "Int64", "author_role": "str", "attempt": "Int64"})
    comments["created_at"] = pd.to_datetime(comments["created_at"])
    return submissions, comments


def test_feedback_summary_of_a_hand_made_course_is_exactly_the_one_worked_out_by_hand():
    submissions, comments = _hand_made_feedback()
    submissions = submissions.iloc[::-1]  # listed in any order: the summary is sorted
    hours = lambda *h: pd.to_timedelta(list(h), unit="h").as_unit("us")  # noqa: E731
    by_assignment = cf.reports.feedback_summary(submissions, comments)
    expected = pd.DataFrame({
        "course_id": [1, 1], "assignment_id": [10, 11], "handed_in": [2, 3], "with_feedback": [1, 2],
        "feedback_share": [1 / 2, 2 / 3],
        "median_feedback_time": hours(12, 7),  # 10: the teacher's, 12 h; 11: the TA's 2 h and the teacher's 12 h
        "median_grading_time": hours(48, 30),  # 11: 24 h and 36 h (one not graded)
        "comments_per_student": [2 / 2, 3 / 3],  # instructors' comments on the latest attempts
    })  # fmt: skip
    pdt.assert_frame_equal(by_assignment, expected)
    assert by_assignment.attrs["no_feedback"] == [4]
    by_instructor = cf.reports.feedback_summary(submissions, comments, by="instructor")
    expected = pd.DataFrame({
        "course_id": [1, 1], "instructor_id": [800, 900], "submissions": [1, 2], "students": [1, 2],
        "comments": [2, 3], "median_feedback_time": hours(2, 12), "median_grading_time": hours(24, 42),
    })  # fmt: skip
    pdt.assert_frame_equal(by_instructor, expected)
    for summary in (by_assignment, by_instructor):
        assert summary.attrs["canvasframe_report"]["report"] == "feedback_summary"
        assert list(summary.attrs["canvasframe_report"]["sources"]) == ["submissions", "comments"]


@pytest.mark.parametrize(("argument", "loader"), [(0, "load_submissions"), (1, "load_submission_comments")])
def test_feedback_summary_given_the_wrong_frame_names_the_loader_it_needs(argument, loader):
    frames = list(_hand_made_feedback())
    frames[argument] = frames[argument].drop(columns="attempt")
    with pytest.raises(cf.ConfigError) as raised:
        cf.reports.feedback_summary(*frames)
    assert (
        str(raised.value)
        == f"feedback_summary: expected the frame from {loader}(); this one lacks columns ['attempt']."
    )
