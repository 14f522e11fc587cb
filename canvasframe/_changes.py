"""``refresh="changed"``: ask Canvas's cheap change signals first, refetch only what they say may have changed.

A frame with a rule here (registered in ``_pipeline.CHANGE_RULES``; ``loaders._registry`` imports
this module for it) is rebuilt from the cache and a partial refetch; every other frame is
refetched whole, because none of Canvas's signals is safe for it yet (the reasons, read in
canvas-lms and the analytics plugin, are in ``docs/guide/refresh.md``). Either way the
frame's ``attrs["canvasframe"]["changed"]`` says which signal was asked and which parts were
reused and which refetched, and the result is cached as a plain load's would be. A signal
request that fails raises its typed error: the cache is never served as if it were fresh.

The inbox (``conversations``): see :func:`_conversations`.

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

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pandas as pd

from ._pipeline import (
    CHANGE_RULES,
    LoadOptions,
    Unit,
    cached_entry,
    conversation_listing,
    fetch_frames,
    mark_changed,
    store_entry,
    summary_pages,
)
from .endpoints import ENDPOINTS, FRAMES
from .schemas import empty_frame
from .transforms import TRANSFORMS

__all__ = ["SIGNALS"]

# endpoint -> the signal its rule asks
SIGNALS = {
    "student_activity": "student_summaries page_views",
    "conversations": "conversation list message_count and last_message_at",
}


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
        for page in summary_pages({"course_id": course_id}, whole):
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


CHANGE_RULES.update(dict.fromkeys(ENDPOINTS["student_activity"].frames, _student_activity))
CHANGE_RULES["conversations"] = _conversations
