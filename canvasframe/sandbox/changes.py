"""What a day of a live course changes: time passing with new activity, grading, submitting, new
messages, archiving.

The tests of ``refresh="changed"``, its benchmark and the docs let time pass with these, through
:class:`~canvasframe.sandbox.Institution`'s methods of the same names. Each change is what Canvas
would record: page views in whole hours after ``as_of`` (which moves on), a participation now and
then, a grade or a submission at the clock's time, a message at the clock's time (or a second after
the conversation's last one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Protocol

import numpy as np

from .discussions import Conversation, Entry, Forum, Message, post_text
from .model import Config, Course, Enrollment, Student, Submission
from .roster import Roster

__all__ = [
    "LiveWorld",
    "advance",
    "archive",
    "assistant_writes",
    "delete_post",
    "drop",
    "edit_post",
    "enroll",
    "grade",
    "post",
    "reply",
    "start_conversation",
    "submit",
]


class LiveWorld(Protocol):
    """What these changes read and change of an institution (its clock moves)."""

    config: Config
    as_of: datetime
    courses: dict[int, Course]
    conversations: list[Conversation]
    forum_ids: Iterator[int]
    forums: dict[int, Forum]
    rosters: dict[int, Roster]


def advance(inst: LiveWorld, hours: int, *, share: float = 0.3, seed: int = 0) -> list[tuple[int, int]]:
    """Let ``hours`` pass: a ``share`` of each course's students view pages (some also participate).

    Each chosen student gets page views in a few of the new hours and, one time in two, a
    participation in one of them; ``as_of`` moves on by ``hours``, and work not handed in by a due
    date passed on the way turns missing. Returns the ``(course_id,
    student_id)`` pairs that were active, for tests to check against.
    """
    if hours < 1 or int(hours) != hours:
        raise ValueError("advance() takes a whole number of hours, at least 1")
    rng = np.random.default_rng([inst.config.seed, 77, seed, int(inst.as_of.timestamp())])
    first = int(inst.as_of.timestamp()) // 3600 + 1  # the first hour after now, on the hour
    active = []
    for course in inst.courses.values():
        for student_id, e in course.enrollments.items():
            if rng.random() >= share:
                continue
            count = int(rng.integers(1, min(hours, 4) + 1))
            used = np.sort(rng.choice(np.arange(first, first + hours), size=count, replace=False)) * 3600
            e.hours = np.concatenate([e.hours, used.astype(np.int64)])
            e.views = np.concatenate([e.views, rng.integers(1, 9, size=count).astype(np.int64)])
            if rng.random() < 0.5:
                at = datetime.fromtimestamp(int(used[-1]) + int(rng.integers(0, 3600)), tz=timezone.utc)
                slot = int(rng.choice(sorted(course.slots)))
                e.participations.append((at, course.participation_url(slot, e.student.profile)))
            active.append((course.id, student_id))
    before, inst.as_of = inst.as_of, inst.as_of + timedelta(hours=hours)
    _due_dates_pass(inst, before)
    return active


def _due_dates_pass(inst: LiveWorld, before: datetime) -> None:
    """What Canvas computes when it answers, as the clock passes due dates: work not handed in (and
    not excused) turns missing, and ``seconds_late`` grows, with no date of the submission moving.
    Canvas's per-student Analytics answers keep what they said until they expire."""
    for course in inst.courses.values():
        passed = [a.id for a in course.assignments if a.due_at is not None and before <= a.due_at < inst.as_of]
        for e in course.enrollments.values():
            for assignment_id in passed:
                work = e.submissions[assignment_id]
                if work.submitted_at is None and not work.excused and work.status == "floating":
                    work.status = "missing"
        inst.rosters.pop(course.id, None)  # the listing's missing and seconds_late, as of the new time


def _conversation(inst: LiveWorld, conversation_id: int) -> Conversation:
    found = next((c for c in inst.conversations if c.id == conversation_id), None)
    if found is None:
        raise KeyError(f"no conversation {conversation_id} in the inbox")
    return found


def reply(inst: LiveWorld, conversation_id: int, author_id: int | None = None) -> None:
    """A new message in the conversation (by its last participant unless ``author_id`` says who):
    unread again, and first in the inbox; the course's Analytics count it for the students in it
    (an instructor's message, or the student's own)."""
    conversation = _conversation(inst, conversation_id)
    at = max(inst.as_of, conversation.messages[-1].created_at + timedelta(seconds=1))
    author = author_id if author_id is not None else conversation.participant_ids[-1]
    conversation.messages.append(Message(next(inst.forum_ids), author, at, "A new message."))
    conversation.workflow_state = "unread"
    course = inst.courses[conversation.course_id]
    for student in conversation.participant_ids:  # what the Analytics count of the course's messages
        if student in course.enrollments and author in (student, course.teacher_id):
            _count_message(course, student, at, from_instructor=author != student)


def assistant_writes(inst: LiveWorld, course_id: int, student_id: int) -> None:
    """The course's teaching assistant messages a student now: the student's Analytics count an
    instructor's message, and the inbox canvasframe reads (the teacher's) shows nothing of it."""
    course = inst.courses[course_id]
    if not inst.config.assistants or student_id not in course.enrollments:
        raise KeyError(f"course {course_id} has no assistant, or no student {student_id}")
    _count_message(course, student_id, inst.as_of, from_instructor=True)


def _count_message(course: Course, student_id: int, at: datetime, *, from_instructor: bool) -> None:
    counts = course.enrollments[student_id].messages
    day = at.astimezone(timezone.utc).date().isoformat()
    instructor, student = counts.get(day, (0, 0))
    counts[day] = (instructor + 1, student) if from_instructor else (instructor, student + 1)


