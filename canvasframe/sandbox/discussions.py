"""Discussions and the inbox of the synthetic institution, derived from its participation events.

Every student post is one of the student's Analytics participations: a participation whose
URL names a discussion topic *is* a post in that topic, at that second. So the number of
posts a student wrote in a course equals their participations in its discussions, and the
Analytics frames and the discussion frames agree the way real Canvas's do. The instructor's
posts and replies, deletions, edits and ratings are drawn on top, from a generator of their
own per course, so the rest of the institution is unchanged by them.

Inbox conversations are the Analytics ``communication`` counts written out as messages:
one conversation per student of the inbox owner's course, with as many instructor and
student messages each day as the counts say.

Kinds of topic in every course (see :data:`TOPIC_KINDS`): a threaded introduction, a graded
discussion with a due date (posts keep coming after it), a group discussion whose posts
live in per-group child topics, an anonymous topic, a side-comment topic, a debate that
requires an initial post and has no posts yet, and two announcements (students reply to
the first).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

import numpy as np

from .model import Course, World

__all__ = [
    "Conversation",
    "Entry",
    "Forum",
    "Message",
    "Topic",
    "TopicKind",
    "build_forum",
    "build_inbox",
    "post_text",
]

TopicKind = Literal["threaded", "graded", "group", "anonymous", "side_comment", "debate", "announcement"]


@dataclass(frozen=True)
class TopicPlan:
    kind: TopicKind
    title: str
    slot: int | None  # the participation slot (1-8) whose events are posts here; None: no student posts


TOPIC_KINDS = (
    TopicPlan("threaded", "Introductions", 1),
    TopicPlan("graded", "Reading discussion: week 3", 2),
    TopicPlan("group", "Project planning (groups)", 3),
    TopicPlan("anonymous", "Anonymous feedback", 4),
    TopicPlan("side_comment", "Muddiest point", 5),
    TopicPlan("debate", "Debate: open or closed textbooks?", None),
    TopicPlan("announcement", "Welcome to the course", 6),
    TopicPlan("announcement", "Midterm reminder", None),
)
GROUP_SIZE = 5
REPLY_WINDOW = 8  # a reply answers one of the latest posts of the thread
NEW_ENTRY_WINDOW = timedelta(hours=36)  # posts this recent are not yet in the built view


@dataclass
class Entry:
    id: int
    topic_id: int  # the topic holding it: a group discussion's child topic for group posts
    author_id: int
    created_at: datetime
    parent: Entry | None
    text: str  # the plain text; ``html`` is what Canvas sends
    html: str
    updated_at: datetime
    editor_id: int | None = None  # the editor, or whoever deleted it
    deleted: bool = False
    rating_count: int = 0

    @property
    def parent_id(self) -> int | None:
        return self.parent.id if self.parent is not None else None


@dataclass
class Topic:
    id: int
    course_id: int
    kind: TopicKind
    title: str
    author_id: int
    posted_at: datetime
    assignment_id: int | None = None
    due_at: datetime | None = None
    points_possible: float | None = None
    group_category_id: int | None = None
    children: list[tuple[int, int]] = field(default_factory=list)  # (child topic id, group id)
    locked: bool = False
    entries: list[Entry] = field(default_factory=list)  # every post, oldest first (children's too)

    @property
    def is_announcement(self) -> bool:
        return self.kind == "announcement"

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def discussion_type(self) -> str:
        return "side_comment" if self.kind == "side_comment" else "threaded"


@dataclass
class Forum:
    """A course's discussion topics and groups."""

    topics: list[Topic]
    groups: dict[int, list[int]]  # group id -> student ids

    def topic(self, topic_id: int) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def child(self, group_id: int, topic_id: int) -> Topic | None:
        """The root topic of a group's child topic."""
        return next((t for t in self.topics if (topic_id, group_id) in t.children), None)


@dataclass
class Message:
    id: int
    author_id: int
    created_at: datetime
    body: str


