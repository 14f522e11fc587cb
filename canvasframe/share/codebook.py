"""What a bundle says about its data: a Frictionless Table Schema per resource, and the codebook.

Both are made from ``canvasframe/schemas.py`` (the one home of every column's meaning) and from
the data as written: a duration column ``x`` is written as ``x_seconds`` (unit ``s``), a list of
ids as a JSON array, times as ISO 8601 in UTC.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._csv import spreadsheet_frame
from .._frames import holds_lists
from ..datasets import PSEUDONYMIZED_COLUMNS
from ..endpoints import FRAMES
from ..schemas import SCHEMAS
from ..transforms import TRANSFORMS

__all__ = ["Resource", "codebook_html", "codebook_markdown", "flat", "table_schema"]

STUDENTS = "students"  # the resource every student_id refers to
ENUM_LIMIT = 12  # a text column with at most this many values lists them as its allowed values


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists of ids as JSON arrays, as the CSV file holds them (durations and times are ``csv_bytes``')."""
    out = frame.copy()
    for name in out.columns:
        if holds_lists(out[name]):
            out[name] = out[name].map(lambda v: None if v is None else json.dumps([int(i) for i in list(v)]))
    return out


@dataclass(frozen=True)
class Resource:
    """One table of a bundle: its name, its data as published, and where it came from."""

    name: str
    frame: pd.DataFrame  # as published: pseudonymised (the Parquet file's columns)
    source: str | None  # the loader's frame (a key of SCHEMAS), or None for a derived table
    kind: str = "data"  # "data" (row-level), "table" (aggregate, suppressed) or "key" (the students)

    @property
    def origin(self) -> str:
        if self.kind == "key":
            return "every pseudonymised student_id of the bundle (what student_id columns refer to)"
        if self.source is None:
            return "derived (an aggregate table, published after suppression)" if self.kind == "table" else "derived"
        endpoint = FRAMES.get(self.source)
        call = f"Canvas `{endpoint.display_path}`" if endpoint else "Canvas (see the frames page)"
        return f"{call}, loaded with `load_{self.source}`"

    @functools.cached_property
    def written(self) -> Resource:
        """This resource as its CSV file has it (a duration ``x`` as ``x_seconds``, lists as JSON): what the
        Table Schema and the codebook's columns describe. Made once, for the data package and both codebooks."""
        return Resource(self.name, spreadsheet_frame(flat(self.frame)), self.source, self.kind)


def _docs(source: str | None) -> dict[str, str]:
    if source is None or source not in SCHEMAS:
        return {}
    return {f.name: (f.metadata or {}).get(b"doc", b"").decode() for f in SCHEMAS[source]}


def _field(name: str, column: pd.Series, docs: Mapping[str, str]) -> dict[str, Any]:
    base = name.removesuffix("_seconds")
    field: dict[str, Any] = {"name": name, "description": docs.get(name) or docs.get(base, "")}
    if name in PSEUDONYMIZED_COLUMNS:
        field["description"] = f"{field['description']}; pseudonymised (the keyed HMAC pseudonym of the id)".lstrip(
            "; "
        )
    if name.endswith("_seconds") and base in docs:
        field |= {"type": "number", "unit": "s", "description": f"{docs[base]} (in seconds)"}
    elif pd.api.types.is_bool_dtype(column):
        field["type"] = "boolean"
    elif pd.api.types.is_integer_dtype(column):
        field["type"] = "integer"
    elif pd.api.types.is_float_dtype(column):
        field["type"] = "number"
    elif pd.api.types.is_datetime64_any_dtype(column):
        field |= {"type": "datetime", "description": f"{field['description']} (ISO 8601, UTC)".lstrip(" ")}
    elif column.map(lambda v: isinstance(v, str) and v.startswith("[")).all() and len(column):
        field["type"] = "array"
    else:
        field["type"] = "string"
        values = sorted({str(v) for v in column.dropna()})
        if 0 < len(values) <= ENUM_LIMIT and not name.endswith("_id"):
            field["constraints"] = {"enum": values}
    return field


