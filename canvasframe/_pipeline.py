"""How every loader runs: check the arguments, read the cache, fetch, transform, store.

A loader turns its arguments into *units* (one account × term, one course, one
course's students) and calls :func:`run`. Each unit is one cache entry per frame, so
adding a course to a list refetches only that course. What to fetch for a unit is
read from its :class:`~canvasframe.endpoints.Endpoint` row and how to turn the answer
into a frame from :data:`~canvasframe.transforms.TRANSFORMS`; nothing here knows a
particular endpoint.
"""

from __future__ import annotations

import functools
import numbers
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import pandas as pd

from . import _settings as defaults
from ._fanout import iter_requests, run_units
from ._progress import enabled, progress_bar
from ._provenance import Provenance, now
from ._shared import SharedReadings, read_ahead
from ._version import __version__
from .cache import Cache, Lookup
from .client import Canvas, Fetched, default_canvas
from .endpoints import CONVERSATION_SCOPES, ENDPOINTS, FRAMES, TERM_SELECTORS, TERM_WORDS, Endpoint, FanOut
from .errors import CacheCorrupt, CacheMiss, ConfigError, NotFound, PermissionDenied, warn
from .schemas import SCHEMAS, empty_frame, fingerprint, to_frame, to_table
from .transforms import TRANSFORMS, conversation_ids, is_digits, quiz_ids, reviewed_assignment_ids

__all__ = [
    "CHANGED",
    "CHANGE_RULES",
    "LoadOptions",
    "Refresh",
    "Unit",
    "cached_entry",
    "cached_entry_as_of",
    "check_ids",
    "check_term",
    "conversation_listing",
    "fetch_frames",
    "fetch_unit",
    "fresh_summary_pages",
    "load_one",
    "mark_changed",
    "run",
    "store_entry",
    "students_of",
    "summary_pages",
]

Unit = dict[str, Any]
# refresh=CHANGED: ask Canvas's change signals first, refetch only what may have changed (_changes.py).
CHANGED: Literal["changed"] = "changed"
Refresh = bool | Literal["changed"]
CHUNK = 250  # a fan-out's answers turned into rows at a time (see fetch_frames)


# -- argument checks (all before any request) ---------------------------------------------


def check_ids(value: Any, name: str) -> list[int]:
    """One id or a sequence of them -> a list of non-negative ints, in order, without repeats."""
    if value is None:
        raise ConfigError(f"{name} is None; pass a Canvas id (an integer) or a list of them.")
    values = [value] if isinstance(value, (numbers.Integral, str, float)) else value
    try:
        values = list(values)
    except TypeError:
        raise ConfigError(f"{name} must be an integer id or a list of them, got {type(value).__name__}.") from None
    if not values:
        raise ConfigError(f"{name} is an empty list; pass at least one id.")
    result = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ConfigError(f"{name} must hold integer Canvas ids; {v!r} ({type(v).__name__}) is not one.")
        if not 0 <= int(v) < 2**63:  # Canvas's ids are int64: a larger one would fail only after a request
            raise ConfigError(f"{name} must hold Canvas ids from 0 to 2**63 - 1; got {v}.")
        result.append(int(v))
    unique = list(dict.fromkeys(result))
    if len(unique) < len(result):
        repeated = sorted(v for v, n in Counter(result).items() if n > 1)
        warn(f"{name} lists {repeated[:5]} more than once; each is loaded once.")
    return unique


def check_term(term: Any) -> str:
    """An Analytics term selector (one of :data:`~canvasframe.endpoints.TERM_SELECTORS`) or a term id, as text."""
    if term in TERM_SELECTORS:
        return str(term)
    if isinstance(term, numbers.Integral) and not isinstance(term, bool) and int(term) >= 0:
        return str(int(term))
    if isinstance(term, str) and is_digits(term):
        return term
    raise ConfigError(f"term must be {TERM_WORDS} or a term id (integer), got {term!r}.")


