"""Analytics payloads computed from the institution's events, in Canvas's real shapes.

``shape="real"`` answers as the Canvas source code does (what hosted Canvas sends);
``shape="documented"`` answers as the published API docs show. See
``shared/canvas-api.md`` for the differences.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Literal

import numpy as np

from .institution import Institution
from .model import CATEGORIES, Assignment, Course, Enrollment

TARDINESS = ("on_time", "late", "missing", "floating")
Shape = Literal["real", "documented"]  # what the Canvas source sends, or what the API docs show
Buckets = Literal["hour", "day"]  # per-student page-view keys: hosted Canvas, or self-hosted


def iso(value: datetime | None, offset_minutes: int = 0) -> str | None:
    """Canvas's timestamp format: whole seconds, ``Z`` for UTC, else ``±HH:MM``."""
    if value is None:
        return None
    if offset_minutes == 0:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat(timespec="seconds")


def _day(epoch_seconds: np.ndarray) -> np.ndarray:
    return epoch_seconds.astype("datetime64[s]").astype("datetime64[D]").astype(str)


def course_daily(course: Course) -> dict[str, tuple[int, int]]:
    """UTC day -> (views, participations), summed over the course's students."""
    views: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    for e in course.enrollments.values():
        for day, v in zip(_day(e.hours), e.views, strict=True):
            views[str(day)] += int(v)
        for created_at, _ in e.participations:
            parts[created_at.strftime("%Y-%m-%d")] += 1
    return {d: (views[d], parts[d]) for d in set(views) | set(parts)}


def course_activity(course: Course, rng: np.random.Generator) -> list[dict]:
    rows = [{"date": d, "views": v, "participations": p} for d, (v, p) in course_daily(course).items()]
    rng.shuffle(rows)  # real Canvas does not order these
    return rows


def score_statistics(course: Course, a: Assignment) -> dict[str, float] | None:
    """min, quartiles and max of the scores, or None when nobody has a score."""
    scores = [s for e in course.enrollments.values() if (s := e.submissions[a.id].score) is not None]
    if not scores:
        return None
    q1, med, q3 = (float(x) for x in np.percentile(scores, [25, 50, 75]))
    return {
        "min_score": min(scores),
        "first_quartile": q1,
        "median": med,
        "third_quartile": q3,
        "max_score": max(scores),
    }


def statuses(course: Course, a: Assignment) -> Counter[str]:
    return Counter(e.submissions[a.id].status for e in course.enrollments.values())


def course_assignments(course: Course, shape: Shape = "real") -> list[dict]:
    rows = []
    for a in course.assignments:
        row: dict = {
            "assignment_id": a.id,
            "title": a.title,
            "due_at": iso(a.due_at, a.tz_offset if shape == "documented" else 0),
            "muted": a.muted,
            "points_possible": a.points_possible,
        }
        stats = score_statistics(course, a)
        counts, total = statuses(course, a), len(course.enrollments)
        if shape == "real":
            row["non_digital_submission"] = a.non_digital_submission
            if a.points_possible is not None:
                row.update(
                    stats or dict.fromkeys(("min_score", "max_score", "first_quartile", "median", "third_quartile"))
                )
            row["tardiness_breakdown"] = {k: counts[k] / total for k in ("missing", "late", "on_time")} | {
                "total": total
            }
        else:
            row["unlock_at"] = iso(a.unlock_at, a.tz_offset)
            row["module_ids"] = a.module_ids
            row["multiple_due_dates"] = False
            scored = sum(1 for e in course.enrollments.values() if e.submissions[a.id].score is not None)
            if stats and scored >= 5:
                row.update(stats)
            row["tardiness_breakdown"] = {k: counts[k] / total for k in TARDINESS}
        rows.append(row)
    return rows


def page_view_total(e: Enrollment) -> int:
    return int(e.views.sum())


def level(value: int, maximum: int) -> int:
    """Canvas's 0-3 engagement level relative to the course maximum."""
    if value <= 0 or maximum <= 0:
        return 0
    return 1 + min(2, int(3 * value / (maximum + 1)))


def student_summaries(course: Course, shape: Shape = "real") -> list[dict]:
    views = {sid: page_view_total(e) for sid, e in course.enrollments.items()}
    parts = {sid: len(e.participations) for sid, e in course.enrollments.items()}
    max_views, max_parts = max(views.values(), default=0), max(parts.values(), default=0)
    rows = []
    for sid, e in course.enrollments.items():
        counts = Counter(s.status for s in e.submissions.values())
        tardiness = {"total": len(e.submissions)} | {k: counts[k] for k in TARDINESS}
        row: dict = {
            "id": sid,
            # Canvas sends null for a student who never opened the course.
            "page_views": views[sid] or None,
            "participations": parts[sid] if views[sid] else None,
            "tardiness_breakdown": tardiness,
        }
        v_level, p_level = level(views[sid], max_views), level(parts[sid], max_parts)
        if shape == "real":
            row |= {
                "max_page_views": max_views,
                "max_participations": max_parts,
                "page_views_level": v_level,
                "participations_level": p_level,
            }
        else:
            row |= {
                "max_page_view": max_views,
                "max_participations": max_parts,
                "page_views_level": str(v_level),
                "participations_level": str(p_level),
            }
        rows.append(row)
    return rows


SORT_KEYS = {
    "name": lambda c, r: c.enrollments[r["id"]].student.sortable_name,
    "score": lambda c, r: sum((s.score or 0) for s in c.enrollments[r["id"]].submissions.values()),
    "participations": lambda c, r: r["participations"] or 0,
    "page_views": lambda c, r: r["page_views"] or 0,
}