def _unique(frame: pd.DataFrame, columns: list[str]) -> bool:
    return bool(columns) and all(c in frame for c in columns) and not frame.duplicated(columns).any()


def table_schema(resource: Resource) -> dict[str, Any]:
    """The Frictionless Table Schema of one resource: types, descriptions, units, keys."""
    frame, docs = resource.frame, _docs(resource.source)
    schema: dict[str, Any] = {"fields": [_field(str(c), frame[c], docs) for c in frame.columns], "missingValues": [""]}
    identity = list(TRANSFORMS[resource.source].identity) if resource.source in TRANSFORMS else []
    if resource.kind == "key":
        identity = ["student_id"]
    if _unique(frame, identity):
        schema["primaryKey"] = identity
    if "student_id" in frame.columns and resource.kind != "key":
        schema["foreignKeys"] = [
            {"fields": ["student_id"], "reference": {"resource": STUDENTS, "fields": ["student_id"]}}
        ]
    return schema


def _summary(resources: list[Resource], settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    data = [r.frame for r in resources if r.kind == "data"]
    times = [f[c] for f in data for c in f.columns if pd.api.types.is_datetime64_any_dtype(f[c])]
    stamps = pd.concat(
        [t.dropna().astype("datetime64[us, UTC]") for t in times if t.dt.tz is not None]
        or [pd.Series([], dtype="datetime64[us, UTC]")]
    )
    courses = sorted({int(c) for f in data if "course_id" in f for c in f["course_id"].dropna()})
    students = {s for f in data if "student_id" in f for s in f["student_id"].dropna()}
    window = f"{stamps.min():%Y-%m-%d} to {stamps.max():%Y-%m-%d} (UTC)" if len(stamps) else "no times"
    return [
        ("Time window", window),
        ("Courses", ", ".join(map(str, courses)) or "none"),
        ("Students", f"{len(students)} (pseudonymised)"),
        ("Smallest published cell", str(settings["min_cell"])),
        ("Quasi-identifiers", ", ".join(settings["quasi_identifiers"]) or "none"),
    ]


def _rows(resource: Resource) -> list[tuple[str, str, str, str, str, str]]:
    """Per column: its name, Table Schema type (the CSV's), pandas dtype (the Parquet file's), unit, meaning, values."""
    rows = []
    for field in table_schema(resource.written)["fields"]:
        values = ", ".join(field.get("constraints", {}).get("enum", []))
        name = field["name"]
        column = name if name in resource.frame else name.removesuffix("_seconds")
        dtype = str(resource.frame[column].dtype) if column in resource.frame else ""
        rows.append((name, field["type"], dtype, field.get("unit", ""), field["description"], values))
    return rows


def codebook_markdown(title: str, resources: list[Resource], settings: Mapping[str, Any]) -> str:
    """``CODEBOOK.md``: the bundle in summary, then every column of every resource."""
    lines = [f"# Codebook: {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in _summary(resources, settings)]
    for resource in resources:
        lines += ["", f"## `{resource.name}`", "", f"{len(resource.frame)} rows. Source: {resource.origin}.", ""]
        lines += ["| column | type | dtype | unit | meaning | values |", "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in _rows(resource)]
    return "\n".join(lines) + "\n"


def codebook_html(title: str, resources: list[Resource], settings: Mapping[str, Any]) -> str:
    """``codebook.html``: the same codebook as one page that opens without anything installed."""
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Codebook: {e(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}</style>",
             f"<h1>Codebook: {e(title)}</h1><ul>"]  # fmt: skip
    parts += [f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in _summary(resources, settings)]
    parts.append("</ul>")
    for resource in resources:
        parts.append(
            f"<h2><code>{e(resource.name)}</code></h2><p>{len(resource.frame)} rows. Source: {e(resource.origin)}.</p>"
        )
        parts.append(
            "<table><tr><th>column</th><th>type</th><th>dtype</th><th>unit</th><th>meaning</th><th>values</th></tr>"
        )
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in _rows(resource)]
        parts.append("</table>")
    return "".join(parts) + "</html>\n"