@dataclass
class Conversation:
    id: int
    course_id: int
    participant_ids: list[int]
    subject: str
    messages: list[Message]  # oldest first
    workflow_state: str = "unread"


def slot_urls(course_id: int, topic_ids: list[int], quiz_id: int, site: str) -> dict[int, str]:
    """Participation slot (1-8) -> the URL a participation in it names: six topics, a quiz and a page."""
    course = f"{site}/courses/{course_id}"
    urls = {k.slot: f"{course}/discussion_topics/{t}" for k, t in zip(TOPIC_KINDS, topic_ids, strict=True) if k.slot}
    return urls | {7: f"{course}/quizzes/{quiz_id}", 8: f"{course}/pages/week-notes"}


_SENTENCE = (
    "I think the reading argues that evidence matters more than the method we choose here and "
    "our group found the second example convincing but the data seem thin for a claim this "
    "broad maybe we should compare it with last week's case before we decide what the author "
    "means"
)
_WORDS = tuple(_SENTENCE.split())


def post_text(rng: np.random.Generator) -> tuple[str, str]:
    """A post as plain text and as the HTML Canvas's editor makes of it."""
    paragraphs = []
    for _ in range(int(rng.integers(1, 3))):
        n = int(rng.integers(4, 40))
        paragraphs.append(" ".join(_WORDS[int(i)] for i in rng.integers(0, len(_WORDS), n)))
    if rng.random() < 0.2:
        paragraphs[-1] += " & more"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if rng.random() < 0.2:
        body = body.replace(" ", "&nbsp;", 1)
    return "\n\n".join(paragraphs), body


def build_forum(inst: World, course: Course, ids: Iterator[int]) -> Forum:
    """Every topic and post of a course; ``ids`` hands out topic, group and entry ids."""
    rng = np.random.default_rng([inst.config.seed, course.id, 17])
    students = sorted(course.enrollments)
    groups = {next(ids): students[i : i + GROUP_SIZE] for i in range(0, len(students), GROUP_SIZE)}
    start = inst.terms[course.term_id].start
    topics = []
    for kind, topic_id in zip(TOPIC_KINDS, course.topic_ids, strict=True):
        announcement = kind.kind == "announcement"
        posted = start + timedelta(weeks=6) if kind.slot is None and announcement else start - timedelta(days=2)
        topic = Topic(topic_id, course.id, kind.kind, kind.title, course.teacher_id, posted)
        if kind.kind == "graded":
            topic.assignment_id, topic.points_possible = next(ids), 10.0
            topic.due_at = start + timedelta(weeks=3, hours=23, minutes=59) - timedelta(minutes=course.tz_offset)
        if kind.kind == "group":
            topic.group_category_id = next(ids)
            topic.children = [(next(ids), g) for g in groups]
        topic.locked = kind.kind == "side_comment"
        topics.append(topic)
    by_slot = {k.slot: t for k, t in zip(TOPIC_KINDS, topics, strict=True) if k.slot}
    group_of = {s: g for g, members in groups.items() for s in members}
    child_of = {g: child for t in topics for child, g in t.children}
    posts = sorted(
        (created_at, student_id, slot)
        for student_id, e in course.enrollments.items()
        for created_at, url in e.participations
        if url is not None
        for slot in [course.slot_of(url)]
        if slot in by_slot
    )
    drafts: list[Entry] = []
    threads: dict[int, _Thread] = {}  # topic holding the post -> its posts so far
    for created_at, student_id, slot in posts:
        topic = by_slot[slot]
        holder = child_of[group_of[student_id]] if topic.children else topic.id
        thread = threads.setdefault(holder, _Thread())
        parent = _parent(rng, thread, student_id, topic.kind)
        entry = Entry(0, holder, student_id, created_at, parent, *post_text(rng), updated_at=created_at)
        thread.add(entry)
        drafts.append(entry)
        if parent is None and rng.random() < 0.3 and not topic.anonymous:  # the instructor answers
            at = (created_at + timedelta(hours=float(rng.uniform(1, 48)))).replace(microsecond=0)
            if at < inst.as_of:
                answer = Entry(0, holder, course.teacher_id, at, entry, *post_text(rng), updated_at=at)
                thread.add(answer)
                drafts.append(answer)
    _edit_delete_rate(rng, drafts, course.teacher_id, inst.as_of)
    drafts.sort(key=lambda e: (e.created_at, e.author_id))
    for entry in drafts:  # Canvas hands out ids in the order posts are made
        entry.id = next(ids)
    holders = {t.id: t for t in topics} | {child: t for t in topics for child, _ in t.children}
    for entry in drafts:
        holders[entry.topic_id].entries.append(entry)
    return Forum(topics, groups)


