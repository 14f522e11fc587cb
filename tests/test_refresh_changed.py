"""``refresh="changed"`` against a sandbox whose clock moves and whose Analytics cache each student's answer.

The rule under test: after any sequence of changes, a ``refresh="changed"`` frame is identical
(order and dtypes included) to a cold pull made at the same moment. The sandbox reproduces the
hole Canvas's caching leaves in the signal (a student's total moves while their per-student
answer is still the one cached up to 12 hours earlier), so a client that trusts the total too
far fails here.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import timedelta, timezone

import pandas as pd
import pyarrow as pa
import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import canvasframe as cf
from canvasframe.sandbox import Config, FaultPlan, Institution, SandboxServer, SandboxSettings

from .conftest import TOKEN

SMALL = Config(seed=5, subaccounts=1, courses_per_subaccount=1, students_per_course=10, weeks=4)
# The teacher alone, whose inbox the token reads: the inbox is then a complete signal for communication.
ALONE = replace(SMALL, assistants=False)
CACHED = SandboxSettings(analytics_cache_hours=12)
ACTIVITY = ("page_views", "participations")


def _session(server: SandboxServer, cache_dir) -> cf.Canvas:
    return cf.Canvas(server.url, token=TOKEN, cache_dir=cache_dir, backoff=0.01, max_backoff=0.05)


def _load(frame: str, course_id: int, canvas: cf.Canvas, **options) -> pd.DataFrame:
    return cf.LOADERS[frame](course_id, canvas=canvas, progress=False, **options)


def _course(inst: Institution) -> int:
    return next(c.id for c in inst.courses.values() if c.enrollments)


class RefreshChanged(RuleBasedStateMachine):
    """Random days of a live course; after each, the incremental frames equal a cold pull's."""

    def __init__(self) -> None:
        super().__init__()
        self.inst = Institution(ALONE)
        self.server = SandboxServer(self.inst, tokens={TOKEN: "admin"}, settings=CACHED).start()
        self.course = _course(self.inst)
        self.dirs = itertools.count()
        self.incremental = _session(self.server, self.cache_dir())
        for frame in (*ACTIVITY, "student_assignments", "communication"):
            _load(frame, self.course, self.incremental)
        cf.load_conversations(canvas=self.incremental, progress=False)
        course = self.inst.courses[self.course]
        # Quizzes' scores are their attempts': grading by hand is for the other assignments.
        self.assignments = [a.id for a in course.assignments if not any(
            q.assignment_id == a.id for q in self.inst.quiz_sets[self.course])]  # fmt: skip

    @property
    def students(self) -> list[int]:
        return sorted(self.inst.courses[self.course].enrollments)

    @rule()
    def a_student_enrolls_late(self) -> None:
        self.inst.enroll(self.course)

    @rule(pick=st.integers(0, 20))
    def a_students_enrollment_is_deleted(self, pick: int) -> None:
        if len(self.students) > 5:
            self.inst.drop(self.course, self.students[pick % len(self.students)])

    def cache_dir(self):
        return self.tmp / f"cache-{next(self.dirs)}"

    tmp = None  # set by the test below

    @rule(pick=st.integers(0, 9))
    def a_teacher_opens_one_students_analytics(self, pick: int) -> None:
        """Fills that student's cached per-student answer now: it then lags the totals differently."""
        student = self.students[pick % len(self.students)]
        url = f"{self.server.url}/api/v1/courses/{self.course}/analytics/users/{student}/activity"
        assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 200

    # Hours around Canvas's 12-hour cache: a change within it, then its expiry, is where a signal lags.
    @rule(
        hours=st.sampled_from([1, 5, 7, 12, 13]),
        share=st.sampled_from([0.0, 0.3, 1.0]),
        seed=st.integers(0, 50),
        frame=st.sampled_from(ACTIVITY),
    )
    def hours_pass_then_only_what_changed_is_refreshed(self, hours: int, share: float, seed: int, frame: str) -> None:
        self.inst.advance(hours, share=share, seed=seed)
        got = _load(frame, self.course, self.incremental, refresh="changed")
        cold = _load(frame, self.course, _session(self.server, self.cache_dir()))
        pd.testing.assert_frame_equal(got, cold)
        changed = got.attrs["canvasframe"]["changed"]
        parts = [k["student_id"] for k in changed["reused"] + changed["refetched"]]
        assert sorted(parts) == self.students  # every student, once: reused or asked again

    @rule(student=st.integers(0, 9), assignment=st.integers(0, 20), score=st.sampled_from([0.0, 4.5, 10.0, 97.0]))
    def a_teacher_grades_or_regrades_without_the_student_doing_anything(
        self, student: int, assignment: int, score: float
    ) -> None:
        picked = self.assignments[assignment % len(self.assignments)]
        self.inst.grade(self.course, self.students[student % len(self.students)], picked, score)

    @rule(student=st.integers(0, 9), assignment=st.integers(0, 20))
    def a_student_hands_in_work(self, student: int, assignment: int) -> None:
        picked = self.assignments[assignment % len(self.assignments)]
        self.inst.submit(self.course, self.students[student % len(self.students)], picked)

    @rule(hours=st.sampled_from([0, 1, 7, 13]))
    def hours_pass_then_assignments_are_refreshed(self, hours: int) -> None:
        if hours:
            self.inst.advance(hours, share=0.0)
        got = _load("student_assignments", self.course, self.incremental, refresh="changed")
        cold = _load("student_assignments", self.course, _session(self.server, self.cache_dir()))
        pd.testing.assert_frame_equal(got, cold)
        changed = got.attrs["canvasframe"]["changed"]
        parts = [k["student_id"] for k in changed["reused"] + changed["refetched"]]
        assert sorted(parts) == self.students

    @rule(pick=st.integers(0, 100), by_the_teacher=st.booleans())
    def someone_writes_in_a_conversation(self, pick: int, by_the_teacher: bool) -> None:
        conversation = self.inst.conversations[pick % len(self.inst.conversations)]
        self.inst.reply(conversation.id, conversation.participant_ids[0] if by_the_teacher else None)

    @rule(student=st.integers(0, 20), from_student=st.booleans())
    def a_new_conversation_starts(self, student: int, from_student: bool) -> None:
        self.inst.start_conversation(
            self.course, self.students[student % len(self.students)], from_student=from_student
        )

    @rule(topic=st.integers(0, 20), student=st.integers(0, 20))
    def a_student_posts_in_a_discussion(self, topic: int, student: int) -> None:
        topics = [t.id for t in self.inst.forums[self.course].topics if not t.children and not t.is_announcement]
        self.inst.post(self.course, topics[topic % len(topics)], self.students[student % len(self.students)])

    @rule(pick=st.integers(0, 500), delete=st.booleans())
    def a_post_is_edited_or_deleted(self, pick: int, delete: bool) -> None:
        entries = [e for t in self.inst.forums[self.course].topics for e in t.entries if not e.deleted]
        entry = entries[pick % len(entries)]
        (self.inst.delete_post if delete else self.inst.edit_post)(self.course, entry.id, entry.author_id)

    @rule()
    def the_discussions_are_refreshed(self) -> None:
        got = _load("discussion_entries", self.course, self.incremental, refresh="changed")
        cold = _load("discussion_entries", self.course, _session(self.server, self.cache_dir()))
        pd.testing.assert_frame_equal(got, cold)

    @rule(pick=st.integers(0, 100))
    def the_inbox_owner_archives_a_conversation(self, pick: int) -> None:
        self.inst.archive(self.inst.conversations[pick % len(self.inst.conversations)].id)

    @rule(hours=st.sampled_from([0, 7, 13]))
    def hours_pass_then_communication_is_refreshed(self, hours: int) -> None:
        if hours:
            self.inst.advance(hours, share=0.0)
        got = _load("communication", self.course, self.incremental, refresh="changed")
        pd.testing.assert_frame_equal(got, _load("communication", self.course, _session(self.server, self.cache_dir())))

    @rule()
    def the_inbox_is_refreshed(self) -> None:
        got = cf.load_conversations(canvas=self.incremental, refresh="changed", progress=False)
        cold = cf.load_conversations(canvas=_session(self.server, self.cache_dir()), progress=False)
        pd.testing.assert_frame_equal(got, cold)

    @invariant()
    def the_cache_serves_the_last_refresh(self) -> None:
        offline = cf.Canvas(self.server.url, token=TOKEN, cache_dir=self.incremental.cache_dir, offline=True)
        assert len(_load("page_views", self.course, offline)) > 0

    def teardown(self) -> None:
        self.server.stop()


