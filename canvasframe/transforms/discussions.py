"""Discussion topics, their full views and inbox conversations -> frames.

A full view nests replies inside their parent (``replies``, recursively) and leaves posts
newer than the built view to a flat ``new_entries`` list; both become one row per post.
A deleted post keeps its row and its place in the tree; its author is unknown (Canvas's
``editor_id`` on it is whoever deleted it). Text arrives as HTML and is kept as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import html_text
import pandas as pd

from ._coerce import (
    as_bool,
    as_float,
    as_id,
    as_ids,
    as_int,
    as_str,
    build,
    column,
    constant,
    json_object,
    records,
    utc_timestamps,
)

__all__ = ["conversation_ids", "conversations", "discussion_entries", "discussion_topics", "plain_text", "word_count"]

TopicPayloads = Iterable[tuple[Mapping[str, Any], Any]]  # ({"topic_id", "group_id", "due_at"}, view)
ConversationPayloads = Iterable[tuple[int, Any]]

CONVERSATIONS_ORDER = ("created_at", "message_id")  # every message of the inbox, oldest first


def plain_text(value: str | None) -> str | None:
    """HTML as Canvas's editor writes it -> plain text: tags gone, entities decoded, paragraphs kept.

    Examples
    --------
    >>> plain_text("<p>Fish &amp; chips</p><p>for&nbsp;<b>two</b></p>")
    'Fish & chips\\n\\nfor two'
    """
    if value is None:
        return None
    return str(html_text.extract_text(value))


def word_count(text: str | None) -> int:
    """Whitespace-separated words; 0 for no text."""
    return len(text.split()) if text else 0


def _nested_author(row: dict, source: str) -> int | None:
    author = row.get("author")
    if isinstance(author, dict) and author.get("id") is not None:
        return as_id(author["id"], "author.id", source)
    value = row.get("user_id")
    return as_id(value, "user_id", source) if value is not None else None


def discussion_topics(payload: Any, *, course_id: int, source: str = "discussion topics") -> pd.DataFrame:
    """``GET /courses/:id/discussion_topics`` -> one row per course × topic."""
    rows = records(payload, source)
    assignments = [json_object(r.get("assignment") or {}, source, "'assignment' as an object") for r in rows]
    children = [records(r.get("group_topic_children") or [], source, "'group_topic_children' as a list") for r in rows]
    columns = {
        "course_id": constant(course_id, len(rows)),
        "topic_id": [as_id(r.get("id"), "id", source) for r in rows],
        "title": column(rows, "title", as_str, source),
        "author_id": [_nested_author(r, source) for r in rows],
        "posted_at": utc_timestamps([r.get("posted_at") for r in rows], "posted_at", source),
        "last_reply_at": utc_timestamps([r.get("last_reply_at") for r in rows], "last_reply_at", source),
        "due_at": utc_timestamps([a.get("due_at") for a in assignments], "assignment.due_at", source),
        "assignment_id": [
            as_int(r.get("assignment_id", a.get("id")), "assignment_id", source, None)
            for r, a in zip(rows, assignments, strict=True)
        ],
        "points_possible": [
            as_float(a.get("points_possible"), "assignment.points_possible", source) for a in assignments
        ],
        "discussion_type": column(rows, "discussion_type", as_str, source),
        "is_announcement": [bool(as_bool(r.get("is_announcement"), "is_announcement", source)) for r in rows],
        "group_category_id": column(rows, "group_category_id", as_int, source, default=None),
        "group_topic_ids": [[as_id(c.get("id"), "group_topic_children[].id", source) for c in cs] for cs in children],
        "group_ids": [
            [as_id(c.get("group_id"), "group_topic_children[].group_id", source) for c in cs] for cs in children
        ],
        "published": column(rows, "published", as_bool, source),
        "locked": column(rows, "locked", as_bool, source),
        "require_initial_post": column(rows, "require_initial_post", as_bool, source),
        "anonymous_state": column(rows, "anonymous_state", as_str, source),
        "reply_count": column(rows, "discussion_subentry_count", as_int, source),
    }
    return build("discussion_topics", columns, ["course_id", "topic_id"])


def _flatten(view: list[Any], source: str) -> list[tuple[dict, int]]:
    """Every entry of a nested view with its depth (1 = top level), parents before replies; no recursion."""
    out: list[tuple[dict, int]] = []
    stack = [(e, 1) for e in reversed(records(view, source, "'view' as a list of entries"))]
    while stack:
        entry, depth = stack.pop()
        out.append((entry, depth))
        replies = records(entry.get("replies") or [], source, "'replies' as a list of entries")
        stack.extend((r, depth + 1) for r in reversed(replies))
    return out


def _merge_new(entries: list[tuple[dict, int]], new: list[dict], source: str) -> list[tuple[dict, int]]:
    """Add ``new_entries`` that the built view lacks; a post in both is kept once (the view's copy)."""
    seen = {as_id(e.get("id"), "id", source): depth for e, depth in entries}
    merged = list(entries)
    for entry in new:  # oldest first, so a reply's parent comes before it
        entry_id = as_id(entry.get("id"), "id", source)
        if entry_id in seen:
            continue
        parent = as_int(entry.get("parent_id"), "parent_id", source, None)
        depth = seen.get(parent, 0) + 1 if parent is not None else 1
        seen[entry_id] = depth
        merged.append((entry, depth))
    return merged


def discussion_entries(payloads: TopicPayloads, *, course_id: int, source: str = "discussion view") -> pd.DataFrame:
    """Full views, one per topic (or group child topic) -> one row per course × topic × post.

    ``posted_after_due`` compares each post with the topic's ``due_at`` (NA when it has none).
    In a fully anonymous topic (the key's ``anonymous``) ``user_id`` is NA even where a server
    sends it: the promise is the loader's docstring's, not the server's.
    """
    topic_ids, group_ids, dues, rows, depths, hidden = [], [], [], [], [], []
    for key, payload in payloads:
        body = json_object(payload, source, "a discussion view (a JSON object)")
        flat = _flatten(body.get("view") or [], source)
        flat = _merge_new(flat, records(body.get("new_entries") or [], source, "'new_entries' as a list"), source)
        for entry, depth in flat:
            topic_ids.append(key["topic_id"])
            group_ids.append(key.get("group_id"))
            dues.append(key.get("due_at"))
            rows.append(entry)
            depths.append(depth)
            hidden.append(bool(key.get("anonymous")))
    deleted = [bool(as_bool(r.get("deleted"), "deleted", source)) for r in rows]
    texts = [
        None if gone else plain_text(as_str(r.get("message"), "message", source))
        for r, gone in zip(rows, deleted, strict=True)
    ]
    created = utc_timestamps([r.get("created_at") for r in rows], "created_at", source)
    due = pd.DatetimeIndex(pd.Series(dues, dtype="datetime64[us, UTC]"))
    after = pd.array(created > due, dtype="boolean")
    after[due.isna()] = pd.NA
    columns = {
        "course_id": constant(course_id, len(rows)),
        "topic_id": topic_ids,
        "group_id": group_ids,
        "entry_id": [as_id(r.get("id"), "id", source) for r in rows],
        "parent_id": column(rows, "parent_id", as_int, source, default=None),
        "user_id": [
            None if gone or anonymous else as_int(r.get("user_id"), "user_id", source, None)
            for r, gone, anonymous in zip(rows, deleted, hidden, strict=True)
        ],
        "anonymous_id": column(rows, "anonymous_id", as_str, source),
        "editor_id": column(rows, "editor_id", as_int, source, default=None),
        "created_at": created,
        "updated_at": utc_timestamps([r.get("updated_at") for r in rows], "updated_at", source),
        "deleted": deleted,
        "depth": depths,
        "message": texts,
        "word_count": [word_count(t) for t in texts],
        "rating_count": column(rows, "rating_count", as_int, source),
        "rating_sum": column(rows, "rating_sum", as_int, source),
        "posted_after_due": after,
    }
    return build("discussion_entries", columns, ["course_id", "topic_id", "entry_id"])


def _course_of(context_code: Any, source: str) -> int | None:
    code = as_str(context_code, "context_code", source)
    if code and code.startswith("course_") and code[7:].isascii() and code[7:].isdigit():
        return int(code[7:])
    return None


def conversation_ids(payload: Any, *, source: str = "conversation list") -> list[int]:
    """``GET /conversations`` -> the conversations' ids, each once, in the order listed."""
    return list(dict.fromkeys(as_id(r.get("id"), "id", source) for r in records(payload, source)))


def conversations(payloads: ConversationPayloads, *, source: str = "conversations") -> pd.DataFrame:
    """``GET /conversations/:id`` answers -> one row per message."""
    ids, participants, courses, subjects, rows = [], [], [], [], []
    for conversation_id, payload in payloads:
        body = json_object(payload, source, "a conversation (a JSON object)")
        people = records(body.get("participants") or [], source, "'participants' as a list")
        members = [as_id(p.get("id"), "participants[].id", source) for p in people]
        for message in records(body.get("messages") or [], source, "'messages' as a list"):
            ids.append(conversation_id)
            listed = as_ids(message.get("participating_user_ids"), "participating_user_ids", source)
            participants.append(listed if listed is not None else members)
            courses.append(_course_of(body.get("context_code"), source))
            subjects.append(as_str(body.get("subject"), "subject", source))
            rows.append(message)
    texts = column(rows, "body", as_str, source)
    columns = {
        "conversation_id": ids,
        "message_id": [as_id(r.get("id"), "id", source) for r in rows],
        "author_id": [as_id(r.get("author_id"), "author_id", source) for r in rows],
        "created_at": utc_timestamps([r.get("created_at") for r in rows], "created_at", source),
        "participant_ids": participants,
        "course_id": courses,
        "subject": subjects,
        "generated": column(rows, "generated", as_bool, source),
        "body": texts,
        "word_count": [word_count(t) for t in texts],
    }
    return build("conversations", columns, CONVERSATIONS_ORDER)
