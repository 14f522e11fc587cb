"""Feedback on submissions and peer review in the synthetic institution, derived from its submissions.

Every comment happens at an event the institution already has, so the channels agree with each
other the way real Canvas's do:

* a student's note on their own work is written when they hand it in (``submitted_at``);
* the grader's comment is written when the work is graded (``graded_at``); a teaching assistant
  grades the even-numbered assignments, the teacher the others; some are media comments (text
  ``""``, as Canvas sends them) and some were edited later; a student sometimes answers it;
* the teacher leaves a draft on some work not yet graded: Canvas's submissions listing never
  shows a draft, but the peer-review listing's comments do;
* the teacher nudges some students whose work is missing (``attempt`` null: nothing handed in);
* an admin, who has no enrollment in the course, comments once;
* on group work the grader's comment goes to every member of the group: one copy per member, each
  with an id of its own and nothing linking them (as Canvas does);
* on a peer-reviewed assignment every student who handed in work is reviewed by the next two in id
  order; a completed review leaves one or two of the assessor's comments on the reviewee's work,
  an assigned one none. One assignment's reviews are assigned and never done.

The course's staff are its teacher, a teaching assistant whose role has a custom name ("Grader", of
type ``TaEnrollment``; left out with ``Config(assistants=False)``) and a designer who never comments.

Every draw comes from generators seeded by (seed, course, ...), and ids from a block per course,
so the rest of the institution is the same with or without feedback, in whatever order courses are
asked for. Read in canvas-lms: ``app/models/submission_comment.rb`` (``can_read_author?``: while an
assignment anonymizes students, only the token's user's own comments name their author),
``lib/api/v1/submission_comment.rb`` (the fields), ``lib/api/v1/assessment_request.rb`` and
``app/controllers/peer_reviews_api_controller.rb`` (the reviews and their comments, drafts included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .discussions import post_text
from .model import Assignment, Course, World
from .roster import Roster, SubmissionRow

__all__ = ["Comment", "Feedback", "Review", "StaffMember", "build_feedback"]

STUDENT_NOTE_SHARE = 0.25  # of handed-in work, a note from the student
GRADER_COMMENT_SHARE = 0.7  # of graded work, a comment from the grader
MEDIA_SHARE = 0.15  # of the grader's comments, a recording
EDIT_SHARE = 0.1  # of the grader's comments, edited later
ANSWER_SHARE = 0.25  # of the grader's comments, answered by the student
DRAFT_SHARE = 0.4  # of handed-in work not yet graded, a draft from the teacher
NUDGE_SHARE = 0.2  # of missing work, a comment from the teacher
REVIEWERS = 2  # per reviewed student
REVIEW_DONE_SHARE = 0.75


@dataclass(frozen=True)
class StaffMember:
    """A non-student enrollment: the teacher, a teaching assistant, a designer."""

    user_id: int
    enrollment_id: int
    name: str
    type: str  # TeacherEnrollment, TaEnrollment, DesignerEnrollment
    role: str  # the role's name: the type, or a custom name


@dataclass
class Comment:
    id: int
    submission_id: int
    owner_id: int  # whose submission
    assignment_id: int
    author_id: int
    author_name: str
    created_at: datetime
    text: str  # "" for a media comment
    media: bool = False
    edited_at: datetime | None = None
    attempt: int | None = 1
    draft: bool = False


@dataclass(frozen=True)
class Review:
    """An assessment request: ``assessor_id`` reviews ``reviewee_id``'s submission ``asset_id``."""

    id: int
    assignment_id: int
    assessor_id: int
    reviewee_id: int
    asset_id: int
    workflow_state: str  # assigned | completed