@dataclass(frozen=True)
class LoadOptions:
    """The options every loader takes, checked once and passed down as one value."""

    canvas: Canvas
    refresh: Refresh = False
    max_age: float | None = None
    progress: bool = True

    @classmethod
    def from_arguments(
        cls, canvas: Canvas | None, refresh: Refresh, max_age: float | None, progress: bool | None
    ) -> LoadOptions:
        if canvas is not None and not isinstance(canvas, Canvas):
            raise ConfigError(
                f"canvas must be a canvasframe Canvas session (cf.connect()), got {type(canvas).__name__}."
            )
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, numbers.Real) or max_age < 0):
            raise ConfigError(f"max_age must be a number of seconds >= 0, got {max_age!r}.")
        if not (isinstance(refresh, bool) or refresh == CHANGED):
            raise ConfigError(f"refresh must be True, False or {CHANGED!r}, got {refresh!r}.")
        session = canvas or default_canvas()
        return cls(session, refresh, max_age, enabled(progress, session.environment.progress))


# -- the cache ------------------------------------------------------------------------------


def _from_cache(table: Any, meta: Mapping[str, Any]) -> pd.DataFrame:
    return Provenance(meta["frame"], tuple(meta["sources"]), meta["fetched_at"], True).attach(to_frame(table))


