"""The sandbox's data model: the events an institution is made of, and what generators read of it.

:mod:`.institution` generates these; :mod:`.discussions` and :mod:`.roster` derive forums,
inboxes and rosters from them; :mod:`.views` turns them into Canvas's payloads. Every one
of those imports this module, and this module imports none of them, so there is no circle.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

import numpy as np

UTC = timezone.utc
PROFILES = ("steady", "late_starter", "fading", "never_submits", "night_owl")
CATEGORIES = (
    "announcements",
    "assignments",
    "collaborations",
    "conferences",
    "discussions",
    "files",
    "general",
    "grades",
    "groups",
    "modules",
    "other",
    "pages",
    "quizzes",
)
# Offsets (minutes) students and courses live in: page-view keys and documented timestamps use them.
TZ_OFFSETS = (-420, -360, -300, 0, 60, 330)
# The IANA zone a course in each offset names as its time_zone, as Canvas's Courses API does. Zones
# without daylight saving, so that the fixed offsets the events were drawn in stay true all term
# (Canvas never sends a fixed-offset "Etc/GMT+6" for a real course).
TZ_NAMES = {
    -420: "America/Phoenix",
    -360: "America/Regina",
    -300: "America/Bogota",
    0: "Africa/Abidjan",
    60: "Africa/Lagos",
    330: "Asia/Kolkata",
}
HOME_OFFSET = -300  # US Central in daylight-saving time
SITE = "https://sandbox.canvasframe.test"  # the Canvas the sample's URLs name


@dataclass(frozen=True)
class Config:
    """What to generate. Same config, same institution, on every machine."""

    seed: int = 7
    subaccounts: int = 2
    courses_per_subaccount: int = 2
    students_per_course: int = 30
    assignments_per_course: int = 8
    weeks: int = 12  # of term elapsed before ``as_of``
    id_base: int = 1000  # every id is above this; 2**53 + n tests exactness
    term_start: str = "2026-08-31"  # a Monday
    activity: float = 1.0  # scales page-view intensity
    # Extra page views in the day and a half before each due date (cramming), as a share of a
    # student's usual rate at that hour; 0 for none. Drawn from generators of their own.
    due_bursts: float = 0.0
    # Each course's staff: its teacher, a teaching assistant (who grades every other assignment)
    # and a designer; False leaves the assistant out, so the teacher is the course's one instructor.
    assistants: bool = True

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        return cls(**json.loads(Path(path).read_text()))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Account:
    id: int
    name: str
    parent_id: int | None


@dataclass
class Term:
    id: int
    name: str
    start: datetime
    end: datetime
    default: bool = False


@dataclass
class Assignment:
    id: int
    title: str
    points_possible: float | None
    due_at: datetime | None  # UTC
    unlock_at: datetime | None
    muted: bool
    non_digital_submission: bool
    tz_offset: int  # minutes; the course's zone, used by the documented shape
    module_ids: list[int]
    # How its work is reviewed (see sandbox/feedback.py): students review each other's work (and
    # whether the reviews ever get done), graders do not see who wrote it, a group hands it in.
    peer_reviews: bool = False
    reviews_done: bool = True
    anonymous_peer_reviews: bool = False
    anonymous_grading: bool = False
    group_work: bool = False


@dataclass
class Submission:
    submitted_at: datetime | None
    score: float | None
    posted_at: datetime | None
    status: str  # on_time | late | missing | floating
    # A teacher excused the student: never late or missing. Analytics counts it as neither on time,
    # late nor missing ("floating"), and the per-student call sends excused=true with no submission.
    excused: bool = False


@dataclass
class Student:
    id: int
    name: str
    sortable_name: str
    profile: str
    tz_offset: int  # minutes east of UTC


@dataclass
class Enrollment:
    """One student's events in one course."""

    student: Student
    hours: np.ndarray  # int64 epoch seconds (UTC, on the hour) with at least one view
    views: np.ndarray  # int64 views in that hour
    participations: list[tuple[datetime, str | None]]  # (created_at UTC, url), oldest first
    submissions: dict[int, Submission]  # assignment id -> submission
    messages: dict[str, tuple[int, int]]  # UTC day -> (instructor, student)


@dataclass
class Course:
    id: int
    name: str
    account_id: int
    term_id: int
    state: str  # available | completed
    teacher_id: int
    tz_offset: int
    assignments: list[Assignment]
    enrollments: dict[int, Enrollment]  # student id -> events
    category_views: dict[str, int] = field(default_factory=dict)
    discussion_topics: int = 0
    media_objects: int = 0
    attachments: int = 0
    topic_ids: list[int] = field(default_factory=list)  # one per discussions.TOPIC_KINDS
    slots: dict[int, str] = field(default_factory=dict)  # participation slot -> URL

    def participation_url(self, slot: int, profile: str) -> str:
        """What a participation drawn in ``slot`` names; students who never submit never post either."""
        if profile == "never_submits" and slot <= 6:
            slot = 8
        return self.slots[slot]

    def slot_of(self, url: str) -> int | None:
        return next((k for k, u in self.slots.items() if u == url), None)


class World(Protocol):
    """What the derived generators (forum, inbox, roster) read of an institution."""

    @property
    def config(self) -> Config: ...

    @property
    def as_of(self) -> datetime: ...

    @property
    def terms(self) -> dict[int, Term]: ...

    @property
    def courses(self) -> dict[int, Course]: ...
