"""A seeded synthetic institution: the ground truth every sandbox endpoint derives from.

The model stores *events* (hourly page-view counts, participations with their
timestamps, submissions, messages); each Analytics payload is a view computed
from them in :mod:`canvasframe.sandbox.views`, so the endpoints agree with each
other the way real Canvas's do. Tests read these events directly to know what a
loader must return.

Nothing here is shared with the client or the transforms: the sandbox is the
independent Canvas they are tested against.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from . import changes
from .discussions import TOPIC_KINDS, Conversation, Forum, build_forum, build_inbox, id_sequence, slot_urls
from .feedback import Feedback, build_feedback
from .model import (
    CATEGORIES,
    HOME_OFFSET,
    PROFILES,
    SITE,
    TZ_OFFSETS,
    UTC,
    Account,
    Assignment,
    Config,
    Course,
    Enrollment,
    Student,
    Submission,
    Term,
)
from .quizzes import Quiz, align_gradebook, build_quizzes
from .roster import Roster, build_roster


class Institution:
    """The whole synthetic institution, generated from a :class:`Config`."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.as_of = _parse_day(self.config.term_start) + timedelta(weeks=self.config.weeks)
        self._ids = iter(range(self.config.id_base + 1, 2**63))
        self.rng = np.random.default_rng(self.config.seed)
        self.accounts: dict[int, Account] = {}
        self.terms: dict[int, Term] = {}
        self.courses: dict[int, Course] = {}
        self.rosters: dict[int, Roster] = {}  # course id -> sections, enrollments, submissions (built on demand)
        self.feedbacks: dict[int, Feedback] = {}  # course id -> staff, submission comments, peer reviews (on demand)
        # Canvas numbers each table on its own; discussion ids come from a sequence of their own, so
        # adding discussions left every other id (and every other draw) of the institution as it was.
        self.forum_ids = id_sequence(self.config.id_base + 1_000_001)
        self._generate()
        self.forums: dict[int, Forum] = {c.id: build_forum(self, c, self.forum_ids) for c in self.courses.values()}
        for course in self.courses.values():
            course.discussion_topics = sum(not t.is_announcement for t in self.forums[course.id].topics)
        # The token's user, whose inbox /conversations lists: the teacher of the first course with students.
        inbox_course = next(c for c in self.courses.values() if c.enrollments)
        self.inbox_owner_id = inbox_course.teacher_id
        self.conversations: list[Conversation] = build_inbox(self, inbox_course, self.forum_ids)
        # Classic quizzes, built for every course here: a quiz is an assignment, and its submissions'
        # scores are the attempts' (the roster and the Analytics read them later). Quiz, question and
        # option ids come from a block of each course's own (a thousand ids from id_base + 3,000,000
        # on, by course id), so a course's ids never depend on the other courses.
        # The second course with students has moved to New Quizzes: its graded quiz is a New Quiz
        # (an assignment of the Quizzes LTI tool), beside a classic practice quiz.
        self.quiz_sets: dict[int, list[Quiz]] = {}
        taught = [c.id for c in self.courses.values() if c.enrollments]
        self.new_quizzes_course_id = taught[1] if len(taught) > 1 else None
        for course in self.courses.values():
            start = self.config.id_base + 3_000_000 + (course.id - self.config.id_base) * 1000
            engine = "new" if course.id == self.new_quizzes_course_id else "classic"
            self.quiz_sets[course.id] = build_quizzes(self, course, id_sequence(start), graded_engine=engine)
            align_gradebook(course, self.quiz_sets[course.id])

    # -- time passing (canvasframe/sandbox/changes.py) --------------------------

    def advance(self, hours: int, *, share: float = 0.3, seed: int = 0) -> list[tuple[int, int]]:
        """Let ``hours`` pass with new activity; see :func:`canvasframe.sandbox.changes.advance`."""
        return changes.advance(self, hours, share=share, seed=seed)

    def reply(self, conversation_id: int, author_id: int | None = None) -> None:
        """A new message in a conversation of the inbox; see :func:`canvasframe.sandbox.changes.reply`."""
        changes.reply(self, conversation_id, author_id)

    def archive(self, conversation_id: int) -> None:
        """The inbox's owner archives a conversation."""
        changes.archive(self, conversation_id)

    def assistant_writes(self, course_id: int, student_id: int) -> None:
        """The course's assistant messages a student (outside the inbox canvasframe reads); see
        :func:`canvasframe.sandbox.changes.assistant_writes`."""
        changes.assistant_writes(self, course_id, student_id)

    def post(self, course_id: int, topic_id: int, author_id: int, *, seed: int = 0) -> int:
        """A new post in a discussion topic now; see :func:`canvasframe.sandbox.changes.post`."""
        return changes.post(self, course_id, topic_id, author_id, seed=seed)

    def enroll(self, course_id: int) -> int:
        """A new student joins the course now (a late enrollment); returns their id. See
        :func:`canvasframe.sandbox.changes.enroll`."""
        student = self._student(sum(len(c.enrollments) for c in self.courses.values()))
        changes.enroll(self, course_id, student)
        return student.id

    def drop(self, course_id: int, student_id: int) -> None:
        """A student's enrollment is deleted; see :func:`canvasframe.sandbox.changes.drop`."""
        changes.drop(self, course_id, student_id)

    def edit_post(self, course_id: int, entry_id: int, editor_id: int) -> None:
        """Someone edits a discussion post now; see :func:`canvasframe.sandbox.changes.edit_post`."""
        changes.edit_post(self, course_id, entry_id, editor_id)

    def delete_post(self, course_id: int, entry_id: int, editor_id: int) -> None:
        """Someone deletes a discussion post now; see :func:`canvasframe.sandbox.changes.delete_post`."""
        changes.delete_post(self, course_id, entry_id, editor_id)

    def start_conversation(self, course_id: int, student_id: int, *, from_student: bool = False) -> int:
        """A new conversation with a student; see :func:`canvasframe.sandbox.changes.start_conversation`."""
        return changes.start_conversation(self, course_id, student_id, from_student=from_student)

    def grade(self, course_id: int, student_id: int, assignment_id: int, score: float) -> None:
        """A teacher grades or regrades a submission now; see :func:`canvasframe.sandbox.changes.grade`."""
        changes.grade(self, course_id, student_id, assignment_id, score)

    def submit(self, course_id: int, student_id: int, assignment_id: int) -> None:
        """A student hands in an assignment now; see :func:`canvasframe.sandbox.changes.submit`."""
        changes.submit(self, course_id, student_id, assignment_id)

    # -- queries used by the views and by tests ------------------------------

    def roster(self, course: Course) -> Roster:
        """The course's sections, enrollments and submissions (built on first use, then kept)."""
        built = self.rosters.get(course.id)
        if built is None:
            built = self.rosters[course.id] = build_roster(self, course)
        return built

    def quizzes(self, course: Course, engine: str = "classic") -> list[Quiz]:
        """The course's quizzes of one engine (``classic`` or ``new``) with their attempts."""
        return [q for q in self.quiz_sets[course.id] if q.engine == engine]

    def feedback(self, course: Course) -> Feedback:
        """The course's staff, submission comments and peer reviews (built on first use, then kept)."""
        built = self.feedbacks.get(course.id)
        if built is None:
            names = {student_id: e.student.name for student_id, e in course.enrollments.items()}
            groups = self.forums[course.id].groups
            built = self.feedbacks[course.id] = build_feedback(self, course, self.roster(course), groups, names)
        return built

    @property
    def root_account(self) -> Account:
        return next(a for a in self.accounts.values() if a.parent_id is None)

    @property
    def default_term(self) -> Term:
        return next(t for t in self.terms.values() if t.default)

    def subaccounts_of(self, account_id: int) -> list[Account]:
        return [a for a in self.accounts.values() if a.parent_id == account_id]

    def account_tree(self, account_id: int) -> set[int]:
        """The account and every account below it."""
        tree, frontier = {account_id}, [account_id]
        while frontier:
            children = [a.id for a in self.subaccounts_of(frontier.pop())]
            tree.update(children)
            frontier.extend(children)
        return tree

    def department_courses(self, account_id: int, term: str) -> list[Course]:
        """Courses behind ``accounts/:id/analytics/{current|completed|terms/:id}``."""
        tree = self.account_tree(account_id)
        courses = [c for c in self.courses.values() if c.account_id in tree]
        if term == "current":
            return [c for c in courses if c.term_id == self.default_term.id and c.state == "available"]
        if term == "completed":
            return [c for c in courses if c.term_id == self.default_term.id and c.state == "completed"]
        return [c for c in courses if c.term_id == int(term)]

    # -- generation ---------------------------------------------------------

    def _next_id(self) -> int:
        return next(self._ids)

    def _generate(self) -> None:
        cfg = self.config
        root = Account(self._next_id(), "Sandbox University", None)
        self.accounts[root.id] = root
        start = _parse_day(cfg.term_start)
        fall = Term(self._next_id(), "Fall 2026", start, start + timedelta(weeks=16), default=True)
        spring = Term(self._next_id(), "Spring 2026", start - timedelta(weeks=32), start - timedelta(weeks=16))
        future = Term(self._next_id(), "Spring 2027", start + timedelta(weeks=20), start + timedelta(weeks=36))
        self.terms = {t.id: t for t in (fall, spring, future)}
        pool_size = max(cfg.students_per_course * 2, 8)
        pool = [self._student(i) for i in range(pool_size)]
        for s in range(cfg.subaccounts):
            sub = Account(self._next_id(), f"Department of {_DEPARTMENTS[s % len(_DEPARTMENTS)]}", root.id)
            self.accounts[sub.id] = sub
            for c in range(cfg.courses_per_subaccount):
                # The last course of the second department has concluded early: /completed is not empty.
                state = "completed" if (s == 1 and c == cfg.courses_per_subaccount - 1) else "available"
                self._course(sub, fall, state, pool, f"{sub.name.split()[-1][:4].upper()} {101 + 100 * c}")
            self._course(sub, spring, "completed", pool, f"{sub.name.split()[-1][:4].upper()} 099", shift=-32)
        # A published course nobody has enrolled in yet: Canvas's analytics answer 404 for it.
        self._course(root, fall, "available", [], "ORIENTATION 000", students=0)
        if cfg.due_bursts:
            for course in self.courses.values():
                self._add_due_bursts(course)

    def _student(self, index: int) -> Student:
        first, last = _FIRST[index % len(_FIRST)], _LAST[(index * 7) % len(_LAST)]
        profile = PROFILES[index % len(PROFILES)]
        # Most students live where the institution is; the rest are spread over other zones.
        offset = HOME_OFFSET if self.rng.random() < 0.75 else int(self.rng.choice(TZ_OFFSETS))
        return Student(self._next_id(), f"{first} {last}", f"{last}, {first}", profile, offset)

    def _course(
        self,
        account: Account,
        term: Term,
        state: str,
        pool: list[Student],
        code: str,
        *,
        students: int | None = None,
        shift: int = 0,
    ) -> None:
        cfg, rng = self.config, self.rng
        n = cfg.students_per_course if students is None else students
        chosen = sorted(rng.choice(len(pool), size=min(n, len(pool)), replace=False)) if n else []
        tz = int(rng.choice(TZ_OFFSETS))
        start = term.start
        as_of = min(self.as_of, term.end) if shift == 0 else term.end
        course = Course(
            id=self._next_id(),
            name=f"{code}: {_TOPICS[len(self.courses) % len(_TOPICS)]}",
            account_id=account.id,
            term_id=term.id,
            state=state,
            teacher_id=self._next_id(),
            tz_offset=tz,
            assignments=self._assignments(start, as_of, tz),
            enrollments={},
            discussion_topics=int(rng.integers(2, 15)),
            media_objects=int(rng.integers(0, 30)),
            attachments=int(rng.integers(5, 80)),
        )
        course.topic_ids = [next(self.forum_ids) for _ in TOPIC_KINDS]
        course.slots = slot_urls(course.id, course.topic_ids, next(self.forum_ids), SITE)
        for i in chosen:
            student = pool[int(i)]
            course.enrollments[student.id] = self._enrollment(course, student, start, as_of)
        total = int(sum(int(e.views.sum()) for e in course.enrollments.values()))
        weights = rng.dirichlet(np.ones(len(CATEGORIES)) * 2)
        course.category_views = dict(zip(CATEGORIES, (int(v) for v in rng.multinomial(total, weights)), strict=True))
        self.courses[course.id] = course

    def _assignments(self, start: datetime, as_of: datetime, tz: int) -> list[Assignment]:
        cfg, rng = self.config, self.rng
        result = []
        weeks_total = max(cfg.weeks + 3, 4)
        for k in range(cfg.assignments_per_course):
            due_local = start + timedelta(days=int(4 + k * 7 * weeks_total / max(cfg.assignments_per_course, 1)))
            # 23:59 local in the course's zone, stored in UTC
            due: datetime | None = (due_local + timedelta(hours=23, minutes=59) - timedelta(minutes=tz)).replace(
                tzinfo=UTC
            )
            points: float | None = float(rng.choice([10, 20, 25, 50, 100]))
            if k == 1:
                due = None  # an assignment without a due date: unsubmitted work is "floating"
            if k == 2 and cfg.assignments_per_course > 4:
                points = None  # an ungraded survey: Canvas omits score statistics
            unlock = None if due is None or k % 3 == 0 else due - timedelta(days=7)
            result.append(
                Assignment(
                    id=self._next_id(),
                    title=f"{_WORK[k % len(_WORK)]} {k + 1}",
                    points_possible=points,
                    due_at=due,
                    unlock_at=unlock,
                    muted=bool(k % 4 == 3),
                    non_digital_submission=bool(k == 5),
                    tz_offset=tz,
                    module_ids=[1 + k // 3],
                    **_REVIEWING.get(k, {}),
                )
            )
        result.sort(key=lambda a: (a.due_at is None, a.due_at or start, a.id))
        return result

    def _enrollment(self, course: Course, student: Student, start: datetime, as_of: datetime) -> Enrollment:
        rng = self.rng
        n_hours = int((as_of - start).total_seconds() // 3600)
        hours_utc = np.arange(n_hours, dtype=np.int64)
        local = (hours_utc + student.tz_offset // 60) % (24 * 7)
        hour_of_day, day_of_week = local % 24, local // 24  # term starts on a Monday
        daily = _NIGHT if student.profile == "night_owl" else _DAY
        weekly = np.array([1.2, 1.1, 1.1, 1.0, 0.8, 0.5, 0.9])
        week = hours_utc // (24 * 7)
        trend = np.ones(n_hours)
        if student.profile == "late_starter":
            trend = np.where(week < 3, 0.0, 1.0)
        elif student.profile == "fading":
            trend = np.exp(-week / 4.0)
        elif student.profile == "never_submits":
            trend = np.full(n_hours, 0.25)
        lam = 0.45 * self.config.activity * daily[hour_of_day] * weekly[day_of_week] * trend
        views = rng.poisson(lam)
        keep = views > 0
        epoch0 = int(start.timestamp())
        hours = epoch0 + hours_utc[keep] * 3600
        views = views[keep].astype(np.int64)
        part_counts = rng.binomial(views, 0.12)
        participations = []
        for h, count in zip(hours[part_counts > 0], part_counts[part_counts > 0], strict=True):
            for second in sorted(rng.integers(0, 3600, size=int(count))):
                slot = int(rng.integers(1, 9))
                url = None if rng.random() < 0.1 else course.participation_url(slot, student.profile)
                participations.append((datetime.fromtimestamp(int(h) + int(second), UTC), url))
        submissions = {a.id: self._submission(student, a, start, as_of) for a in course.assignments}
        messages: dict[str, tuple[int, int]] = {}
        for day in sorted(rng.choice(max(n_hours // 24, 1), size=int(rng.poisson(4)), replace=True)):
            pair = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
            if any(pair):
                key = (start + timedelta(days=int(day))).strftime("%Y-%m-%d")
                old = messages.get(key, (0, 0))
                messages[key] = (old[0] + pair[0], old[1] + pair[1])
        return Enrollment(student, hours, views, participations, submissions, messages)

    def _add_due_bursts(self, course: Course) -> None:
        """More page views in the 36 hours before each due date, for students who still work then.

        Views only (a student re-reads before submitting; the submission is its own event), from a
        generator per course and student: every other draw of the institution stays as it was. The
        course's category counts grow by the same total, spread over its categories.
        """
        added = 0
        for student_id, enrollment in course.enrollments.items():
            rng = np.random.default_rng([self.config.seed, course.id, student_id, 34])
            hours = dict(zip(enrollment.hours.tolist(), enrollment.views.tolist(), strict=True))
            if not hours:
                continue
            first, last = min(hours), max(hours)  # never before the student began or after the term's as-of time
            quiet = {"never_submits": 0.1, "fading": 0.5}.get(enrollment.student.profile, 1.0)
            for a in course.assignments:
                if a.due_at is None:
                    continue
                due = int(a.due_at.timestamp()) // 3600 * 3600
                for back in range(1, 37):
                    hour = due - back * 3600
                    # Only hours the student is active around (their rhythm): nobody crams asleep.
                    near = hour in hours or hour - 3600 in hours or hour + 3600 in hours
                    if not near or not first <= hour <= last:
                        continue
                    extra = int(rng.poisson(self.config.due_bursts * quiet * 0.6 * (37 - back) / 36))
                    if extra:
                        hours[hour] = hours.get(hour, 0) + extra
                        added += extra
            order = sorted(hours)
            enrollment.hours = np.array(order, dtype=np.int64)
            enrollment.views = np.array([hours[h] for h in order], dtype=np.int64)
        if added and course.category_views:
            rng = np.random.default_rng([self.config.seed, course.id, 35])
            names = list(course.category_views)
            for name, extra in zip(names, rng.multinomial(added, np.ones(len(names)) / len(names)), strict=True):
                course.category_views[name] += int(extra)

    def _excuses(self, student: Student, a: Assignment) -> bool:
        """Whether the teacher excuses this missing work: about one in eight, drawn from a generator of
        its own so the rest of the institution is the same with or without excused work."""
        draw = np.random.default_rng([self.config.seed, student.id, a.id]).random()
        return bool(draw < 0.125)

    def _submission(self, student: Student, a: Assignment, start: datetime, as_of: datetime) -> Submission:
        rng = self.rng
        p_submit, p_late = {
            "steady": (0.95, 0.08),
            "late_starter": (0.85, 0.2),
            "fading": (0.9, 0.15),
            "never_submits": (0.0, 0.0),
            "night_owl": (0.9, 0.35),
        }[student.profile]
        anchor = a.due_at or (start + timedelta(weeks=2))
        if student.profile == "late_starter" and anchor < start + timedelta(weeks=3):
            p_submit = 0.0
        if student.profile == "fading":
            p_submit *= float(np.exp(-(anchor - start).days / 50))
        submitted_at = None
        if rng.random() < p_submit:
            late = rng.random() < p_late
            offset = timedelta(hours=float(rng.uniform(1, 72)))
            submitted_at = (anchor + offset if late else anchor - offset).replace(microsecond=0)
            if submitted_at >= as_of:
                submitted_at = None
        if submitted_at is None:
            due_passed = a.due_at is not None and a.due_at < as_of
            if due_passed and self._excuses(student, a):
                return Submission(None, None, None, "floating", excused=True)
            return Submission(None, None, None, "missing" if due_passed else "floating")
        status = "late" if a.due_at is not None and submitted_at > a.due_at else "on_time"
        score = posted = None
        if a.points_possible is not None and rng.random() < 0.95:
            score = float(np.round(a.points_possible * rng.beta(6, 2) * 2) / 2)
            posted = submitted_at + timedelta(days=float(rng.uniform(1, 4)))
            posted = posted.replace(microsecond=0) if posted < as_of else None
        return Submission(submitted_at, score, posted, status)


def _parse_day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)


def _rhythm(peaks: list[int]) -> np.ndarray:
    hours = np.arange(24)
    # Narrow peaks over a low floor: people sleep, so small hours see few page views.
    curve: np.ndarray = 0.03 + sum(np.exp(-(((hours - p + 12) % 24 - 12) ** 2) / 4.5) for p in peaks)  # type: ignore[assignment]
    return curve / curve.mean()


_DAY = _rhythm([10, 15, 20])
_NIGHT = _rhythm([23, 2])
_DEPARTMENTS = ("Biology", "History", "Mathematics", "Music")
_TOPICS = ("Foundations", "Methods", "Seminar", "Studio", "Survey", "Workshop")
# How the work of some assignments (by their place in the course) is reviewed; no draw, so the rest
# of the institution is the same with or without it. The reading response is peer reviewed with the
# reviewers hidden from students, the essay's reviews are assigned and never done, the lab report
# (whose grades are held back) is graded anonymously, the poster is group work.
_REVIEWING: dict[int, dict[str, bool]] = {
    0: {"peer_reviews": True, "anonymous_peer_reviews": True},
    3: {"anonymous_grading": True},
    4: {"peer_reviews": True, "reviews_done": False},
    5: {"group_work": True},
}
_WORK = ("Reading response", "Quiz", "Survey", "Lab report", "Essay", "Poster", "Problem set", "Project")
_FIRST = ("Ada", "Bo", "Chen", "Dana", "Eli", "Fatima", "Goran", "Hana", "Ines", "Jomo", "Kai", "Lena")
_LAST = ("Abara", "Berg", "Costa", "Dube", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowal")
