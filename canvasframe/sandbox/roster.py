"""Sections, enrollments and submissions of the synthetic institution, derived from its events.

* **Sections**: two per course; students alternate between them in id order.
* **Enrollments**: ``last_activity_at`` and ``total_activity_time`` come from the student's
  page views. Each hour's views become that many requests at drawn seconds of the hour, and
  Canvas's rule is replayed over them: a request updates ``last_activity_at`` only when at least
  :data:`RECORD_EVERY` has passed since the stored value, and the time since that stored value is
  added to ``total_activity_time`` only when it is under :data:`ACTIVITY_WINDOW`. Long gaps
  (reading, a video, a break) therefore count for nothing, as on real Canvas. Scores follow
  Canvas's two totals: ``current_score`` over graded work only, ``final_score`` with ungraded
  work due by now counted as zero; excused work counts in neither.
* **Submissions**: one per student × assignment, the same events the Analytics report.
  ``late``/``missing``/``excused`` agree with the Analytics tardiness, except that about one late
  submission in seven got an extension from the teacher (``late_policy_status: "extended"``),
  which Canvas's submission API reports as not late while the Analytics (cached, own rules)
  still count it late.

Every draw comes from a generator seeded by (seed, course, student), so the rest of the
institution is the same with or without these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from .model import Assignment, Course, Enrollment, Submission, World

__all__ = [
    "ACTIVITY_WINDOW",
    "RECORD_EVERY",
    "Record",
    "Roster",
    "Section",
    "SubmissionRow",
    "build_roster",
    "grade_letter",
]

RECORD_EVERY = timedelta(minutes=2)
ACTIVITY_WINDOW = timedelta(minutes=10)
EXTENSION_SHARE = 1 / 7
# Canvas's default grading scheme: the lowest score of each letter.
GRADING_SCHEME = (
    ("A", 94), ("A-", 90), ("B+", 87), ("B", 84), ("B-", 80), ("C+", 77),
    ("C", 74), ("C-", 70), ("D+", 67), ("D", 64), ("D-", 61), ("F", 0),
)  # fmt: skip
# How each kind of work is handed in (by the assignment title's first word).
SUBMISSION_TYPES = {
    "Reading": "online_text_entry",
    "Quiz": "online_quiz",
    "Survey": "online_quiz",
    "Project": "online_url",
}


@dataclass(frozen=True)
class Section:
    id: int
    course_id: int
    name: str
    student_ids: tuple[int, ...]


@dataclass(frozen=True)
class Record:
    """One student enrollment as Canvas's enrollments API reports it."""

    id: int
    user_id: int
    section_id: int
    created_at: datetime
    last_activity_at: datetime | None
    total_activity_time: int  # seconds
    current_score: float | None
    final_score: float | None
    state: str = "active"  # enrollment_state: active, inactive (dropped by the teacher) or completed
    override_score: float | None = None  # the teacher's final grade override, when one is set


@dataclass(frozen=True)
class SubmissionRow:
    """One student × assignment as Canvas's submissions API reports it."""

    id: int
    user_id: int
    assignment_id: int
    submitted_at: datetime | None
    graded_at: datetime | None
    posted_at: datetime | None
    score: float | None
    workflow_state: str
    late: bool
    missing: bool
    excused: bool
    late_policy_status: str | None
    seconds_late: int
    submission_type: str | None


@dataclass(frozen=True)
class Roster:
    sections: tuple[Section, ...]
    records: tuple[Record, ...]
    submissions: tuple[SubmissionRow, ...]


def grade_letter(score: float | None) -> str | None:
    """The letter of Canvas's default scheme for a percentage."""
    if score is None:
        return None
    return next(letter for letter, floor in GRADING_SCHEME if score >= floor)


