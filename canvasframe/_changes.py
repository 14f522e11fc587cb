"""``refresh="changed"``: ask Canvas's cheap change signals first, refetch only what they say may have changed.

A frame with a rule here (registered in ``_pipeline.CHANGE_RULES``; ``loaders._registry`` imports
this module for it) is rebuilt from the cache and a partial refetch; every other frame is
refetched whole, because none of Canvas's signals is safe for it yet (the reasons, read in
canvas-lms and the analytics plugin, are in ``docs/guide/refresh.md``). Either way the
frame's ``attrs["canvasframe"]["changed"]`` says which signal was asked and which parts were
reused and which refetched, and the result is cached as a plain load's would be. A signal
request that fails raises its typed error: the cache is never served as if it were fresh.

The inbox (``conversations``): see :func:`_conversations`. Per-student assignments
(``student_assignments``): see :func:`_student_assignments`, which combines three signals because
each alone has holes.

Per-student activity (``page_views`` and ``participations``, one request per student) is rebuilt
from ``student_summaries``, asked afresh (one request per 100 students; it is also the student
list a fan-out reads, and is cached). A student's cached rows are reused only when their hourly
views add up to the ``page_views`` total the summaries give now. The comparison is with the rows,
never with a total recorded at the last refresh: Canvas caches each student's answer apart from
the course's totals (about 12 hours each, filled at different moments), so a total can move
while the student's answer is still the old one. Such a student is asked again at every refresh
until the two agree, instead of being marked as seen and never caught up. A student with no
page views at all, or not listed before, is always asked (participations are not counted in the
totals in a comparable way: Canvas counts distinct assets there).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ._pipeline import (
    CHANGE_RULES,
    LoadOptions,
    Unit,
    cached_entry,
    cached_entry_as_of,
    conversation_listing,
    fetch_frames,
    fetch_unit,
    fresh_summary_pages,
    load_one,
    mark_changed,
    store_entry,
)
from ._roles import INSTRUCTOR_ROLES
from .client import Canvas
from .endpoints import ENDPOINTS, FRAMES
from .schemas import ASSIGNMENT_INFO, QUARTILE_NAMES, TARDINESS, empty_frame
from .transforms import TRANSFORMS
from .transforms._coerce import as_id

__all__ = ["SIGNALS"]

# endpoint -> the signal its rule asks
SIGNALS = {
    "student_activity": "student_summaries page_views",
    "conversations": "conversation list message_count and last_message_at",
    "student_assignments": "submissions graded_since and submitted_since, student_summaries tardiness",
    "communication": "the token owner's conversation list last_message_at (the course's only instructor)",
}
_OWNERS: weakref.WeakKeyDictionary[Canvas, int] = weakref.WeakKeyDictionary()  # session -> the token's user

# Canvas's Analytics keep each answer this long (the analytics plugin's cache); an answer asked for
# within it may still be the one filled before a change. SLACK covers a pull's own length and clocks.
ANALYTICS_CACHE = timedelta(hours=12)
SLACK = timedelta(hours=1)
# What each per-student assignments row says of its assignment (the same for every student, unless
# the assignment has several due dates): carried to the students not asked again, from fresh answers.
PER_ASSIGNMENT = tuple(f.name for f in ASSIGNMENT_INFO if f.name != "assignment_id") + QUARTILE_NAMES


def _student_activity(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    ep = FRAMES[frame]
    whole = replace(options, refresh=True)
    course_id = unit["course_id"]
    kept = replace(options, refresh=False, max_age=None)  # the last pull, however old
    before = {name: cached_entry(name, unit, kept) for name in ep.frames}
    # Nothing to build on (a frame never pulled, or one of the pair lost): every student is asked.
    complete = all(f is not None for f in before.values())
    previous = {name: f if complete and f is not None else empty_frame(name) for name, f in before.items()}
    views = previous["page_views"]
    seen = views.groupby("student_id")["views"].sum().to_dict() if len(views) else {}
    listed: list[int] = []
    totals: dict[int, Any] = {}

    def reusable(student: int) -> bool:
        total = totals.get(student)
        return total is not None and not pd.isna(total) and total > 0 and seen.get(student) == total

    def to_ask() -> Iterator[int]:
        """The students to ask again, decided page by page as the summaries arrive (asked afresh: the signal)."""
        everyone = unit["students"] == "all"
        for page in fresh_summary_pages({"course_id": course_id}, options):
            for student, total in zip(page["student_id"].tolist(), page["page_views"].tolist(), strict=True):
                listed.append(student)
                totals[student] = total
                if everyone and not reusable(student):
                    yield student
        if not everyone:
            yield from (s for s in unit["students"] if not reusable(s))

    fresh, urls = fetch_frames(ep, {**unit, "students": to_ask()}, whole)
    wanted = listed if unit["students"] == "all" else list(unit["students"])
    reuse = [s for s in wanted if reusable(s)]
    frames = {}
    for name in ep.frames:
        old = previous[name]
        kept_rows = old[old["student_id"].isin(reuse)].reset_index(drop=True)
        frames[name] = TRANSFORMS[name].combine(name, [kept_rows, fresh[name]])  # sorted as a whole pull sorts them
    summaries = options.canvas.url_for(FRAMES["student_summaries"].url_path({"course_id": course_id}))
    store_entry(options.canvas, frames, unit, [summaries, *urls])
    keys = {s: {"course_id": course_id, "student_id": s} for s in wanted}
    return mark_changed(
        frames[frame],
        SIGNALS["student_activity"],
        [keys[s] for s in reuse],
        [keys[s] for s in wanted if s not in reuse],
    )


def _listed_as_held(rows: pd.DataFrame, listed: dict) -> bool:
    """The conversation's messages in the cache are the ones its listing row counts, up to its last one."""
    count, last = listed.get("message_count"), listed.get("last_message_at")
    if not isinstance(count, int) or not isinstance(last, str) or len(rows) != count or not len(rows):
        return False
    return bool(rows["created_at"].max() == pd.Timestamp(last).tz_convert("UTC"))


