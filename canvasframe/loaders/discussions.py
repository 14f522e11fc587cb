"""Loaders of discussions (topics and every post) and of the token owner's inbox."""

from __future__ import annotations

import pandas as pd

from .._pipeline import Refresh, Unit, check_ids, run
from ..client import Canvas
from ._registry import Ids, loader

__all__ = ["load_conversations", "load_discussion_entries", "load_discussion_topics"]


def _announcements(value: object) -> dict[str, str]:
    """The topic listing's switch: Canvas lists announcements only with ``only_announcements=true``."""
    return {"only_announcements": "true"} if value else {}


@loader("discussion_topics", "course_id")
def load_discussion_topics(
    course_id: Ids,
    *,
    announcements: bool = False,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """A course's discussion topics, or its announcements (one row per course × topic).

    Canvas keeps announcements as discussion topics but lists them only when asked; the two
    are never mixed, so counts never double.

    Parameters
    ----------
    {course_id}
    announcements : bool
        The course's announcements instead of its discussion topics.
    {options}

    Examples
    --------
    {sample}
    >>> topics = cf.load_discussion_topics(canvas.sample_course_id)
    >>> topics[["title", "discussion_type", "reply_count"]]
                                   title discussion_type  reply_count
    0                      Introductions        threaded          268
    1         Reading discussion: week 3        threaded          290
    2          Project planning (groups)        threaded            0
    3                 Anonymous feedback        threaded          242
    4                     Muddiest point    side_comment          317
    5  Debate: open or closed textbooks?        threaded            0
    """
    units = [{"course_id": c} | _announcements(announcements) for c in check_ids(course_id, "course_id")]
    return run("discussion_topics", units, canvas, refresh, max_age, progress)


@loader("discussion_entries", "course_id")
def load_discussion_entries(
    course_id: Ids,
    topic_id: Ids | None = None,
    *,
    announcements: bool = False,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every post of a course's discussions (one row per course × topic × post).

    Read from each topic's full view (one request per topic, concurrently), which Canvas builds
    in the background: while it answers 503 the loader waits, up to the session's
    ``poll_timeout``. Posts newer than the built view (Canvas's ``new_entries``) are merged in
    once. A group discussion's posts come from its per-group child topics and carry their
    ``group_id``. A deleted post keeps its row (``deleted`` True, no author, no text) so its
    replies keep their parent; in an anonymous topic ``user_id`` is NA and ``anonymous_id``
    tells authors apart within the topic.

    Parameters
    ----------
    {course_id}
    topic_id : int or list of int, optional
        The topics to read (every topic of the course when None).
    announcements : bool
        Read the course's announcements instead of its discussion topics.
    {options}

    Raises
    ------
    PermissionDenied
        A topic requires a first post from the token's user before replies are visible.
    ConfigError
        A ``topic_id`` is not a topic of the course (or not an announcement with ``announcements=True``).

    Examples
    --------
    {sample}
    >>> posts = cf.load_discussion_entries(canvas.sample_course_id)
    >>> posts.groupby("topic_id")["entry_id"].count()
    topic_id
    1001001    283
    1001002    315
    1001003    304
    1001004    256
    1001005    330
    Name: entry_id, dtype: int64
    """
    topics: object = "all" if topic_id is None else sorted(check_ids(topic_id, "topic_id"))
    # A unit is the topic listing's unit plus the topics chosen from it.
    units: list[Unit] = [
        {"course_id": c} | _announcements(announcements) | {"topics": topics} for c in check_ids(course_id, "course_id")
    ]
    return run("discussion_entries", units, canvas, refresh, max_age, progress)


@loader("conversations", "course_id")
def load_conversations(
    course_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The token owner's inbox: one row per message of their conversations.

    Canvas has no course-wide listing of conversations: this is what the token's user sent
    and received, nothing else (a teacher's token gives that teacher's conversations with
    students). Nothing is marked read: every request says ``auto_mark_as_read=false``. The
    listing is read in three scopes, each conversation once: the inbox (Canvas's default, which
    leaves out archived conversations), ``archived``, and ``sent`` (a message nobody answered may
    be listed only there).
    Cached per Canvas host like every frame; people sharing a cache folder should give each
    token its own ``cache_namespace=``.

    Parameters
    ----------
    course_id : int or list of int, optional
        Only conversations of these courses (Canvas's ``filter[]=course_<id>``); every
        conversation when None.
    {options}

    Examples
    --------
    {sample}
    >>> inbox = cf.load_conversations(canvas.sample_course_id)
    >>> teacher = inbox["participant_ids"].str[0]
    >>> inbox.groupby(inbox["author_id"].eq(teacher).map({{True: "instructor", False: "student"}})).size()
    instructor    164
    student       164
    dtype: int64
    """
    filters = [None] if course_id is None else [f"course_{c}" for c in check_ids(course_id, "course_id")]
    units: list[Unit] = [{"filter[]": f} if f else {} for f in filters]
    return run("conversations", units, canvas, refresh, max_age, progress)
