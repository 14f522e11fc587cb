"""Canvas's LTI API (``/api/lti/accounts/...``) -> frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ResponseFormatError
from ..schemas import SCHEMAS, to_frame, to_table
from ._coerce import as_bool, as_id, as_int, as_str, column, records

__all__ = ["PLACEMENTS", "account", "data_services", "external_tools"]

PLACEMENTS = (
    "account_navigation",
    "assignment_selection",
    "course_home_sub_navigation",
    "course_navigation",
    "editor_button",
    "global_navigation",
    "homework_submission",
    "link_selection",
    "migration_selection",
    "resource_selection",
    "user_navigation",
)


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
    """``/api/lti/accounts/:id/external_tools`` -> one row per tool × placement (NA placement when it has none)."""
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
        placements = [(name, value) for name, value in tool.items() if name in PLACEMENTS and isinstance(value, dict)]
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
