"""Discussion and inbox answers computed from the institution's forums, in Canvas's real shapes.

See ``shared/canvas-api.md`` §"Discussions and conversations": topics list announcements only
when asked, a group discussion's posts live in its child topics, the full view nests replies,
hides deleted and anonymous authors, and leaves posts newer than the built view to
``new_entries``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from .discussions import NEW_ENTRY_WINDOW, Conversation, Entry, Topic
from .views import iso

__all__ = ["conversation", "conversation_summary", "full_view", "topic_json"]


def topic_json(topic: Topic, site: str) -> dict:
    """One topic as ``GET /courses/:id/discussion_topics`` lists it."""
    replies = [e for e in topic.entries if not e.deleted]
    row: dict = {
        "id": topic.id,
        "title": topic.title,
        "message": f"<p>{topic.title}</p>",
        "html_url": f"{site}/courses/{topic.course_id}/discussion_topics/{topic.id}",
        "posted_at": iso(topic.posted_at),
        "last_reply_at": iso(max(e.created_at for e in replies)) if replies else None,
        "require_initial_post": topic.kind == "debate",
        "discussion_subentry_count": 0 if topic.children else len(replies),
        "published": True,
        "locked": topic.locked,
        "pinned": False,
        "user_name": "Instructor",
        "author": {"id": topic.author_id, "display_name": "Instructor"},
        "discussion_type": topic.discussion_type,
        "is_announcement": topic.is_announcement,
        "anonymous_state": "full_anonymity" if topic.anonymous else None,
        "group_category_id": topic.group_category_id,
        "topic_children": [child for child, _ in topic.children],
        "group_topic_children": [{"id": child, "group_id": group} for child, group in topic.children],
        "assignment_id": topic.assignment_id,
        "allow_rating": True,
        "read_state": "read",
        "unread_count": 0,
    }
    if topic.assignment_id is not None:
        row["assignment"] = {
            "id": topic.assignment_id,
            "due_at": iso(topic.due_at),
            "points_possible": topic.points_possible,
        }
    return row


def _anonymous_id(topic_id: int, user_id: int) -> str:
    return hashlib.sha256(f"{topic_id}:{user_id}".encode()).hexdigest()[:5]


def _entry_json(entry: Entry, topic: Topic, children: dict[int, list[Entry]], built: set[int]) -> dict:
    row: dict = {
        "id": entry.id,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "parent_id": entry.parent_id,
        "rating_count": entry.rating_count or None,
        "rating_sum": entry.rating_count or None,
    }
    if entry.deleted:
        row["deleted"] = True
    else:
        row["message"] = entry.html
        if topic.anonymous:
            row["anonymous_id"] = _anonymous_id(topic.id, entry.author_id)
        else:
            row["user_id"] = entry.author_id
    if entry.editor_id is not None:
        row["editor_id"] = entry.editor_id
    replies = [c for c in children.get(entry.id, []) if c.id in built]
    if replies:
        row["replies"] = [_entry_json(c, topic, children, built) for c in replies]
    return row


def full_view(topic: Topic, holder: int, as_of: datetime, include_new: bool) -> dict:
    """``GET .../discussion_topics/:holder/view``: the built view, plus ``new_entries`` when asked."""
    entries = [e for e in topic.entries if e.topic_id == holder]
    cutoff = as_of - NEW_ENTRY_WINDOW
    built = {e.id for e in entries if e.created_at < cutoff}
    children: dict[int, list[Entry]] = {}
    for e in entries:
        if e.parent is not None:
            children.setdefault(e.parent.id, []).append(e)
    roots = [e for e in entries if e.parent is None and e.id in built]
    people = {e.author_id for e in entries if not e.deleted and not topic.anonymous}
    people |= {e.editor_id for e in entries if e.editor_id is not None and not topic.anonymous}
    answer: dict = {
        "participants": [{"id": p, "display_name": f"User {p}"} for p in sorted(people)],
        "unread_entries": [],
        "forced_entries": [],
        "entry_ratings": {},
        "view": [_entry_json(e, topic, children, built) for e in roots],
    }
    if include_new:
        fresh = [e for e in entries if e.id not in built]
        # Eventually consistent: the newest post of the built view is listed again among the new ones.
        overlap = [max((e for e in entries if e.id in built), key=lambda e: e.id)] if built and fresh else []
        answer["new_entries"] = [_entry_json(e, topic, {}, set()) for e in overlap + fresh]
    return answer


def conversation_summary(c: Conversation) -> dict:
    """One conversation as ``GET /conversations`` lists it."""
    last = c.messages[-1]
    return {
        "id": c.id,
        "subject": c.subject,
        "workflow_state": c.workflow_state,
        "last_message": last.body[:100],
        "last_message_at": iso(last.created_at),
        "message_count": len(c.messages),
        "audience": c.participant_ids[1:],
        "participants": [{"id": p, "name": f"User {p}"} for p in c.participant_ids],
        "context_code": f"course_{c.course_id}",
        "context_name": f"Course {c.course_id}",
    }


def conversation(c: Conversation) -> dict:
    """``GET /conversations/:id``: the summary plus every message, newest first."""
    messages = [
        {
            "id": m.id,
            "created_at": iso(m.created_at),
            "body": m.body,
            "author_id": m.author_id,
            "generated": False,
            "forwarded_messages": [],
            "attachments": [],
            "media_comment": None,
            "participating_user_ids": c.participant_ids,
        }
        for m in reversed(c.messages)
    ]
    return conversation_summary(c) | {"messages": messages}
