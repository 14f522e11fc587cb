"""Expected frames built from the sandbox institution's events, never from canvasframe's transforms.

The sandbox's payload views compute the numbers Canvas reports (quartiles, levels, grades);
these helpers read those numbers and the raw events and lay them out as the documented
frames, independently of the JSON the transforms parse. For hand-made payloads,
:func:`page_views_read_plainly` is the slow, obvious reading the vectorised transform must equal.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import networkx as nx
import numpy as np
import pandas as pd

from canvasframe.sandbox import Institution, views
from canvasframe.sandbox.discussions import Entry, Topic
from canvasframe.sandbox.model import TZ_NAMES, Course
from canvasframe.sandbox.roster import grade_letter
from canvasframe.schemas import SCHEMAS


def typed(name: str, rows: list[dict], sort: list[str] | None = None) -> pd.DataFrame:
    """Rows as a frame with the dtypes DESIGN.md promises (written out here, not taken from to_frame)."""
    columns = [f.name for f in SCHEMAS[name]]
    frame = pd.DataFrame(rows, columns=columns)
    for f in SCHEMAS[name]:
        kind, col = str(f.type), f.name
        nullable = (f.metadata or {}).get(b"pandas_dtype")
        if nullable:
            frame[col] = frame[col].astype(nullable.decode())
        elif kind == "int64":
            frame[col] = frame[col].astype("int64")
        elif kind == "double":
            frame[col] = frame[col].astype("float64")
        elif kind == "string":
            frame[col] = frame[col].astype("str")
        elif kind == "timestamp[us, tz=UTC]":
            frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[us, UTC]")
        elif kind == "timestamp[us]":
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[us]")
        elif kind.startswith("duration"):
            frame[col] = pd.to_timedelta(frame[col]).astype("timedelta64[us]")
        elif kind == "list<item: int64>":  # as Arrow hands lists to pandas: one int64 array per row, None for NA
            lists = [None if v is None else np.asarray(v, dtype=np.int64) for v in frame[col]]
            frame[col] = pd.Series(lists, index=frame.index, dtype=object)
    if sort:
        frame = frame.sort_values(sort, kind="stable", ignore_index=True)
    return frame


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(int(epoch), timezone.utc)


def page_views(course: Course) -> pd.DataFrame:
    rows = [
        {"course_id": course.id, "student_id": sid, "hour": _utc(h), "views": int(v)}
        for sid, e in course.enrollments.items()
        for h, v in zip(e.hours, e.views, strict=True)
    ]
    return typed("page_views", rows, ["course_id", "student_id", "hour"])


def page_views_read_plainly(payloads: list[tuple[int, dict]], course_id: int) -> pd.DataFrame:
    """Per-student ``activity`` payloads read key by key with pandas: keys naming the same UTC
    hour summed, rows sorted by student and hour."""
    rows = pd.DataFrame(
        [(sid, key, views) for sid, payload in payloads for key, views in payload["page_views"].items()],
        columns=["student_id", "key", "views"],
    )
    rows["hour"] = pd.to_datetime(rows["key"], utc=True, format="ISO8601")
    summed = rows.groupby(["student_id", "hour"], as_index=False)["views"].sum()
    return typed("page_views", [{"course_id": course_id, **row} for row in summed.to_dict("records")])


def participations(course: Course) -> pd.DataFrame:
    rows = [
        {"course_id": course.id, "student_id": sid, "created_at": t, "url": url}
        for sid, e in course.enrollments.items()
        for t, url in e.participations
    ]
    return typed("participations", rows, ["course_id", "student_id", "created_at"])


def course_activity(course: Course) -> pd.DataFrame:
    views_by_day: Counter[str] = Counter()
    parts_by_day: Counter[str] = Counter()
    for e in course.enrollments.values():
        for h, v in zip(e.hours, e.views, strict=True):
            views_by_day[_utc(h).strftime("%Y-%m-%d")] += int(v)
        for t, _ in e.participations:
            parts_by_day[t.strftime("%Y-%m-%d")] += 1
    days = sorted(set(views_by_day) | set(parts_by_day))
    rows = [
        {"course_id": course.id, "date": d, "views": views_by_day[d], "participations": parts_by_day[d]} for d in days
    ]
    return typed("course_activity", rows)


def communication(course: Course) -> pd.DataFrame:
    rows = [
        {"course_id": course.id, "student_id": sid, "date": day, "instructor_messages": i, "student_messages": s}
        for sid, e in course.enrollments.items()
        for day, (i, s) in e.messages.items()
    ]
    return typed("communication", rows, ["course_id", "student_id", "date"])


def student_summaries(course: Course) -> pd.DataFrame:
    totals = {sid: int(e.views.sum()) for sid, e in course.enrollments.items()}
    parts = {sid: len(e.participations) for sid, e in course.enrollments.items()}
    max_v, max_p = max(totals.values()), max(parts.values())
    rows = []
    for sid, e in course.enrollments.items():
        status = Counter(s.status for s in e.submissions.values())
        rows.append(
            {
                "course_id": course.id,
                "student_id": sid,
                "page_views": totals[sid],
                "max_page_views": max_v,
                "page_views_level": views.level(totals[sid], max_v),
                "participations": parts[sid],
                "max_participations": max_p,
                "participations_level": views.level(parts[sid], max_p),
                "total": len(e.submissions),
                **{k: status[k] for k in views.TARDINESS},
            }
        )
    return typed("student_summaries", rows, ["course_id", "student_id"])


def course_assignments(course: Course) -> pd.DataFrame:
    rows = []
    n = len(course.enrollments)
    for a in course.assignments:
        status = views.statuses(course, a)
        stats = views.score_statistics(course, a) if a.points_possible is not None else None
        rows.append(
            {
                "course_id": course.id,
                "assignment_id": a.id,
                "title": a.title,
                "due_at": a.due_at,
                "unlock_at": None,
                "muted": a.muted,
                "points_possible": a.points_possible if a.points_possible is not None else np.nan,
                "non_digital_submission": a.non_digital_submission,
                "multiple_due_dates": None,  # not sent to a teacher (canvas-api.md)
                "module_ids": None,
                **(stats or {}),
                "on_time": status["on_time"] / n,
                "late": status["late"] / n,
                "missing": status["missing"] / n,
                "floating": np.nan,
                "total": n,
            }
        )
    return typed("course_assignments", rows, ["course_id", "due_at", "assignment_id"])


def student_assignments(course: Course) -> pd.DataFrame:
    rows = []
    for sid, e in course.enrollments.items():
        for a in course.assignments:
            sub = e.submissions[a.id]
            stats = views.score_statistics(course, a) if a.points_possible is not None else None
            rows.append(
                {
                    "course_id": course.id,
                    "student_id": sid,
                    "assignment_id": a.id,
                    "title": a.title,
                    "due_at": a.due_at,
                    "unlock_at": a.unlock_at,
                    "muted": a.muted,
                    "points_possible": a.points_possible if a.points_possible is not None else np.nan,
                    "non_digital_submission": a.non_digital_submission,
                    "multiple_due_dates": False,
                    "module_ids": list(a.module_ids),
                    **(stats or {}),
                    "submitted_at": sub.submitted_at,
                    "posted_at": sub.posted_at,
                    "score": sub.score if sub.score is not None else np.nan,
                    "status": sub.status,
                    "excused": sub.excused,
                }
            )
    return typed("student_assignments", rows, ["course_id", "student_id", "due_at", "assignment_id"])


def courses(inst: Institution, account_id: int, term: str = "all") -> pd.DataFrame:
    """The courses of an account's tree, as the institution holds them (the code is the name before its colon)."""
    tree = inst.account_tree(account_id)
    rows = []
    for course in sorted(inst.courses.values(), key=lambda c: c.id):
        if course.account_id not in tree or term not in ("all", str(course.term_id)):
            continue
        semester = inst.terms[course.term_id]
        rows.append(
            {
                "account_id": account_id,
                "term": term,
                "course_id": course.id,
                "name": course.name,
                "course_code": course.name.split(":")[0],
                "subaccount_id": course.account_id,
                "term_id": course.term_id,
                "workflow_state": "completed" if course.state == "completed" else "available",
                "start_at": semester.start,
                "end_at": semester.end,
                "time_zone": TZ_NAMES[course.tz_offset],
                "sis_course_id": f"SIS-{course.id}",
                "total_students": len(course.enrollments),
            }
        )
    return typed("courses", rows)