def build_roster(inst: World, course: Course) -> Roster:
    """The course's sections, enrollments and submissions (``Institution.roster`` keeps each once built)."""
    # Tables of their own (the other ids of the institution stay as they were), a block per course.
    base = inst.config.id_base + 2_000_001 + 10_000 * list(inst.courses).index(course.id)
    students = sorted(course.enrollments)
    code = course.name.split(":")[0]
    sections = tuple(Section(base + k, course.id, f"{code} section {k + 1}", tuple(students[k::2])) for k in range(2))
    section_of = {s: section.id for section in sections for s in section.student_ids}
    records, rows = [], []
    overridden = 0
    next_id = base + 2
    for student_id in students:
        enrollment = course.enrollments[student_id]
        rng = np.random.default_rng([inst.config.seed, course.id, student_id, 31])
        last, total = _activity(enrollment, rng)
        current, final = _scores(course, enrollment, inst.as_of)
        joined = timedelta(days=int(rng.integers(1, 15)), seconds=int(rng.integers(0, 86400)))
        created = inst.terms[course.term_id].start - joined
        state, override = _standing(course, students.index(student_id), final, overridden)
        overridden += override is not None
        records.append(
            Record(next_id, student_id, section_of[student_id], created, last, total, current, final, state, override)
        )
        next_id += 1
        for a in course.assignments:
            rows.append(_submission_row(next_id, student_id, a, enrollment.submissions[a.id], inst, rng))
            next_id += 1
    return Roster(sections, tuple(records), tuple(rows))


INACTIVE_AT = 3  # the fourth student (by id) of a running course was made inactive by the teacher
OVERRIDE_SCORE = 70.0  # the final grade the teacher gives the first failing student instead of the computed one


def _standing(course: Course, index: int, final: float | None, overridden: int) -> tuple[str, float | None]:
    """The enrollment's state, and a final grade override: real courses have both, and frames must keep them.

    No random draw: the rest of the institution stays as it was.
    """
    if course.state == "completed":
        state = "completed"
    else:
        state = "inactive" if index == INACTIVE_AT else "active"
    override = OVERRIDE_SCORE if final is not None and final < 60 and not overridden else None
    return state, override


def _activity(enrollment: Enrollment, rng: np.random.Generator) -> tuple[datetime | None, int]:
    """Replay Canvas's activity rule over the student's requests: (last_activity_at, total seconds)."""
    seconds = rng.integers(0, 3600, int(enrollment.views.sum()))
    requests = np.sort(np.repeat(enrollment.hours, enrollment.views) + seconds)
    stored: int | None = None
    total = 0
    for at in requests.tolist():
        if stored is not None and at - stored < RECORD_EVERY.total_seconds():
            continue
        if stored is not None and at - stored < ACTIVITY_WINDOW.total_seconds():
            total += at - stored
        stored = at
    return (None if stored is None else datetime.fromtimestamp(stored, timezone.utc)), total


def _scores(course: Course, enrollment: Enrollment, as_of: datetime) -> tuple[float | None, float | None]:
    graded = earned = due = 0.0
    for a in course.assignments:
        sub = enrollment.submissions[a.id]
        if a.points_possible is None or sub.excused:
            continue
        # Canvas's totals count posted grades only: a muted assignment's grades are not posted yet.
        posted = sub.score is not None and sub.posted_at is not None and not a.muted
        if posted:
            graded += a.points_possible
            earned += sub.score  # type: ignore[operator]
        if posted or (a.due_at is not None and a.due_at < as_of):
            due += a.points_possible
    current = round(100 * earned / graded, 2) if graded else None
    final = round(100 * earned / due, 2) if due else None
    return current, final


def _submission_row(
    row_id: int, student_id: int, a: Assignment, sub: Submission, inst: World, rng: np.random.Generator
) -> SubmissionRow:
    submitted = sub.submitted_at is not None
    late = sub.status == "late"
    extended = late and rng.random() < EXTENSION_SHARE
    missing = sub.status == "missing"
    if late and not extended:
        seconds_late = int((sub.submitted_at - a.due_at).total_seconds())  # type: ignore[operator]
    elif missing:
        seconds_late = int((inst.as_of - a.due_at).total_seconds())  # type: ignore[operator]
    else:
        seconds_late = 0
    graded_at = sub.posted_at  # graded and released together...
    posted_at = None if a.muted else sub.posted_at  # ...except where the teacher posts grades by hand
    if sub.excused:
        state = "graded"
    elif sub.score is not None and graded_at is not None:
        state = "graded"
    else:
        state = "submitted" if submitted else "unsubmitted"
    kind = None
    if submitted and not a.non_digital_submission:
        kind = SUBMISSION_TYPES.get(a.title.split()[0], "online_upload")
    return SubmissionRow(
        id=row_id,
        user_id=student_id,
        assignment_id=a.id,
        submitted_at=sub.submitted_at,
        graded_at=graded_at,
        posted_at=posted_at,
        score=sub.score if graded_at is not None else None,
        workflow_state=state,
        late=late and not extended,
        missing=missing,
        excused=sub.excused,
        late_policy_status="extended" if extended else None,
        seconds_late=seconds_late,
        submission_type=kind,
    )
