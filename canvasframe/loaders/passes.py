"""``load_course``: several frames of one or many courses in one scheduled pass."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from .._fanout import iter_requests, run_units
from .._pipeline import CHANGED, Refresh, check_ids, combine
from .._progress import enabled, progress_bar
from .._provenance import Provenance
from ..client import Canvas, default_canvas
from ..endpoints import FRAMES
from ..errors import ConfigError
from ._registry import LOADERS, Ids

__all__ = ["COURSE_FRAMES", "load_course"]

COURSE_FRAMES = (
    "course_activity",
    "course_assignments",
    "student_summaries",
    "page_views",
    "participations",
    "student_assignments",
    "communication",
    "sections",
    "enrollments",
    "submissions",
    "submission_comments",
    "staff",
    "peer_reviews",
    "discussion_topics",
    "discussion_entries",
)
"""Every frame a course id alone loads, in the order :func:`load_course` lists them by default."""
# The list a frame's requests are made from, which loading the frame reads and caches on the way
# (the students a fan-out asks about, the topics whose posts it reads).
_READS: dict[str, tuple[str, ...]] = {"discussion_entries": ("discussion_topics",)}
_READS |= {frame: ("student_summaries",) for frame, ep in FRAMES.items() if ep.fan_out == "students"}
# The lists a frame's loader reads after its own call (the staff and reviews the comments' roles are
# read from): loaded beside the calls, not after them, and the call itself made by the frame beside
# it that reads nothing (the submissions: the same answer makes both frames).
_READ_AFTER: dict[str, tuple[str, ...]] = {"submission_comments": ("staff", "peer_reviews")}
# With refresh="changed", the communication rule reads the course's staff (who instructs it) first.
_READS_WHEN_CHANGED: dict[str, tuple[str, ...]] = {"communication": ("staff",)}
_CALLED_AS = {"submission_comments": "submissions"}


def load_course(
    course_id: Ids,
    frames: Sequence[str] = COURSE_FRAMES,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> dict[str, pd.DataFrame]:
    """Several frames of one or many courses, fetched in one scheduled pass.

    Every call of a course starts at once. The student list is read once, page by page, and
    each per-student fan-out starts with its first page; the topic list is read by the
    discussion entries' load; a call that feeds two frames (page views and participations come
    from one request per student) is made once. Several courses run side
    by side. Every request goes through the session's one concurrency governor, so the pass
    stays at the throttle's limit. Each frame is cached as soon as it is complete; on a failure
    the typed error is raised, and a second call resumes from what was cached.

    Parameters
    ----------
    course_id : int or list of int
        The course(s).
    frames : sequence of str
        Frame names (default: every frame a course id loads, :data:`COURSE_FRAMES`).
    canvas : Canvas, optional
        As for every loader.
    refresh : bool or "changed"
        Refetch what was cached before this call began; ``"changed"``: each frame as its loader's
        ``refresh="changed"`` refetches it (its change signal first), once in this pass.
    max_age : float, optional
        As for every loader.
    progress : bool, optional
        As for every loader.

    Returns
    -------
    dict of str to DataFrame
        Frame name -> the frame, with the courses in the order given, exactly as the frame's
        own loader returns it.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = cf.load_course(canvas.sample_course_id, frames=["student_summaries", "page_views", "participations"])
    >>> {name: len(frame) > 0 for name, frame in course.items()}
    {'student_summaries': True, 'page_views': True, 'participations': True}
    """
    ids = check_ids(course_id, "course_id")
    chosen = _checked(frames)
    session = canvas or default_canvas()
    started = int(time.time())  # the cache keeps fetch times to the second

    def load(course: int, frame: str, *, leader: bool = False) -> pd.DataFrame:
        # What this pass fetched counts as fresh, even with refresh=True or a short max_age: only
        # what was cached before the pass's second began is refetched. Fetch times are whole seconds,
        # so half a second of slack covers the cache's own clock reading without admitting older ones.
        fresh_since = time.time() - started + 0.5
        if leader and refresh == CHANGED:  # its change signal and partial refetch, once in this pass
            # max_age: a signal another frame's rule has read in this pass is not asked again.
            return LOADERS[frame].function(course, canvas=session, refresh=CHANGED, max_age=fresh_since, progress=False)
        age = fresh_since if refresh else (None if max_age is None else max(max_age, fresh_since))
        return LOADERS[frame].function(course, canvas=session, max_age=age, progress=False)

    def one_course(course: int) -> dict[str, pd.DataFrame]:
        # A list another chosen frame reads is loaded (and cached) by that frame's load, and
        # fan-outs running at once share one reading of the student list, so every call of the
        # course starts at once and each page is requested once. One frame per call: the others
        # of the same call (participations beside page views) are cached by it.
        reads = _READS | (_READS_WHEN_CHANGED if refresh == CHANGED else {})
        read_by_others = {read for f in chosen for read in reads.get(f, ())}
        wanted = [*chosen, *(read for f in chosen for read in _READ_AFTER.get(f, ()))]
        called = [_CALLED_AS.get(f, f) for f in wanted if f not in read_by_others]
        leaders = list({id(FRAMES[f]): f for f in reversed(called)}.values())
        calls = [functools.partial(load, course, f, leader=True) for f in leaders]
        led = dict(zip(leaders, iter_requests(session, calls), strict=True))  # each leader's frames are cached now
        frames = {f: load(course, f) for f in chosen}  # each from the cache now
        if refresh == CHANGED:  # each frame says what its call's refresh did (a list read by another: refetched)
            done = {id(FRAMES[f]): Provenance.of(frame).changed for f, frame in led.items()}
            whole = {"signal": None, "reused": [], "refetched": [{"course_id": course}]}
            for f, frame in frames.items():
                replace(Provenance.of(frame), changed=done.get(id(FRAMES[f])) or whole).attach(frame)
        return frames

    show = enabled(progress, session.environment.progress) and len(ids) > 1
    calls = [functools.partial(one_course, c) for c in ids]
    per_course = run_units(session, calls, progress=progress_bar(f"{len(chosen)} frames", "course") if show else None)
    return {f: combine(f, [course[f] for course in per_course]) for f in chosen}


def _checked(frames: Sequence[str]) -> list[str]:
    if isinstance(frames, str) or not all(isinstance(f, str) for f in frames):
        raise ConfigError(f"frames must be a list of frame names such as ['page_views'], got {frames!r}.")
    unknown = [f for f in frames if f not in COURSE_FRAMES]
    if unknown:
        raise ConfigError(f"load_course loads the frames of a course: {list(COURSE_FRAMES)}; not {unknown}.")
    return list(dict.fromkeys(frames))