def _conversations(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    """The inbox, rebuilt from the listing (three requests, one per scope): a conversation is asked
    again unless its cached messages are as many as its ``message_count`` and end at its
    ``last_message_at`` (a new message, a participant added, a message deleted all move one);
    archiving moves a conversation between scopes but changes none of its messages."""
    whole = replace(options, refresh=True)
    before = cached_entry(frame, unit, replace(options, refresh=False, max_age=None))
    previous = before if before is not None else empty_frame(frame)
    listed = conversation_listing(unit, whole)
    held = dict(tuple(previous.groupby("conversation_id", sort=False)))
    reuse = [c for c, row in listed.items() if c in held and _listed_as_held(held[c], row)]
    ask = [c for c in listed if c not in set(reuse)]
    fresh, urls = fetch_frames(FRAMES[frame], {**unit, "conversations": ask}, whole)
    kept_rows = previous[previous["conversation_id"].isin(reuse)].reset_index(drop=True)
    merged = TRANSFORMS[frame].combine(frame, [kept_rows, fresh[frame]])  # sorted as a whole pull sorts them
    listing = options.canvas.url_for(ENDPOINTS["conversation_list"].url_path(unit))
    store_entry(options.canvas, {frame: merged}, unit, [listing, *urls])
    keys = {c: {"conversation_id": c} for c in listed}
    return mark_changed(merged, SIGNALS["conversations"], [keys[c] for c in reuse], [keys[c] for c in ask])


def _listed_changes(course_id: int, since: datetime, options: LoadOptions) -> pd.DataFrame:
    """The submissions graded, and those submitted, after ``since`` (two requests: Canvas ANDs the
    two filters), as rows of the ``submissions`` frame."""
    ep, transform = ENDPOINTS["submission_changes"], TRANSFORMS["submissions"]
    parts = []
    for name in ("graded_since", "submitted_since"):
        unit = {"course_id": course_id, name: since.isoformat()}
        fetched = options.canvas.get_paginated(ep.url_path(unit), ep.params(unit))
        parts.append(transform(fetched.data, {"course_id": course_id}, source=fetched.urls[0]))
    return pd.concat(parts, ignore_index=True)


def _differs(listed: pd.DataFrame, held: pd.DataFrame) -> set[int]:
    """The students with a listed submission whose score or submission time the cached rows do not hold
    (a score only where the listing says the work is graded: ungraded, it sends none)."""
    key = ["student_id", "assignment_id"]
    both = listed[[*key, "score", "submitted_at", "graded_at"]].merge(
        held[[*key, "score", "submitted_at"]], on=key, how="left", suffixes=("", "_held"), indicator=True
    )
    scored = both["graded_at"].isna() | _same(both["score"], both["score_held"])
    same = (both["_merge"] == "both") & scored & _same(both["submitted_at"], both["submitted_at_held"])
    return set(both.loc[~same, "student_id"].tolist())


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a.isna() & b.isna()) | (a == b).fillna(False).astype(bool)


def _tardiness_moved(summaries: pd.DataFrame, held: pd.DataFrame) -> set[int]:
    """The students whose tardiness counts (live in the summaries) are not those of their cached rows'
    statuses (cached with the answer): a due date passed, an extension, a late submission."""
    statuses = held.dropna(subset=["status"])
    counts = pd.crosstab(statuses["student_id"], statuses["status"]).reindex(columns=list(TARDINESS), fill_value=0)
    live = summaries.set_index("student_id")[list(TARDINESS)]
    compared = live[live.index.isin(counts.index)]  # a student whose rows carry no status has none to go stale
    moved = (compared != counts.reindex(compared.index)).any(axis=1)
    return set(compared.index[moved].tolist())