@dataclass(frozen=True)
class Feedback:
    staff: tuple[StaffMember, ...]
    admin_id: int  # comments without an enrollment in the course
    comments: tuple[Comment, ...]  # every comment, drafts included, oldest first (in id order)
    reviews: tuple[Review, ...]
    by_submission: dict[int, list[Comment]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[int, list[Comment]] = {}
        for comment in self.comments:
            index.setdefault(comment.submission_id, []).append(comment)
        object.__setattr__(self, "by_submission", index)

    def on(self, submission_id: int, *, drafts: bool) -> list[Comment]:
        """The comments on one submission, oldest first; drafts only when asked."""
        return [c for c in self.by_submission.get(submission_id, []) if drafts or not c.draft]


@dataclass
class _Drafts:
    """Comments as they are written, before Canvas numbers them."""

    names: dict[int, str]
    made: list[Comment] = field(default_factory=list)

    def write(self, row: SubmissionRow, author: int, at: datetime, text: str, **extra: object) -> Comment:
        comment = Comment(0, row.id, row.user_id, row.assignment_id, author, self.names[author], at, text, **extra)  # type: ignore[arg-type]
        self.made.append(comment)
        return comment


def build_feedback(
    inst: World, course: Course, roster: Roster, groups: dict[int, list[int]], names: dict[int, str]
) -> Feedback:
    """The course's staff, comments and peer reviews. ``groups``: the course's student groups;
    ``names``: every student's name by id."""
    ids = iter(range(inst.config.id_base + 3_000_001 + 100_000 * list(inst.courses).index(course.id), 2**63))
    teacher = StaffMember(
        course.teacher_id, next(ids), f"Instructor {course.id}", "TeacherEnrollment", "TeacherEnrollment"
    )
    ta = StaffMember(next(ids), next(ids), f"Assistant {course.id}", "TaEnrollment", "Grader")  # ids drawn either way
    assistants = (ta,) if inst.config.assistants else ()
    designer = StaffMember(next(ids), next(ids), f"Designer {course.id}", "DesignerEnrollment", "DesignerEnrollment")
    admin_id = next(ids)
    drafts = _Drafts(names | {s.user_id: s.name for s in (teacher, ta, designer)} | {admin_id: "Site Admin"})
    assignments = {a.id: (n, a) for n, a in enumerate(course.assignments)}
    rows = {(r.user_id, r.assignment_id): r for r in roster.submissions}
    as_of = inst.as_of
    for row in roster.submissions:
        n, a = assignments[row.assignment_id]
        rng = np.random.default_rng([inst.config.seed, course.id, row.user_id, row.assignment_id, 41])
        grader = assistants[0].user_id if assistants and n % 2 == 0 else teacher.user_id
        _student_and_grader(drafts, rng, row, a, grader, rows, groups, as_of)
        if row.submitted_at is not None and row.graded_at is None and rng.random() < DRAFT_SHARE:
            at = row.submitted_at + timedelta(days=1)
            if at < as_of:
                drafts.write(row, teacher.user_id, at, post_text(rng)[0], draft=True)
        if row.missing and a.due_at is not None and rng.random() < NUDGE_SHARE:
            nudge = a.due_at + timedelta(days=1)
            if nudge < as_of:
                drafts.write(row, teacher.user_id, nudge, "Your work is missing; can I help?", attempt=None)
    first_graded = next((r for r in roster.submissions if r.graded_at is not None), None)
    if first_graded is not None and first_graded.graded_at is not None:
        drafts.write(first_graded, admin_id, first_graded.graded_at + timedelta(hours=2), "Checking the rubric.")
    reviews = _reviews(inst, course, roster, drafts, as_of)
    made = sorted(drafts.made, key=lambda c: (c.created_at, c.owner_id, c.author_id))
    for comment in made:  # Canvas numbers comments in the order they are written
        comment.id = next(ids)
    numbered = [Review(next(ids), *fields) for fields in reviews]
    return Feedback((teacher, *assistants, designer), admin_id, tuple(made), tuple(numbered))


def _student_and_grader(
    drafts: _Drafts,
    rng: np.random.Generator,
    row: SubmissionRow,
    a: Assignment,
    grader: int,
    rows: dict[tuple[int, int], SubmissionRow],
    groups: dict[int, list[int]],
    as_of: datetime,
) -> None:
    """The student's note on handing in, the grader's comment (copied to the group on group work),
    and the student's answer to it."""
    if row.submitted_at is not None and rng.random() < STUDENT_NOTE_SHARE:
        drafts.write(
            row, row.user_id, row.submitted_at + timedelta(seconds=int(rng.integers(5, 120))), post_text(rng)[0]
        )
    if row.graded_at is None or rng.random() >= GRADER_COMMENT_SHARE:
        return
    media = rng.random() < MEDIA_SHARE
    text = "" if media else post_text(rng)[0]
    edited = row.graded_at + timedelta(hours=float(rng.uniform(1, 30)))
    edited_at = edited.replace(microsecond=0) if not media and rng.random() < EDIT_SHARE and edited < as_of else None
    members = [row.user_id]
    if a.group_work:
        group = next((g for g in groups.values() if row.user_id in g), [row.user_id])
        if row.user_id != min(m for m in group if (m, a.id) in rows and rows[(m, a.id)].graded_at is not None):
            members = []  # the group's comment is written once, by the first graded member's grading
        else:
            members = [m for m in group if (m, a.id) in rows]
    for member in members:
        drafts.write(rows[(member, a.id)], grader, row.graded_at, text, media=media, edited_at=edited_at)
    answer = row.graded_at + timedelta(hours=float(rng.uniform(1, 48)))
    if members and rng.random() < ANSWER_SHARE and answer < as_of:
        drafts.write(row, row.user_id, answer.replace(microsecond=0), post_text(rng)[0])


def _reviews(
    inst: World, course: Course, roster: Roster, drafts: _Drafts, as_of: datetime
) -> list[tuple[int, int, int, int, str]]:
    """Each peer-reviewed assignment's assessment requests (without ids), and the completed ones' comments."""
    made = []
    for a in course.assignments:
        if not a.peer_reviews:
            continue
        handed_in = sorted(
            (r for r in roster.submissions if r.assignment_id == a.id and r.submitted_at), key=lambda r: r.user_id
        )
        reviewers = min(REVIEWERS, len(handed_in) - 1)  # nobody reviews their own work
        rng = np.random.default_rng([inst.config.seed, course.id, a.id, 43])
        for i, reviewee in enumerate(handed_in):
            handed = reviewee.submitted_at
            assert handed is not None  # only handed-in work is reviewed
            for step in range(1, reviewers + 1):
                assessor = handed_in[(i + step) % len(handed_in)].user_id
                state = "assigned"
                at: datetime = max(handed, a.due_at or handed) + timedelta(hours=float(rng.uniform(2, 96)))
                if a.reviews_done and rng.random() < REVIEW_DONE_SHARE and at < as_of:
                    state = "completed"
                    for k in range(int(rng.integers(1, 3))):
                        drafts.write(
                            reviewee,
                            assessor,
                            (at + timedelta(minutes=7 * k)).replace(microsecond=0),
                            post_text(rng)[0],
                        )
                made.append((a.id, assessor, reviewee.user_id, reviewee.id, state))
    return made
