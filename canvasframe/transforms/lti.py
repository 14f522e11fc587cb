"""Canvas's LTI API (``/api/lti/accounts/...``) -> frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ResponseFormatError
from ..schemas import SCHEMAS, to_frame, to_table
from ._coerce import as_bool, as_id, as_int, as_str, column, records

__all__ = ["PLACEMENTS", "account", "data_services", "external_tools", "is_placement"]

PLACEMENTS = (
    "account_navigation",
    "assignment_edit",
    "assignment_group_menu",
    "assignment_index_menu",
    "assignment_menu",
    "assignment_selection",
    "assignment_view",
    "collaboration",
    "course_assignments_menu",
    "course_home_sub_navigation",
    "course_navigation",
    "course_settings_sub_navigation",
    "discussion_topic_index_menu",
    "discussion_topic_menu",
    "editor_button",
    "file_index_menu",
    "file_menu",
    "global_navigation",
    "homework_submission",
    "link_selection",
    "migration_selection",
    "module_group_menu",
    "module_index_menu",
    "module_index_menu_modal",
    "module_menu",
    "module_menu_modal",
    "post_grades",
    "quiz_index_menu",
    "quiz_menu",
    "resource_selection",
    "similarity_detection",
    "student_context_card",
    "submission_type_selection",
    "tool_configuration",
    "top_navigation",
    "user_navigation",
    "wiki_index_menu",
    "wiki_page_menu",
)
"""The placements Canvas documents. A tool's JSON may carry others (new ones appear with Canvas
releases), and every one is kept."""
# Object-valued keys of a tool that are settings, not placements.
_NOT_PLACEMENTS = frozenset({"custom_fields", "settings", "vendor_help_link"})
_PLACEMENT_KEYS = frozenset(
    {"enabled", "url", "target_link_uri", "text", "label", "message_type", "icon_url", "selection_width"}
)


def is_placement(key: str, value: Any) -> bool:
    """True for a tool's placement: a known name, or any other object that reads like one.

    A placement Canvas adds after this release (or a custom one) is an object with a launch
    setting (``enabled``, ``url``, ``text`` ...); a tool's other objects (``custom_fields``) are not.
    """
    if not isinstance(value, dict) or key in _NOT_PLACEMENTS:
        return False
    return key in PLACEMENTS or not _PLACEMENT_KEYS.isdisjoint(value)


def account(payload: Any, *, account_id: int, source: str = "LTI account") -> pd.DataFrame:
    """``/api/lti/accounts/:id`` -> one row."""
    rows = records([payload] if isinstance(payload, dict) else payload, source)
    columns = {
        "account_id": [account_id] * len(rows),
        "name": column(rows, "name", as_str, source),
        "workflow_state": column(rows, "workflow_state", as_str, source),
        "parent_account_id": column(rows, "parent_account_id", as_int, source, default=None),
        "root_account_id": column(rows, "root_account_id", as_int, source, default=None),
        "uuid": column(rows, "uuid", as_str, source),
        "default_time_zone": column(rows, "default_time_zone", as_str, source),
    }
    return to_frame(to_table(columns, "account"))


def external_tools(payload: Any, *, account_id: int, source: str = "external tools") -> pd.DataFrame:
    """``/api/lti/accounts/:id/external_tools`` -> one row per tool × placement (NA placement when it has none).

    Every placement the tool declares is a row, known or not (see :func:`is_placement`).
    """
    rows = []
    for tool in records(payload, source):
        base = {
            "account_id": account_id,
            "tool_id": as_id(tool.get("id"), "id", source),
            "name": as_str(tool.get("name"), "name", source),
            "domain": as_str(tool.get("domain"), "domain", source),
            "url": as_str(tool.get("url"), "url", source),
            "privacy_level": as_str(tool.get("privacy_level"), "privacy_level", source),
        }
        placements = [(name, value) for name, value in tool.items() if is_placement(name, value)]
        if not placements:
            rows.append(base | {"placement": None, "enabled": None, "text": None, "placement_url": None})
        for name, value in sorted(placements):
            rows.append(
                base
                | {
                    "placement": name,
                    "enabled": as_bool(value.get("enabled", True), "enabled", source),
                    "text": as_str(value.get("text"), "text", source),
                    "placement_url": as_str(value.get("url") or value.get("target_link_uri"), "url", source),
                }
            )
    columns = {name: [r[name] for r in rows] for name in SCHEMAS["external_tools"].names}
    return to_frame(to_table(columns, "external_tools"))


def data_services(payload: Any, *, account_id: int, source: str = "data services") -> pd.DataFrame:
    """``/api/lti/accounts/:id/data_services`` -> one row per live-events subscription."""
    rows = records(payload, source)
    metadata: list[dict[str, Any]] = [
        r["TransportMetadata"] if isinstance(r.get("TransportMetadata"), dict) else {} for r in rows
    ]
    events = []
    for r in rows:
        value = r.get("EventTypes") or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ResponseFormatError(source, "EventTypes is not a list of event names", value)
        events.append(value)
    columns = {
        "account_id": [account_id] * len(rows),
        "subscription_id": column(rows, "Id", as_str, source),
        "context_type": column(rows, "ContextType", as_str, source),
        "context_id": column(rows, "ContextId", as_str, source),
        "event_types": events,
        "transport_type": column(rows, "TransportType", as_str, source),
        "target_url": [as_str(m.get("Url"), "TransportMetadata.Url", source) for m in metadata],
        "format": column(rows, "Format", as_str, source),
        "owner_id": column(rows, "OwnerId", as_str, source),
    }
    return to_frame(to_table(columns, "data_services"))