def _per_assignment(rows: pd.DataFrame) -> dict[int, set[tuple]]:
    """Each assignment's per-assignment values, as the rows state them (one value when they agree)."""
    found: dict[int, set[tuple]] = {}
    for row in rows[["assignment_id", *PER_ASSIGNMENT]].itertuples(index=False):
        found.setdefault(row[0], set()).add(tuple(_hashable(v) for v in row[1:]))
    return found


def _hashable(value: Any) -> Any:
    """A cell as a comparable value: a list as a tuple, every missing value as None."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(value)
    return None if pd.isna(value) else value


def _carried(kept: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The kept rows with each assignment's values as the fresh answers give them."""
    values = fresh.drop_duplicates("assignment_id")[["assignment_id", *PER_ASSIGNMENT]]
    merged = kept.drop(columns=list(PER_ASSIGNMENT)).merge(values, on="assignment_id", how="left")
    return merged[list(kept.columns)]


def _student_assignments(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    """Per-student assignments from three signals, each with holes of its own (read in canvas-lms and
    the analytics plugin; docs/guide/refresh.md):

    - the submissions listing's ``graded_since`` / ``submitted_since`` (two requests), from 13 hours
      before the last pull (Canvas's clock): a student with a listed submission whose score or
      submission time the cached rows do not hold is asked again. Asked from that far back, a
      student whose answer Canvas still had cached is listed, and asked, until the rows agree.
    - ``student_summaries``' tardiness counts (live, while each per-student answer is cached): a
      student whose counts are not their cached statuses' is asked again (a due date passed).
    - the class statistics and assignment details every student's answer carries, which a regrade
      or an edit changes for all: the first student listed is always asked, and each assignment's
      values from the fresh answers are carried to the students not asked, when Canvas's cached
      answers have all expired since the last pull (more than 12 hours); within them, a change
      there means everyone is asked (Canvas may still answer some from its cache, as it would a
      cold pull). Assignments with several due dates are never carried: everyone is asked.
    """
    whole = replace(options, refresh=True)
    course_id = unit["course_id"]
    before, stored = cached_entry_as_of(frame, unit, replace(options, refresh=False, max_age=None))
    if before is None or stored is None:
        return _refetched_whole(frame, unit, whole, NO_BASE if before is None else NO_CLOCK)
    listed = _listed_changes(course_id, stored - ANALYTICS_CACHE - SLACK, whole)
    now = options.canvas.server_time or stored
    summaries = pd.concat(list(fresh_summary_pages({"course_id": course_id}, options)), ignore_index=True)
    everyone = summaries["student_id"].tolist()
    wanted = everyone if unit["students"] == "all" else list(unit["students"])
    held = set(before["student_id"].tolist())
    ask = (_differs(listed, before) | _tardiness_moved(summaries, before) | (set(wanted) - held)) & set(wanted)
    ask |= set(wanted[:1])  # one fresh answer at least: the class statistics and assignment details
    first = [s for s in wanted if s in ask]
    fetched, urls = fetch_frames(FRAMES[frame], {**unit, "students": first}, whole)
    fresh = fetched[frame]
    kept = before[before["student_id"].isin([s for s in wanted if s not in ask])].reset_index(drop=True)
    now_values, kept_values = _per_assignment(fresh), _per_assignment(kept)
    moved = [a for a, values in kept_values.items() if values != now_values.get(a, values)]
    settled = all(len(now_values[a]) == 1 for a in moved) and not fresh["multiple_due_dates"].fillna(False).any()
    carried: list[int] = []
    if moved and (now - stored < ANALYTICS_CACHE + SLACK or not settled):
        rest = [s for s in wanted if s not in ask]  # Canvas may still answer some from its cache: ask them
        more = fetch_frames(FRAMES[frame], {**unit, "students": rest}, whole)[0][frame]
        fresh, kept, ask = TRANSFORMS[frame].combine(frame, [fresh, more]), kept.iloc[:0], set(wanted)
    elif moved:
        kept, carried = _carried(kept, fresh), sorted(moved)
    result = _rebuilt(frame, unit, options, [kept, fresh], urls, wanted, ask)
    return _noted(result, carried=[{"assignment_id": a} for a in carried]) if carried else result


def _rebuilt(frame: str, unit: Unit, options: LoadOptions, parts: list[pd.DataFrame], urls: list[str],
             students: list[int], asked: set[int]) -> pd.DataFrame:  # fmt: skip
    """A per-student frame put together from the rows kept and those fetched again (sorted as a whole
    pull sorts them), cached as a plain load caches it, with the record of which students were
    reused and which asked again, in the order listed."""
    merged = TRANSFORMS[frame].combine(frame, parts)
    store_entry(options.canvas, {frame: merged}, unit, urls)
    keys = {s: {"course_id": unit["course_id"], "student_id": s} for s in students}
    return mark_changed(merged, SIGNALS[frame], [keys[s] for s in students if s not in asked],
                        [keys[s] for s in students if s in asked])  # fmt: skip


def _only_instructor(course_id: int, options: LoadOptions) -> bool:
    """The token's user is the course's one teacher or assistant (in any enrollment state): then every
    message the Analytics count between a student and an instructor is in the inbox canvasframe reads."""
    canvas = options.canvas
    owner = _OWNERS.get(canvas)
    if owner is None:  # asked once per session: a session's token is one user's
        me = canvas.get_json("users/self")
        owner = _OWNERS[canvas] = as_id(me.data.get("id") if isinstance(me.data, dict) else None, "id", me.urls[0])
    # The staff as Canvas lists them now (or as this pass of load_course has just read them: max_age).
    staff = load_one("staff", {"course_id": course_id}, replace(options, refresh=options.max_age is None))
    return set(staff.loc[staff["type"].isin(INSTRUCTOR_ROLES), "user_id"].tolist()) == {owner}


def _written_to_since(since: datetime, options: LoadOptions) -> set[int] | None:
    """The people in a conversation of the token owner's inbox with a message after ``since`` (every
    scope), or None when a conversation's listing row says too little to tell."""
    people: set[int] = set()
    for row in conversation_listing({}, options).values():
        last, participants = row.get("last_message_at"), row.get("participants")
        if not isinstance(last, str) or not isinstance(participants, list):
            return None
        if pd.Timestamp(last) > since:  # ids as numbers or as text (Canvas's string-ids mode)
            people.update(as_id(p.get("id"), "participants.id", "conversations") for p in participants
                          if isinstance(p, dict))  # fmt: skip
    return people


def _communication(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    """Messages between each student and the course's instructors, per day, from the token owner's
    inbox: complete only when the token's user is the course's only instructor (an assistant's
    messages are in the assistant's inbox, which no token but theirs can read), checked at each
    refresh from ``users/self`` and the course's staff; otherwise the frame is refetched whole, and
    its record says why. A student in a conversation with a message after 13 hours before the last
    pull (Canvas's clock: each per-student answer is cached about 12 hours) is asked again, as is a
    student new to the list; the others' rows are reused.
    """
    whole = replace(options, refresh=True)
    course_id = unit["course_id"]
    before, stored = cached_entry_as_of(frame, unit, replace(options, refresh=False, max_age=None))
    if before is None or stored is None:
        return _refetched_whole(frame, unit, whole, NO_BASE if before is None else NO_CLOCK)
    if not _only_instructor(course_id, whole):
        return _refetched_whole(frame, unit, whole, "the token's user is not the only instructor")
    people = _written_to_since(stored - ANALYTICS_CACHE - SLACK, whole)
    if people is None:
        return _refetched_whole(frame, unit, whole, "the conversation list does not say who wrote when")
    held = set(before["student_id"].tolist())
    asked: list[int] = []
    listed: list[int] = []

    def to_ask() -> Iterator[int]:
        if unit["students"] != "all":
            listed.extend(unit["students"])
        else:
            for page in fresh_summary_pages({"course_id": course_id}, options):
                listed.extend(page["student_id"].tolist())
        for student in listed:
            if student in people or student not in held:
                asked.append(student)
                yield student

    fresh, urls = fetch_frames(FRAMES[frame], {**unit, "students": to_ask()}, whole)
    kept = before[before["student_id"].isin(set(listed) - set(asked))].reset_index(drop=True)
    return _rebuilt(frame, unit, options, [kept, fresh[frame]], urls, listed, set(asked))


def _noted(frame: pd.DataFrame, **notes: Any) -> pd.DataFrame:
    frame.attrs["canvasframe"]["changed"].update(notes)
    return frame


NO_BASE = "no earlier pull to build on"
NO_CLOCK = "the cached frame does not say Canvas's time when it was pulled (an earlier release wrote it)"


def _refetched_whole(frame: str, unit: Unit, whole: LoadOptions, why: str) -> pd.DataFrame:
    """The frame fetched whole, its record saying no signal was used, and why."""
    fetched = fetch_unit(frame, unit, whole)
    return _noted(mark_changed(fetched, None, [], [{"course_id": unit["course_id"]}]), why=why)


CHANGE_RULES.update(dict.fromkeys(ENDPOINTS["student_activity"].frames, _student_activity))
CHANGE_RULES["conversations"] = _conversations
CHANGE_RULES["student_assignments"] = _student_assignments
CHANGE_RULES["communication"] = _communication