def cached_entry(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame | None:
    """The cached frame, or None when it must be fetched (raises offline)."""
    return cached_entry_as_of(frame, unit, options)[0]


def cached_entry_as_of(frame: str, unit: Unit, options: LoadOptions) -> tuple[pd.DataFrame | None, datetime | None]:
    """:func:`cached_entry`, and Canvas's clock when the entry was stored (None when the entry, or
    the answers it was made from, did not say: a cache an older release wrote)."""
    found = _lookup(frame, unit, options)
    if found is None:
        return None, None
    try:
        stamp = datetime.fromisoformat(found.meta["canvas_time"])
    except (KeyError, TypeError, ValueError):  # not kept, or not a time: no clock to ask "since" by
        stamp = None
    return _from_cache(found.table, found.meta), stamp


def _lookup(frame: str, unit: Unit, options: LoadOptions) -> Lookup | None:
    canvas = options.canvas
    cache = Cache(canvas.cache_dir)
    found = cache.read(
        canvas.cache_namespace,
        frame,
        dict(unit),
        fingerprint(SCHEMAS[frame]),
        max_age=options.max_age,
        schema=SCHEMAS[frame],
    )
    if found.status == "hit" and not options.refresh:
        return found
    if canvas.offline:
        if found.status in ("hit", "stale"):  # offline, a stale or refreshed entry is all there is
            warn(f"offline: serving {frame} {dict(unit)} from a cache entry fetched at {found.meta['fetched_at']}")
            return found
        if found.status == "corrupt":
            raise CacheCorrupt(
                f"Offline, and the cached {frame} for {dict(unit)} of {canvas.cache_namespace} cannot be read "
                f"({found.problem}): {found.path}. Go online (offline=False) to refetch it.",
                frame=frame,
                namespace=canvas.cache_namespace,
                path=found.path,
            )
        raise CacheMiss(
            f"Offline, and {frame} for {dict(unit)} of {canvas.cache_namespace} is not in the cache at "
            f"{cache.directory}. Load it once online (cf.connect(..., offline=False)), then re-run offline.",
            frame=frame,
            namespace=canvas.cache_namespace,
            path=cache.directory,
        )
    if found.status == "corrupt":
        warn(
            f"cache file {found.path} for {frame} of {canvas.cache_namespace} is unreadable ({found.problem}); "
            "refetching it."
        )
    return None


def store_entry(canvas: Canvas, frames: Mapping[str, pd.DataFrame], unit: Unit, sources: list[str]) -> None:
    cache = Cache(canvas.cache_dir)
    fetched_at = now()
    for name, frame in frames.items():
        meta: dict[str, Any] = {
            "frame": name,
            "namespace": canvas.cache_namespace,
            "params": dict(unit),
            "sources": sources,
            "fetched_at": fetched_at,
            "canvas_time": None if canvas.server_time is None else canvas.server_time.isoformat(),
            "fingerprint": fingerprint(SCHEMAS[name]),
            "canvasframe_version": __version__,
        }
        table = to_table({c: frame[c] for c in frame.columns}, name)
        Provenance(name, tuple(sources), fetched_at, False).attach(frame)
        try:
            cache.write(cache.path(canvas.cache_namespace, name, dict(unit), meta["fingerprint"]), table, meta)
        except OSError as exc:  # a full disk or a folder you cannot write: the frame is still yours
            warn(
                f"could not cache {name} for {dict(unit)} in {cache.directory} ({type(exc).__name__}: "
                f"{exc.strerror or exc}); it is returned but will be fetched again next time. Free space "
                "or pass cache_dir= to cf.connect()."
            )


# -- fetching -------------------------------------------------------------------------------


def _fetch_once(ep: Endpoint, unit: Unit, canvas: Canvas) -> Fetched:
    path, params = ep.url_path(unit), ep.params(unit)
    if ep.paging == "paginated":
        return canvas.get_paginated(path, params)
    return canvas.get_json(path, params, poll_async=ep.paging == "async")


def _frames_by_parts(ep: Endpoint, unit: Unit, parts: Iterable[tuple[Any, str]]) -> dict[str, pd.DataFrame]:
    """Each frame ``ep`` feeds, its rows made part by part (``(payload, source)``) and put together in order."""
    made: dict[str, list[pd.DataFrame]] = {name: [] for name in ep.frames}
    for payload, source in parts:
        for name in ep.frames:
            made[name].append(TRANSFORMS[name](payload, unit, source=source))
    return {name: TRANSFORMS[name].combine(name, frames) for name, frames in made.items()}


def _streamed(ep: Endpoint, unit: Unit, canvas: Canvas) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every page of a large listing, each turned into rows as it arrives; the frames and the URLs read."""
    urls: list[str] = []

    def pages() -> Iterator[tuple[Any, str]]:
        # The next page is asked for while this one is turned into rows.
        for rows, url in read_ahead(canvas.iter_pages(ep.url_path(unit), ep.params(unit))):
            urls.append(url)
            yield rows, url

    return _frames_by_parts(ep, unit, pages()), urls


def _student_items(unit: Unit, options: LoadOptions) -> Iterable[tuple[Any, Unit]]:
    """Each student asked for, or every student of the course (from its ``student_summaries``).

    A student list not in the cache is read page by page, and each page's students are
    handed out as it arrives: a 10,000-student course's per-student requests start with the
    first hundred students, not after a hundred pages read one after another.
    """
    students: Iterable[int] | str = unit["students"]
    if students != "all":  # a list, or students decided while the list is still being read (_changes)
        return ((s, {"student_id": s}) for s in students)
    course = {"course_id": unit["course_id"]}
    cached = _cached_students(course, options)
    if cached is not None:
        return cached
    # Several fan-outs over this course at once (load_course runs them side by side) share one
    # reading of the list: each page is requested once, and each fan-out starts with the first.
    return _STUDENT_LISTS.follow((id(options.canvas), unit["course_id"]), lambda: _listed_now(course, options))


_STUDENT_LISTS = SharedReadings()


def students_of(course_id: int, students: Sequence[int] | str, options: LoadOptions) -> list[int]:
    """The students asked for (``students``), or every student of the course when it is ``"all"``."""
    return [student for student, _ in _student_items({"course_id": course_id, "students": students}, options)]


def _cached_students(course: Unit, options: LoadOptions) -> list[tuple[Any, Unit]] | None:
    cached = cached_entry("student_summaries", course, options)
    return None if cached is None else [(s, {"student_id": s}) for s in cached["student_id"].tolist()]


def _listed_now(course: Unit, options: LoadOptions) -> Iterator[tuple[Any, Unit]]:
    """The students as a reading that has just ended cached them, or read from Canvas page by page."""
    cached = _cached_students(course, options)
    return iter(cached) if cached is not None else _students_as_listed(course, options)


def _students_as_listed(course: Unit, options: LoadOptions) -> Iterator[tuple[Any, Unit]]:
    """The students of a course, page by page as Canvas lists them; the whole list is cached at the end."""
    for page in summary_pages(course, options):
        for student in page["student_id"].tolist():
            yield student, {"student_id": student}


def summary_pages(course: Unit, options: LoadOptions) -> Iterator[pd.DataFrame]:
    """A course's ``student_summaries``, page by page as Canvas lists them, each student once (a live
    list can show one on two pages); the whole list is cached at the end, as a plain load makes it."""
    ep, transform = FRAMES["student_summaries"], TRANSFORMS["student_summaries"]
    rows: list[Any] = []
    urls: list[str] = []
    seen: set[int] = set()
    try:
        for page, url in options.canvas.iter_pages(ep.url_path(course), ep.params(course)):
            rows.extend(page)
            urls.append(url)
            frame = transform(page, course, source=url)
            new = ~frame["student_id"].isin(seen) & ~frame["student_id"].duplicated()
            seen.update(frame["student_id"].tolist())
            yield frame[new]
    except NotFound:
        if urls:
            raise
        # No student list at all: the ordinary load tells an unknown course from one without
        # students, warns, and caches the empty list.
        yield load_one("student_summaries", course, options)
        return
    # The same frame a plain load makes: one transform over every row, in the order listed.
    store_entry(options.canvas, {"student_summaries": transform(rows, course, source=urls[0])}, course, urls)


_FRESH_SUMMARIES = SharedReadings()


def fresh_summary_pages(course: Unit, options: LoadOptions) -> Iterator[pd.DataFrame]:
    """A course's ``student_summaries`` as Canvas gives them now, the change signal several rules of
    ``refresh="changed"`` read: one reading shared by the rules running at once, or, within a pass
    of :func:`~canvasframe.loaders.load_course` (``options.max_age``: the pass's age), the list a
    rule of the pass has just read and cached."""

    def start() -> Iterator[pd.DataFrame]:
        if options.max_age is not None:
            cached = cached_entry("student_summaries", course, replace(options, refresh=False))
            if cached is not None:
                return iter([cached])
        return summary_pages(course, replace(options, refresh=True))

    return _FRESH_SUMMARIES.follow((id(options.canvas), course["course_id"]), start)


def _topic_items(unit: Unit, options: LoadOptions) -> list[tuple[Any, Unit]]:
    """Each topic asked for (every topic by default); a group discussion's child topics one by one."""
    course_id = unit["course_id"]
    listing = {key: value for key, value in unit.items() if key != "topics"}  # as load_discussion_topics asks
    announcements = "only_announcements" in listing
    topics = _load_units("discussion_topics", [listing], options)
    if unit["topics"] != "all":
        unknown = sorted(set(unit["topics"]) - set(topics["topic_id"]))
        if unknown:
            kind = "an announcement" if announcements else "a discussion topic (not an announcement)"
            raise ConfigError(
                f"topic_id {unknown} is not {kind} of course {course_id}; see cf.load_discussion_topics("
                f"{course_id}{', announcements=True' if announcements else ''}) for its topics, "
                "and pass announcements=True for announcements."
            )
        topics = topics[topics["topic_id"].isin(unit["topics"])]
    items: list[tuple[Any, Unit]] = []
    for topic in topics.itertuples(index=False):
        due = None if pd.isna(topic.due_at) else topic.due_at
        hidden = topic.anonymous_state == "full_anonymity"  # no author is ever named, whatever a server sends
        if len(topic.group_topic_ids):  # the root's own view is empty: its posts live in the child topics
            for child, group in zip(topic.group_topic_ids, topic.group_ids, strict=True):
                key = {"topic_id": topic.topic_id, "group_id": int(group), "due_at": due, "anonymous": hidden}
                items.append((key, {"context": f"groups/{int(group)}", "topic_id": int(child)}))
        else:
            key = {"topic_id": topic.topic_id, "group_id": None, "due_at": due, "anonymous": hidden}
            items.append((key, {"context": f"courses/{course_id}", "topic_id": topic.topic_id}))
    return items


def conversation_listing(unit: Unit, options: LoadOptions) -> dict[int, dict]:
    """The token owner's conversations in every scope (of one course when ``filter[]`` says so), each
    once, in the order listed: conversation id -> its row of the listing (``message_count`` ...)."""
    listing = ENDPOINTS["conversation_list"]
    found: dict[int, dict] = {}
    for scope in CONVERSATION_SCOPES:
        params = (listing.params(unit) or {}) | ({"scope": scope} if scope else {})
        fetched = options.canvas.get_paginated(listing.url_path(unit), params)
        rows = fetched.data if isinstance(fetched.data, list) else []
        by_id = {row.get("id"): row for row in rows if isinstance(row, dict)}
        for conversation in conversation_ids(fetched.data, source=fetched.urls[0]):
            found.setdefault(conversation, by_id.get(conversation, by_id.get(str(conversation), {})))
    return found


def _conversation_items(unit: Unit, options: LoadOptions) -> list[tuple[Any, Unit]]:
    """Each conversation asked for (``conversations``: decided by ``_changes``), else every one listed."""
    chosen = unit["conversations"] if "conversations" in unit else conversation_listing(unit, options)
    return [(c, {"conversation_id": c}) for c in chosen]


def _assignment_items(unit: Unit, options: LoadOptions) -> list[tuple[Any, Unit]]:
    """Each assignment of the course that has peer reviews (from the course's assignment list)."""
    listing = ENDPOINTS["assignment_list"]
    fetched = options.canvas.get_paginated(listing.url_path(unit), listing.params(unit))
    return [(a, {"assignment_id": a}) for a in reviewed_assignment_ids(fetched.data, source=fetched.urls[0])]


def _quiz_items(unit: Unit, options: LoadOptions) -> list[tuple[Any, Unit]]:
    """Each classic quiz of the course (from the course's quiz list)."""
    listing = ENDPOINTS["quizzes"]
    fetched = options.canvas.get_paginated(listing.url_path(unit), listing.params(unit))
    return [(q, {"quiz_id": q}) for q in quiz_ids(fetched.data, source=fetched.urls[0])]


_FAN_OUT_ITEMS: dict[FanOut, Callable[[Unit, LoadOptions], Iterable[tuple[Any, Unit]]]] = {
    "students": _student_items,
    "topics": _topic_items,
    "conversations": _conversation_items,
    "assignments": _assignment_items,
    "quizzes": _quiz_items,
}


def _fetch_item(ep: Endpoint, fields: Unit, key: Any, canvas: Canvas) -> Fetched:
    path, params = ep.url_path(fields), ep.params(fields)
    names = fields | (dict(key) if isinstance(key, Mapping) else {})
    try:
        if ep.builds:
            return canvas.get_built(path, params, what=ep.builds.format(**names))
        if ep.paging == "paginated":
            return canvas.get_paginated(path, params)
        return canvas.get_json(path, params)
    except PermissionDenied as exc:
        hint = ep.forbidden.get(exc.canvas_message or "")
        if hint is None:
            raise
        raise PermissionDenied(exc.status, exc.url, exc.canvas_message, hint=hint.format(**names)) from None


def _fetch_fanned(ep: Endpoint, unit: Unit, options: LoadOptions) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """One request per item (student, topic, conversation, assignment), concurrently; the frames they feed.

    Answers are turned into rows :data:`CHUNK` items at a time, in item order, when every frame
    they feed can be put together from parts (its transform has ``keys``): a 10,000-student
    course then holds a few hundred students' parsed JSON at a time, not all of it.
    """
    assert ep.fan_out is not None
    canvas = options.canvas
    list_items = _FAN_OUT_ITEMS[ep.fan_out]
    items: list[Any] = []  # the keys, in the order their calls were made

    def calls() -> Iterator[Callable[[], Fetched]]:
        for key, fields in list_items(unit, options):  # may still be reading the list
            items.append(key)
            yield functools.partial(_fetch_item, ep, unit | fields, key, canvas)

    label = f"course {unit['course_id']}" if "course_id" in unit else ep.fan_out
    bar = progress_bar(label, more_than=defaults.PROGRESS_THRESHOLD) if options.progress else None

    unfilled = {name: f":{name}" for _, name, _, _ in string.Formatter().parse(ep.path) if name and name not in unit}
    source = canvas.url_for(ep.url_path(unit | unfilled))
    chunk_size = CHUNK if all(TRANSFORMS[name].keys for name in ep.frames) else None

    def chunks() -> Iterator[tuple[list[tuple[Any, Any]], str]]:
        chunk: list[tuple[Any, Any]] = []
        made_any = False
        for n, result in enumerate(iter_requests(canvas, calls(), progress=bar)):
            chunk.append((items[n], result.data))
            if len(chunk) == chunk_size:
                yield chunk, source
                chunk, made_any = [], True
        if chunk or not made_any:  # the rest; or no item at all, which is still a frame
            yield chunk, source

    return _frames_by_parts(ep, unit, chunks()), [source]


def fetch_frames(ep: Endpoint, unit: Unit, options: LoadOptions) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every frame the call feeds, each row once, and the URLs read for them."""
    if ep.paging == "streamed":
        frames, urls = _streamed(ep, unit, options.canvas)
    elif ep.fan_out:
        frames, urls = _fetch_fanned(ep, unit, options)
    else:
        fetched = _fetch_once(ep, unit, options.canvas)
        frames = {name: TRANSFORMS[name](fetched.data, unit, source=fetched.urls[0]) for name in ep.frames}
        urls = fetched.urls
    return {name: TRANSFORMS[name].deduplicated(name, frame, urls[0]) for name, frame in frames.items()}, urls


def _raise_unless_course_exists(course_id: int, canvas: Canvas, analytics_404: NotFound) -> None:
    """Canvas's Analytics answer 404 both for an unknown course and for one without students: ask the course.

    Only a 404 there settles it; a token that may read the course's analytics but not the course
    itself (403) leaves it open, and the course is taken to exist.
    """
    try:
        canvas.get_json(f"courses/{course_id}")
    except PermissionDenied:
        return
    except NotFound as exc:
        raise NotFound(
            exc.status,
            exc.url,
            exc.canvas_message,
            hint=f"Course {course_id} does not exist or this token cannot see it; check the id.",
        ) from analytics_404


ChangeRule = Callable[[str, Unit, "LoadOptions"], pd.DataFrame]
CHANGE_RULES: dict[str, ChangeRule] = {}
"""Frame -> how ``refresh="changed"`` rebuilds it; :mod:`canvasframe._changes` registers its rules
(it builds on this module). A frame without one is refetched whole and says so."""


def mark_changed(frame: pd.DataFrame, signal: str | None, reused: list[dict], refetched: list[dict]) -> pd.DataFrame:
    """``frame`` with the record of what a ``refresh="changed"`` load reused and refetched (see Provenance)."""
    origin = Provenance.of(frame)
    return replace(origin, changed={"signal": signal, "reused": reused, "refetched": refetched}).attach(frame)


def load_one(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    if options.refresh == CHANGED:
        rule = CHANGE_RULES.get(frame)
        if rule is not None:
            return rule(frame, unit, options)
        whole = {k: v for k, v in unit.items() if k in ("account_id", "course_id", "term", "user_id")}
        return mark_changed(fetch_unit(frame, unit, replace(options, refresh=True)), None, [], [whole])
    cached = cached_entry(frame, unit, options)
    if cached is not None:
        return cached
    return fetch_unit(frame, unit, options)


def fetch_unit(frame: str, unit: Unit, options: LoadOptions) -> pd.DataFrame:
    """Fetch ``frame`` (and the frames its call feeds) for one unit, cache them, return ``frame``."""
    ep = FRAMES[frame]
    try:
        frames, urls = fetch_frames(ep, unit, options)
    except NotFound as exc:
        if not ep.empty_on_404:
            raise
        _raise_unless_course_exists(unit["course_id"], options.canvas, exc)
        # The course exists: Canvas's 404 means no students with analytics (none enrolled, none
        # active, or the course unpublished), which is an empty frame, not a failed load.
        warn(
            f"{frame}: course {unit['course_id']} has no students with analytics "
            f"(Canvas answered 404: {exc.canvas_message or 'not found'}); returning no rows for it."
        )
        empty = empty_frame(frame)
        return Provenance(frame, (exc.url,), None, False).attach(empty)
    store_entry(options.canvas, frames, unit, urls)
    return frames[frame]


def _load_units(frame: str, units: Iterable[Unit], options: LoadOptions) -> pd.DataFrame:
    """Every unit's frame, concatenated in input order.

    Several units (courses, accounts) load at once: each one's requests, fan-out included, go
    through the session's one concurrency governor, so course B's requests start while course
    A's last ones finish and the pull stays at the throttle's limit across course boundaries.
    Each unit is cached as soon as it is complete. The first failure stops the units not yet
    started and raises its typed error (whose URL names the course); units already running
    finish and stay cached, so a retry resumes from them.
    """
    units = list(units)
    if len(units) == 1:
        return load_one(frame, units[0], options)
    quiet = replace(options, progress=False)  # one bar over the units, not one per fan-out
    calls = [functools.partial(load_one, frame, unit, quiet) for unit in units]
    bar = progress_bar(f"{frame}: {len(units)} units", "unit") if options.progress else None
    return combine(frame, run_units(options.canvas, calls, progress=bar))


def combine(frame: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Several units' frames as one, in order, with their provenance merged (oldest fetch time)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return empty_frame(frame)
    combined = pd.concat(parts, ignore_index=True)
    return Provenance.merged(frame, [Provenance.of(p) for p in parts]).attach(combined)


def run(
    frame: str,
    units: list[Unit],
    canvas: Canvas | None,
    refresh: Refresh,
    max_age: float | None,
    progress: bool | None,
) -> pd.DataFrame:
    """Load ``frame`` for every unit (cache first) and concatenate them in order."""
    return _load_units(frame, units, LoadOptions.from_arguments(canvas, refresh, max_age, progress))