def _counts(courses: list[Course], *, zeroed: bool = False) -> dict:
    """What an account's statistics count over its courses (``zeroed``: the four Canvas leaves at 0 per subaccount)."""
    counts = {
        "courses": len(courses),
        "teachers": len({c.teacher_id for c in courses}),
        "students": len({s for c in courses for s in c.enrollments}),
    }
    per_course = {
        "discussion_topics": lambda c: c.discussion_topics,
        "media_objects": lambda c: c.media_objects,
        "attachments": lambda c: c.attachments,
        "assignments": lambda c: len(c.assignments),
    }
    return counts | {name: 0 if zeroed else sum(of(c) for c in courses) for name, of in per_course.items()}


def department_statistics(inst: Institution, account_id: int, term: str) -> pd.DataFrame:
    courses = inst.department_courses(account_id, term)
    row = {"account_id": account_id, "term": term, "subaccounts": len(inst.account_tree(account_id)) - 1}
    return typed("department_statistics", [row | _counts(courses)])


def subaccount_statistics(inst: Institution, account_id: int, term: str) -> pd.DataFrame:
    """The account's own courses first, then each subaccount's whole tree, among the term's courses."""
    chosen = inst.department_courses(account_id, term)
    accounts = [(inst.accounts[account_id], [c for c in chosen if c.account_id == account_id])]
    for sub in inst.subaccounts_of(account_id):
        tree = inst.account_tree(sub.id)
        accounts.append((sub, [c for c in chosen if c.account_id in tree]))
    rows = [
        {"account_id": account_id, "term": term, "subaccount_id": a.id, "name": a.name} | _counts(cs, zeroed=True)
        for a, cs in accounts
    ]
    return typed("subaccount_statistics", rows)