def test_refresh_changed_equals_a_cold_pull_after_any_days(tmp_path):
    RefreshChanged.tmp = tmp_path
    budget = settings(
        max_examples=15, stateful_step_count=8, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    run_state_machine_as_test(RefreshChanged, settings=budget)


def _serving(config: Config):
    inst = Institution(config)
    with SandboxServer(inst, tokens={TOKEN: "admin"}, settings=CACHED) as server:
        yield inst, server, _course(inst)


@pytest.fixture
def live():
    """The small course, taught by its teacher and an assistant."""
    yield from _serving(SMALL)


@pytest.fixture
def alone():
    """The small course, taught by its teacher alone (the token's user)."""
    yield from _serving(ALONE)


def test_a_moved_total_with_a_cached_answer_is_asked_again_until_they_agree(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    first = _load("page_views", course, canvas)
    inst.advance(6, share=1.0)  # everyone active; every per-student answer still the one cached 6 h ago
    server.clear_log()
    lagging = _load("page_views", course, canvas, refresh="changed")
    students = sorted(inst.courses[course].enrollments)
    assert sorted(k["student_id"] for k in lagging.attrs["canvasframe"]["changed"]["refetched"]) == students
    pd.testing.assert_frame_equal(lagging, first, check_flags=False)  # Canvas still answers the old rows
    assert sum(p.endswith("/activity") for p in server.request_log) == len(students)
    inst.advance(7, share=0.0)  # nobody active since; the answers cached at the first pull expire
    caught_up = _load("page_views", course, canvas, refresh="changed")
    totals = _load("student_summaries", course, canvas).set_index("student_id")["page_views"]
    pd.testing.assert_series_equal(
        caught_up.groupby("student_id")["views"].sum(), totals.astype("int64"), check_names=False
    )
    pd.testing.assert_frame_equal(caught_up, _load("page_views", course, _session(server, tmp_path / "cold")))


def test_unchanged_students_are_not_asked_and_attrs_say_who_was_reused(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    _load("page_views", course, canvas)
    inst.advance(13, share=0.0)  # a quiet half day: the caches expire, nothing changed
    active = inst.advance(1, share=0.3, seed=3)
    server.clear_log()
    got = _load("page_views", course, canvas, refresh="changed")
    asked = sorted(int(p.split("/users/")[1].split("/")[0]) for p in server.request_log if p.endswith("/activity"))
    assert asked == sorted(s for c, s in active if c == course)
    changed = got.attrs["canvasframe"]["changed"]
    assert changed["signal"] == "student_summaries page_views"
    assert sorted(k["student_id"] for k in changed["refetched"]) == asked


def test_a_frame_without_a_safe_signal_is_refetched_whole_and_says_so(live, tmp_path):
    _, server, course = live
    canvas = _session(server, tmp_path / "a")
    server.clear_log()
    _load("discussion_entries", course, canvas)
    first = {p for p in server.request_log if p.endswith("/view")}  # (a view being built is asked again)
    server.clear_log()
    got = _load("discussion_entries", course, canvas, refresh="changed")
    assert got.attrs["canvasframe"]["changed"] == {"signal": None, "reused": [], "refetched": [
        {"course_id": course}]}  # fmt: skip
    assert first and {p for p in server.request_log if p.endswith("/view")} == first  # every topic's view


def test_a_failing_signal_raises_and_never_serves_the_cache_as_fresh(tmp_path):
    inst = Institution(SMALL)
    faults = FaultPlan()
    with SandboxServer(inst, tokens={TOKEN: "admin"}, settings=CACHED, faults=faults) as server:
        canvas = _session(server, tmp_path / "a")
        course = _course(inst)
        _load("page_views", course, canvas)
        faults.script(r"/analytics/student_summaries", "500", times=100)
        with pytest.raises(cf.ServerError, match="student_summaries"):
            _load("page_views", course, canvas, refresh="changed")


def test_refresh_takes_true_false_or_changed_only(canvas, institution):
    with pytest.raises(cf.ConfigError, match="refresh must be True, False or 'changed'"):
        cf.load_page_views(_course(institution), canvas=canvas, refresh="yes")


def test_the_page_view_log_keeps_its_past_months_and_asks_for_the_current_part(canvas, institution, sandbox):
    course = _course(institution)
    student = sorted(institution.courses[course].enrollments)[0]
    first = cf.load_page_view_log(course, student_id=student, canvas=canvas, progress=False)
    sandbox.clear_log()
    again = cf.load_page_view_log(course, student_id=student, canvas=canvas, progress=False, refresh="changed")
    pd.testing.assert_frame_equal(again, first)
    changed = again.attrs["canvasframe"]["changed"]
    assert changed["signal"] == "past months never change" and changed["reused"]
    assert all("month" in k for k in changed["reused"]) and [list(k) for k in changed["refetched"]] == [
        ["student_id", "list_from"]
    ]
    assert not any("/page_views/query" in p for p in sandbox.request_log)  # no history query: months reused
    assert any(p.endswith(f"/users/{student}/page_views") for p in sandbox.request_log)


def test_only_the_conversations_with_new_messages_are_asked_again(live, tmp_path):
    inst, server, _ = live
    canvas = _session(server, tmp_path / "a")
    first = cf.load_conversations(canvas=canvas, progress=False)
    written = inst.conversations[1].id
    inst.reply(written)
    inst.archive(inst.conversations[2].id)  # moves in the listing; its messages are as they were
    server.clear_log()
    got = cf.load_conversations(canvas=canvas, refresh="changed", progress=False)
    asked = [p for p in server.request_log if p.startswith("/api/v1/conversations/")]
    assert asked == [f"/api/v1/conversations/{written}"]
    assert len(got) == len(first) + 1
    pd.testing.assert_frame_equal(
        got, cf.load_conversations(canvas=_session(server, tmp_path / "cold"), progress=False)
    )
    changed = got.attrs["canvasframe"]["changed"]
    assert (
        changed["refetched"] == [{"conversation_id": written}] and len(changed["reused"]) == len(inst.conversations) - 1
    )


def test_an_explorer_built_to_refresh_asks_canvas_once_per_frame_then_reads_the_cache(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    student = sorted(inst.courses[course].enrollments)[0]
    before = cf.widgets.CourseExplorer(course, canvas=canvas)
    before.student_picker.value = student
    inst.advance(13, share=1.0)  # the student was active; the cached answers have expired
    server.clear_log()
    explorer = cf.widgets.CourseExplorer(course, canvas=canvas, refresh="changed")
    assert any(p.endswith("/analytics/student_summaries") for p in server.request_log)  # the course's frames asked
    explorer.student_picker.value = student  # first pick: the student's frames ask what changed
    asked = [p for p in server.request_log if f"/analytics/users/{student}/" in p]
    assert any(p.endswith("/activity") for p in asked)
    views = cf.load_page_views(course, student, canvas=_session(server, tmp_path / "cold"))
    assert explorer.figures["student_heatmap"] is not None
    pd.testing.assert_frame_equal(cf.load_page_views(course, student, canvas=canvas), views)
    server.clear_log()
    explorer.student_picker.value = sorted(inst.courses[course].enrollments)[1]
    explorer.student_picker.value = student  # picked again: read from the cache
    assert not [p for p in server.request_log if f"/analytics/users/{student}/" in p]


def _graded_by_hand(inst: Institution, course: int) -> list[int]:
    """The course's assignments a teacher grades by hand (a quiz's score is its attempts')."""
    quizzes = {q.assignment_id for q in inst.quiz_sets[course]}
    return [a.id for a in inst.courses[course].assignments if a.id not in quizzes]


def _asked(server: SandboxServer, what: str) -> list[int]:
    return sorted(int(p.split("/users/")[1].split("/")[0]) for p in server.request_log if p.endswith(f"/{what}"))


def test_a_regrade_a_day_later_asks_one_student_and_carries_the_class_statistics(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    before = _load("student_assignments", course, canvas)
    inst.advance(13, share=0.0)  # Canvas's cached answers have expired
    students, assignment = sorted(inst.courses[course].enrollments), _graded_by_hand(inst, course)[0]
    inst.grade(course, students[4], assignment, 0.0)  # the class's lowest score now
    server.clear_log()
    got = _load("student_assignments", course, canvas, refresh="changed")
    assert _asked(server, "assignments") == sorted({students[0], students[4]})  # the regraded one, the first listed
    pd.testing.assert_frame_equal(got, _load("student_assignments", course, _session(server, tmp_path / "cold")))
    changed = got.attrs["canvasframe"]["changed"]
    assert changed["carried"] == [{"assignment_id": assignment}]
    rows = got[got["assignment_id"] == assignment]
    earlier = before.loc[before["assignment_id"] == assignment, "min_score"]
    assert (rows["min_score"] == 0.0).all() and not (earlier == 0.0).any()


def test_a_regrade_within_canvass_cache_asks_everyone_once_the_statistics_move(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    _load("student_assignments", course, canvas)
    students, assignment = sorted(inst.courses[course].enrollments), _graded_by_hand(inst, course)[0]
    inst.advance(1, share=0.0)
    inst.grade(course, students[4], assignment, 0.0)
    server.clear_log()
    lagging = _load("student_assignments", course, canvas, refresh="changed")  # Canvas answers its cached rows
    assert _asked(server, "assignments") == sorted({students[0], students[4]})
    inst.advance(12, share=0.0)  # the answers cached at the first pull expire; the last pull was 12 h ago
    server.clear_log()
    got = _load("student_assignments", course, canvas, refresh="changed")
    assert _asked(server, "assignments") == students  # some of Canvas's answers may still be cached: all asked
    pd.testing.assert_frame_equal(got, _load("student_assignments", course, _session(server, tmp_path / "cold")))
    assert not lagging.equals(got)


def test_a_cache_without_canvass_clock_is_refetched_whole(live, tmp_path):
    inst, server, course = live
    canvas = _session(server, tmp_path / "a")
    _load("student_assignments", course, canvas)
    for path in canvas.cache_dir.rglob("*.arrow"):  # as a release before the clock was kept wrote it
        table = pa.ipc.open_file(path).read_all()
        meta = json.loads(table.schema.metadata[b"canvasframe"])
        meta.pop("canvas_time")
        table = table.replace_schema_metadata({b"canvasframe": json.dumps(meta).encode()})
        with pa.ipc.new_file(path, table.schema) as sink:
            sink.write_table(table)
    server.clear_log()
    got = _load("student_assignments", course, canvas, refresh="changed")
    assert _asked(server, "assignments") == sorted(inst.courses[course].enrollments)
    changed = got.attrs["canvasframe"]["changed"]
    assert changed["signal"] is None and changed["refetched"] == [{"course_id": course}]
    assert changed["why"].startswith("the cached frame does not say Canvas's time")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"graded_since": "yesterday"}, 400),
        ({"submitted_since": "2026-09-28"}, 400),  # a date alone is not Canvas's ISO 8601
        ({"graded_since": "2026-09-28T13:00:00Z", "submitted_since": "not a time"}, 400),
    ],
)
def test_the_since_filters_refuse_what_canvas_refuses(live, query, expected):
    _, server, course = live
    url = f"{server.url}/api/v1/courses/{course}/students/submissions"
    answer = requests.get(url, params={"student_ids[]": "all", **query}, headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=5)  # fmt: skip
    assert answer.status_code == expected
    bad = next(k for k, v in query.items() if not v.endswith("Z"))
    assert answer.json() == {"errors": {bad: f"Invalid datetime for {bad}"}}


def test_the_since_filters_are_strict_anded_and_read_a_bare_time_in_the_users_zone(live):
    inst, server, course = live
    students, assignment = sorted(inst.courses[course].enrollments), _graded_by_hand(inst, course)
    inst.advance(2, share=0.0)
    inst.grade(course, students[1], assignment[0], 5.0)
    inst.submit(course, students[2], assignment[1])
    inst.grade(course, students[2], assignment[1], 6.0)  # submitted and graded at the same moment
    now = inst.as_of

    def listed(**since: str) -> list[tuple[int, int]]:
        url = f"{server.url}/api/v1/courses/{course}/students/submissions"
        rows = requests.get(url, params={"student_ids[]": "all", "per_page": "100", **since},
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).json()  # fmt: skip
        return sorted((r["user_id"], r["assignment_id"]) for r in rows)

    a_second_before = (now - timedelta(seconds=1)).isoformat()
    assert listed(graded_since=a_second_before) == sorted([(students[1], assignment[0]), (students[2], assignment[1])])
    assert listed(graded_since=now.isoformat()) == []  # strictly after
    assert listed(graded_since=a_second_before, submitted_since=a_second_before) == [(students[2], assignment[1])]
    zone = timezone(timedelta(minutes=inst.courses[course].tz_offset))
    bare = (now - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None).isoformat()
    assert listed(graded_since=bare) == listed(graded_since=a_second_before)


def test_communication_asks_only_the_students_written_to_when_the_token_owner_teaches_alone(alone, tmp_path):
    inst, server, course = alone
    canvas = _session(server, tmp_path / "a")
    first = _load("communication", course, canvas)
    pulled_at = inst.as_of
    inst.advance(26, share=0.0)  # a quiet day: nothing in the inbox since the pull
    teacher = inst.courses[course].teacher_id
    conversation = next(c for c in inst.conversations if c.course_id == course)
    inst.reply(conversation.id, teacher)
    server.clear_log()
    got = _load("communication", course, canvas, refresh="changed")
    enrolled = set(inst.courses[course].enrollments)
    # Canvas may have answered the last pull from answers cached up to 12 hours before it: any
    # conversation written in since then (and a little more) is asked about again.
    recent = {p for c in inst.conversations if c.messages[-1].created_at > pulled_at - timedelta(hours=13)
              for p in c.participant_ids} & enrolled  # fmt: skip
    students = sorted(set(conversation.participant_ids) & enrolled)
    assert _asked(server, "communication") == sorted(recent | set(students)) and len(recent) < len(enrolled) / 2
    assert got.attrs["canvasframe"]["changed"]["signal"].startswith("the token owner's conversation list")
    pd.testing.assert_frame_equal(got, _load("communication", course, _session(server, tmp_path / "cold")))
    day = inst.as_of.date()
    row = got[(got["student_id"] == students[0]) & (got["date"].dt.date == day)]
    assert row["instructor_messages"].tolist() == [1] and len(got) == len(first) + 1


def test_communication_is_refetched_whole_while_an_assistant_also_instructs(live, tmp_path):
    inst, server, course = live  # the sample's courses have a teaching assistant beside the teacher
    canvas = _session(server, tmp_path / "a")
    _load("communication", course, canvas)
    inst.advance(26, share=0.0)
    student = sorted(inst.courses[course].enrollments)[3]
    inst.assistant_writes(course, student)  # in the assistant's inbox: the token's shows nothing
    server.clear_log()
    got = _load("communication", course, canvas, refresh="changed")
    assert _asked(server, "communication") == sorted(inst.courses[course].enrollments)
    assert got.attrs["canvasframe"]["changed"] == {"signal": None, "reused": [], "refetched": [
        {"course_id": course}], "why": "the token's user is not the only instructor"}  # fmt: skip
    pd.testing.assert_frame_equal(got, _load("communication", course, _session(server, tmp_path / "cold")))


def test_a_message_seen_while_canvas_still_answers_its_cached_counts_is_asked_about_until_they_show_it(alone, tmp_path):
    inst, server, course = alone
    canvas = _session(server, tmp_path / "a")
    first = _load("communication", course, canvas)
    conversation = next(c for c in inst.conversations if c.course_id == course)
    inst.advance(1, share=0.0)
    inst.reply(conversation.id, inst.courses[course].teacher_id)
    lagging = _load("communication", course, canvas, refresh="changed")  # the answer cached an hour ago
    pd.testing.assert_frame_equal(lagging, first, check_flags=False)
    inst.advance(12, share=0.0)  # that answer has expired; the message is from before the last pull
    got = _load("communication", course, canvas, refresh="changed")
    pd.testing.assert_frame_equal(got, _load("communication", course, _session(server, tmp_path / "cold")))
    assert len(got) == len(first) + 1


@pytest.mark.parametrize("frame", ["page_views", "student_assignments", "communication"])
def test_a_late_enrollment_is_asked_for_and_a_deleted_one_leaves_the_frame(alone, tmp_path, frame):
    inst, server, course = alone
    canvas = _session(server, tmp_path / "a")
    before = _load(frame, course, canvas)
    gone = sorted(inst.courses[course].enrollments)[2]
    assert gone in set(before["student_id"])
    inst.advance(13, share=0.0)
    new = inst.enroll(course)
    inst.drop(course, gone)
    server.clear_log()
    got = _load(frame, course, canvas, refresh="changed")
    refetched = [k["student_id"] for k in got.attrs["canvasframe"]["changed"]["refetched"]]
    assert new in refetched and gone not in refetched
    assert gone not in set(got["student_id"])
    pd.testing.assert_frame_equal(got, _load(frame, course, _session(server, tmp_path / "cold")))


def test_a_due_date_passing_is_seen_in_the_tardiness_counts_and_those_students_are_asked_again(alone, tmp_path):
    inst, server, course = alone
    canvas = _session(server, tmp_path / "a")
    _load("student_assignments", course, canvas)
    upcoming = min(a.due_at for a in inst.courses[course].assignments if a.due_at and a.due_at > inst.as_of)
    pending = sorted(  # the students with nothing handed in for it: their work turns missing at the due date
        s
        for s, e in inst.courses[course].enrollments.items()
        for a in inst.courses[course].assignments
        if a.due_at == upcoming and e.submissions[a.id].submitted_at is None and not e.submissions[a.id].excused
    )
    inst.advance(int((upcoming - inst.as_of).total_seconds() // 3600) + 14, share=0.0)  # past it, caches expired
    server.clear_log()
    got = _load("student_assignments", course, canvas, refresh="changed")
    assert pending and set(pending) <= set(_asked(server, "assignments"))  # no date moved: only the counts did
    pd.testing.assert_frame_equal(got, _load("student_assignments", course, _session(server, tmp_path / "cold")))
    flipped = got[(got["student_id"].isin(pending)) & (got["due_at"] == upcoming)]
    assert (flipped["status"] == "missing").all()