@dataclass
class _Thread:
    """The posts of one topic so far, with what choosing a parent asks of them kept at hand."""

    entries: list[Entry] = field(default_factory=list)
    top_level: list[Entry] = field(default_factory=list)
    authors: set[int] = field(default_factory=set)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.authors.add(entry.author_id)
        if entry.parent is None:
            self.top_level.append(entry)


def _parent(rng: np.random.Generator, thread: _Thread, student_id: int, kind: str) -> Entry | None:
    """Whom a post answers: a student's first post in a thread is top-level, most later ones reply."""
    if student_id not in thread.authors or rng.random() < 0.15:
        return None
    candidates = thread.top_level if kind == "side_comment" else thread.entries
    recent = candidates[-REPLY_WINDOW:]
    return recent[int(rng.integers(0, len(recent)))]


def _edit_delete_rate(rng: np.random.Generator, entries: list[Entry], teacher_id: int, as_of: datetime) -> None:
    """Some posts are edited or deleted (by the author or the teacher), and some are liked."""
    has_replies = {id(e.parent) for e in entries if e.parent is not None}
    for entry in entries:
        draw = rng.random()
        later = min(entry.created_at + timedelta(hours=float(rng.uniform(0.5, 30))), as_of).replace(microsecond=0)
        if draw < 0.03 or (draw < 0.08 and id(entry) in has_replies):
            entry.deleted, entry.updated_at = True, later
            entry.editor_id = teacher_id if rng.random() < 0.5 else entry.author_id
        elif draw < 0.13:
            entry.editor_id, entry.updated_at = entry.author_id, later
        entry.rating_count = int(rng.poisson(0.6))


ARCHIVE_EVERY = 5  # every fifth conversation of the inbox is archived


def build_inbox(inst: World, course: Course, ids: Iterator[int]) -> list[Conversation]:
    """The teacher's conversations with each student, message for message as ``communication`` counts them."""
    rng = np.random.default_rng([inst.config.seed, course.id, 23])
    conversations = []
    for student_id in sorted(course.enrollments):
        drafts = []
        for day, (from_teacher, from_student) in sorted(course.enrollments[student_id].messages.items()):
            midnight = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
            authors = [course.teacher_id] * from_teacher + [student_id] * from_student
            for author, second in zip(authors, sorted(rng.integers(0, 86400, len(authors))), strict=True):
                text, _ = post_text(rng)
                drafts.append(Message(0, author, midnight + timedelta(seconds=int(second)), text))
        if drafts:
            drafts.sort(key=lambda m: (m.created_at, m.author_id))
            conversations.append(Conversation(0, course.id, [course.teacher_id, student_id], "Question", drafts))
    conversations.sort(key=lambda c: c.messages[0].created_at)
    for n, conversation in enumerate(conversations):
        conversation.id = next(ids)
        if n % ARCHIVE_EVERY == ARCHIVE_EVERY - 1:  # the teacher archived some (no draw: the rest stays as it was)
            conversation.workflow_state = "archived"
    for message in sorted((m for c in conversations for m in c.messages), key=lambda m: m.created_at):
        message.id = next(ids)
    return conversations


def id_sequence(start: int) -> Iterator[int]:
    """A table's id sequence (Canvas numbers each table on its own)."""
    return itertools.count(start)