def archive(inst: LiveWorld, conversation_id: int) -> None:
    """The inbox's owner archives the conversation: it moves from the inbox to the archived scope."""
    _conversation(inst, conversation_id).workflow_state = "archived"


def _submission(inst: LiveWorld, course_id: int, student_id: int, assignment_id: int) -> Submission:
    course = inst.courses[course_id]
    if student_id not in course.enrollments or all(a.id != assignment_id for a in course.assignments):
        raise KeyError(f"no submission of student {student_id} for assignment {assignment_id} in course {course_id}")
    # The roster (enrollments' scores, the submissions listing) is Canvas's view of these events:
    # built again from them when next asked for. Canvas's Analytics keep their cached answers.
    inst.rosters.pop(course_id, None)
    return course.enrollments[student_id].submissions[assignment_id]


def grade(inst: LiveWorld, course_id: int, student_id: int, assignment_id: int, score: float) -> None:
    """A teacher grades the work (or regrades it) now: its score, graded and posted at the clock's
    time. Nothing the student does: the course's summaries (page views, tardiness) do not move,
    while the class statistics every student's per-student assignments answer carries may."""
    submission = _submission(inst, course_id, student_id, assignment_id)
    submission.score = float(score)
    submission.posted_at = inst.as_of
    submission.excused = False


def submit(inst: LiveWorld, course_id: int, student_id: int, assignment_id: int) -> None:
    """The student hands the work in now: on time before its due date, late after it."""
    submission = _submission(inst, course_id, student_id, assignment_id)
    due = next(a.due_at for a in inst.courses[course_id].assignments if a.id == assignment_id)
    submission.submitted_at = inst.as_of
    submission.status = "late" if due is not None and due < inst.as_of else "on_time"


def post(inst: LiveWorld, course_id: int, topic_id: int, author_id: int, *, seed: int = 0) -> int:
    """A new post in a course's discussion topic now (a reply to the topic, not in a group's copy),
    by ``author_id``; returns its id. The topic's ``last_reply_at`` moves with it."""
    topic = inst.forums[course_id].topic(topic_id)
    if topic is None or topic.children or topic.is_announcement:
        raise KeyError(f"course {course_id} has no discussion topic {topic_id} that takes posts of its own")
    text, html = post_text(np.random.default_rng([inst.config.seed, 78, seed, topic_id, author_id]))
    entry = Entry(next(inst.forum_ids), topic_id, author_id, inst.as_of, None, text, html, inst.as_of)
    topic.entries.append(entry)
    return entry.id


def enroll(inst: LiveWorld, course_id: int, student: Student) -> None:
    """``student`` joins the course now (a late enrollment): no page views, no messages, nothing
    handed in: the work already due is missing, the rest not due yet (Canvas's "floating")."""
    course = inst.courses[course_id]
    submissions = {
        a.id: Submission(None, None, None, "missing" if a.due_at is not None and a.due_at < inst.as_of else "floating")
        for a in course.assignments
    }
    empty = np.array([], dtype=np.int64)
    course.enrollments[student.id] = Enrollment(student, empty, empty.copy(), [], submissions, {})
    inst.rosters.pop(course_id, None)


def drop(inst: LiveWorld, course_id: int, student_id: int) -> None:
    """The student's enrollment is deleted: Canvas lists them nowhere in the course any more
    (their posts and messages stay where they are)."""
    del inst.courses[course_id].enrollments[student_id]
    inst.rosters.pop(course_id, None)


def _entry(inst: LiveWorld, course_id: int, entry_id: int) -> Entry:
    found = next((e for t in inst.forums[course_id].topics for e in t.entries if e.id == entry_id), None)
    if found is None:
        raise KeyError(f"no discussion entry {entry_id} in course {course_id}")
    return found


def edit_post(inst: LiveWorld, course_id: int, entry_id: int, editor_id: int) -> None:
    """``editor_id`` edits a post now: its text and ``updated_at`` change; the topic listing does not."""
    entry = _entry(inst, course_id, entry_id)
    entry.text, entry.html = entry.text + " (edited)", entry.html + "<p>(edited)</p>"
    entry.updated_at, entry.editor_id = inst.as_of, editor_id


def delete_post(inst: LiveWorld, course_id: int, entry_id: int, editor_id: int) -> None:
    """``editor_id`` deletes a post now (Canvas keeps it as deleted, without its text). The sandbox's
    topic listing then gives the latest remaining post's time as ``last_reply_at``; Canvas's does
    not move back (no refresh rule reads it: every topic's view is asked again)."""
    entry = _entry(inst, course_id, entry_id)
    entry.deleted, entry.updated_at, entry.editor_id = True, inst.as_of, editor_id


def start_conversation(inst: LiveWorld, course_id: int, student_id: int, *, from_student: bool = False) -> int:
    """A new conversation between the course's teacher (the inbox's owner) and a student, its first
    message now, by the teacher or the student; the Analytics count it. Returns its id."""
    course = inst.courses[course_id]
    author = student_id if from_student else course.teacher_id
    message = Message(next(inst.forum_ids), author, inst.as_of, "A new question.")
    conversation = Conversation(next(inst.forum_ids), course_id, [course.teacher_id, student_id], "New", [message],
                                "unread" if from_student else "read")  # fmt: skip
    inst.conversations.append(conversation)
    _count_message(course, student_id, inst.as_of, from_instructor=not from_student)
    return conversation.id