def sort_summaries(course: Course, rows: list[dict], sort_column: str | None) -> list[dict]:
    column = sort_column or "name"
    descending = column.endswith("_descending")
    key = SORT_KEYS.get(column.removesuffix("_descending"))
    if key is None:  # unknown values silently fall back to name, as Canvas does
        key, descending = SORT_KEYS["name"], False
    return sorted(rows, key=lambda r: (key(course, r), r["id"]), reverse=descending)


def student_activity(e: Enrollment, buckets: Buckets = "hour") -> dict:
    if buckets == "day":
        per_day: Counter[str] = Counter()
        for day, v in zip(_day(e.hours), e.views, strict=True):
            per_day[str(day)] += int(v)
        page_views = dict(per_day)
    else:
        zone = timezone(timedelta(minutes=e.student.tz_offset))
        page_views = {
            datetime.fromtimestamp(int(h), zone).isoformat(timespec="seconds"): int(v)
            for h, v in zip(e.hours, e.views, strict=True)
        }
    participations = [{"created_at": iso(t), "url": url} for t, url in e.participations]
    return {"page_views": page_views, "participations": participations}


def student_assignments(course: Course, e: Enrollment, shape: Shape = "real") -> list[dict]:
    rows = []
    for a in course.assignments:
        offset = a.tz_offset if shape == "documented" else 0
        sub = e.submissions[a.id]
        row: dict = {
            "assignment_id": a.id,
            "title": a.title,
            "points_possible": a.points_possible,
            "due_at": iso(a.due_at, offset),
            "unlock_at": iso(a.unlock_at, offset),
            "muted": a.muted,
            "module_ids": a.module_ids,
        }
        stats = score_statistics(course, a)
        if stats and a.points_possible is not None:
            row.update(stats)
        if shape == "real":
            row |= {"non_digital_submission": a.non_digital_submission, "multiple_due_dates": False}
            row["excused"] = sub.excused  # the key exists because a submission row does
        if not (sub.excused and shape == "real"):  # Canvas sends no submission for excused work
            submission: dict = {"submitted_at": iso(sub.submitted_at, offset)}
            if sub.score is not None or shape == "real":
                submission["score"] = sub.score
            if sub.posted_at is not None or shape == "real":
                submission["posted_at"] = iso(sub.posted_at, offset)
            row["submission"] = submission
        if shape == "real":
            row["status"] = sub.status
        rows.append(row)
    return rows


def student_communication(e: Enrollment) -> dict:
    result = {}
    for day, (instructor, student) in e.messages.items():
        inner = {}
        if instructor:
            inner["instructorMessages"] = instructor
        if student:
            inner["studentMessages"] = student
        result[day] = inner
    return result


# -- department ------------------------------------------------------------------


def department_activity(courses: list[Course], shape: Shape = "real") -> dict:
    daily: Counter[str] = Counter()
    daily_parts: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for c in courses:
        for d, (v, p) in course_daily(c).items():
            daily[d] += v
            daily_parts[d] += p
        categories.update(c.category_views)
    days = sorted(daily)
    if shape == "documented":
        return {"by_date": {d: daily[d] for d in days}, "by_category": {k: categories[k] for k in CATEGORIES}}
    return {
        "by_date": [{"date": d, "views": daily[d], "participations": daily_parts[d]} for d in days],
        "by_category": [{"category": k, "views": categories[k]} for k in CATEGORIES],
    }


def current_grade(course: Course, e: Enrollment) -> int | None:
    """A student's current score in a course, binned to the nearest integer (None if ungraded)."""
    scored = [(s.score, a.points_possible) for a in course.assignments if (s := e.submissions[a.id]).score is not None]
    possible = sum(p for _, p in scored if p)
    if not possible:
        return None
    grade = int(np.rint(100 * sum(s for s, _ in scored) / possible))
    return grade if 0 <= grade <= 100 else None


def department_grades(courses: list[Course]) -> dict:
    counts: Counter[int] = Counter()
    for c in courses:
        for e in c.enrollments.values():
            grade = current_grade(c, e)
            if grade is not None:
                counts[grade] += 1
    # Canvas sends every bin 0..100; empty bins come as null.
    return {str(score): (counts[score] or None) for score in range(101)}


def statistics(inst: Institution, account_id: int, courses: list[Course]) -> dict:
    return {
        "courses": len(courses),
        "subaccounts": len(inst.account_tree(account_id)) - 1,
        "teachers": len({c.teacher_id for c in courses}),
        "students": len({sid for c in courses for sid in c.enrollments}),
        "discussion_topics": sum(c.discussion_topics for c in courses),
        "media_objects": sum(c.media_objects for c in courses),
        "attachments": sum(c.attachments for c in courses),
        "assignments": sum(len(c.assignments) for c in courses),
    }


def statistics_by_subaccount(inst: Institution, account_id: int, term: str) -> dict:
    selected = {c.id for c in inst.department_courses(account_id, term)}
    own = [c for c in inst.courses.values() if c.id in selected and c.account_id == account_id]
    rows = [(inst.accounts[account_id], own)]
    for sub in inst.subaccounts_of(account_id):
        tree = inst.account_tree(sub.id)
        rows.append((sub, [c for c in inst.courses.values() if c.id in selected and c.account_id in tree]))
    accounts = []
    for account, courses in rows:
        stats = statistics(inst, account.id, courses)
        del stats["subaccounts"]
        # Real Canvas leaves these four at zero in this endpoint.
        stats |= {"discussion_topics": 0, "media_objects": 0, "attachments": 0, "assignments": 0}
        accounts.append({"name": account.name, "id": account.id} | stats)
    return {"accounts": accounts}