def department_courses(inst: Institution, account_id: int, term: str) -> list[Course]:
    return inst.department_courses(account_id, term)


def discussion_author(topic: Topic, entry: Entry | None) -> int | None:
    """Who a post can be credited to, read from the sandbox's events: nobody when deleted or anonymous."""
    if entry is None or entry.deleted or topic.anonymous:
        return None
    return entry.author_id


def reply_graph(
    inst: Institution, course: Course, *, until: pd.Timestamp | None = None, topic_ids: list[int] | None = None
) -> nx.DiGraph:
    """The reply network as the sandbox's posts make it: the roster, and one tie per person answered
    (a top-level post answers the topic's author; deleted and anonymous ends are left out)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(course.enrollments)
    for topic in inst.forums[course.id].topics:
        if topic.is_announcement or (topic_ids is not None and topic.id not in topic_ids):
            continue
        for e in topic.entries:
            if until is not None and pd.Timestamp(e.created_at) > until:
                continue
            source = discussion_author(topic, e)
            target = discussion_author(topic, e.parent) if e.parent is not None else topic.author_id
            if e.parent is not None and e.parent.deleted:
                target = None
            if source is None or target is None:
                continue
            graph.add_node(source)
            graph.add_node(target)
            if source != target:
                weight = graph.get_edge_data(source, target, {"replies": 0})["replies"]
                graph.add_edge(source, target, replies=weight + 1)
    return graph


def sections(inst: Institution, course: Course) -> pd.DataFrame:
    rows = [
        {"course_id": course.id, "section_id": x.id, "name": x.name, "sis_section_id": None, "start_at": None,
         "end_at": None, "total_students": len(x.student_ids)}
        for x in inst.roster(course).sections
    ]  # fmt: skip
    return typed("sections", rows, ["course_id", "section_id"])


def enrollments(inst: Institution, course: Course, *, grades: bool = True) -> pd.DataFrame:
    rows = [
        {
            "course_id": course.id,
            "student_id": r.user_id,
            "name": course.enrollments[r.user_id].student.name,
            "sortable_name": course.enrollments[r.user_id].student.sortable_name,
            "enrollment_id": r.id,
            "section_id": r.section_id,
            "role": "StudentEnrollment",
            "enrollment_state": r.state,
            "created_at": r.created_at,
            "last_activity_at": r.last_activity_at,
            "total_activity_time": timedelta(seconds=r.total_activity_time),
            "current_score": r.current_score if grades and r.current_score is not None else np.nan,
            "final_score": r.final_score if grades and r.final_score is not None else np.nan,
            "current_grade": grade_letter(r.current_score) if grades else None,
            "final_grade": grade_letter(r.final_score) if grades else None,
            "override_score": r.override_score if grades and r.override_score is not None else np.nan,
            "override_grade": grade_letter(r.override_score) if grades else None,
        }
        for r in inst.roster(course).records
    ]
    return typed("enrollments", rows, ["course_id", "student_id", "enrollment_id"])


def submissions(inst: Institution, course: Course) -> pd.DataFrame:
    """Each student × assignment from the submission events; flags from the statuses the Analytics use,
    except that an extension (the roster's ``late_policy_status``) makes late work not late."""
    extended = {(r.user_id, r.assignment_id) for r in inst.roster(course).submissions if r.late_policy_status}
    due = {a.id: a for a in course.assignments}
    rows = []
    for row in inst.roster(course).submissions:
        sub = course.enrollments[row.user_id].submissions[row.assignment_id]
        a = due[row.assignment_id]
        late = sub.status == "late" and (row.user_id, a.id) not in extended
        graded = sub.posted_at is not None
        seconds = 0.0
        if late and sub.submitted_at is not None and a.due_at is not None:
            seconds = (sub.submitted_at - a.due_at).total_seconds()
        elif sub.status == "missing" and a.due_at is not None:
            seconds = (inst.as_of - a.due_at).total_seconds()
        rows.append(
            {
                "course_id": course.id,
                "student_id": row.user_id,
                "assignment_id": a.id,
                "submission_id": row.id,
                "submitted_at": sub.submitted_at,
                "graded_at": sub.posted_at,
                "posted_at": None if a.muted else sub.posted_at,
                "score": sub.score if graded and sub.score is not None else np.nan,
                "grade": f"{sub.score:g}" if graded and sub.score is not None else None,
                "attempt": 1 if sub.submitted_at is not None else None,
                "workflow_state": "graded" if sub.excused or (graded and sub.score is not None)
                else ("submitted" if sub.submitted_at is not None else "unsubmitted"),
                "late": late,
                "missing": sub.status == "missing",
                "excused": sub.excused,
                "late_policy_status": "extended" if (row.user_id, a.id) in extended else None,
                "seconds_late": timedelta(seconds=seconds),
                "points_deducted": np.nan,
                "submission_type": row.submission_type,
            }
        )  # fmt: skip
    return typed("submissions", rows, ["course_id", "student_id", "assignment_id"])


_STAFF_WORDS = {"TeacherEnrollment": "teacher", "TaEnrollment": "ta", "DesignerEnrollment": "designer"}


def staff(inst: Institution, course: Course) -> pd.DataFrame:
    rows = [
        {"course_id": course.id, "user_id": m.user_id, "enrollment_id": m.enrollment_id, "section_id": None,
         "type": _STAFF_WORDS[m.type], "role": m.role, "enrollment_state": "active"}
        for m in inst.feedback(course).staff
    ]  # fmt: skip
    return typed("staff", rows, ["course_id", "user_id", "enrollment_id"])


def submission_comments(inst: Institution, course: Course) -> pd.DataFrame:
    """Every comment the listing shows (never a draft), as the token's user (the inbox owner) reads it.

    While an assignment is graded anonymously and unposted, only the reader's own comments name
    their author. Roles from the events: the owner is a student; an assessor of this very
    submission is a peer; the staff by their type; another student of the course is a student;
    anyone else (the admin) has none.
    """
    feedback = inst.feedback(course)
    hidden = {a.id for a in course.assignments if a.anonymous_grading and a.muted}
    kinds = {m.user_id: _STAFF_WORDS[m.type] for m in feedback.staff}
    assessors = {(r.assignment_id, r.reviewee_id, r.assessor_id) for r in feedback.reviews}
    rows = []
    for c in feedback.comments:
        if c.draft:
            continue
        author = None if c.assignment_id in hidden and c.author_id != inst.inbox_owner_id else c.author_id
        if author is None:
            role = None
        elif author == c.owner_id:
            role = "student"
        elif author in kinds:
            role = kinds[author]
        elif (c.assignment_id, c.owner_id, author) in assessors:
            role = "peer"
        else:
            role = "student" if author in course.enrollments else None
        rows.append(
            {"course_id": course.id, "assignment_id": c.assignment_id, "student_id": c.owner_id, "comment_id": c.id,
             "author_id": author, "author_role": role, "created_at": c.created_at, "edited_at": c.edited_at,
             "attempt": c.attempt, "comment": c.text, "media": c.media}
        )  # fmt: skip
    return typed("submission_comments", rows, ["course_id", "assignment_id", "student_id", "created_at", "comment_id"])


def peer_reviews(inst: Institution, course: Course) -> pd.DataFrame:
    """Every review, with the number of comments its assessor wrote on the reviewed submission."""
    feedback = inst.feedback(course)
    rows = [
        {"course_id": course.id, "assignment_id": r.assignment_id, "review_id": r.id, "assessor_id": r.assessor_id,
         "reviewee_id": r.reviewee_id, "asset_id": r.asset_id, "asset_type": "Submission",
         "workflow_state": r.workflow_state,
         "comments": sum(c.author_id == r.assessor_id for c in feedback.comments if c.submission_id == r.asset_id)}
        for r in feedback.reviews
    ]  # fmt: skip
    return typed("peer_reviews", rows, ["course_id", "assignment_id", "reviewee_id", "review_id"])


def first_course(inst: Institution) -> Course:
    """The institution's first course with students (the one the sample and most tests use)."""
    return next(c for c in inst.courses.values() if c.enrollments)
