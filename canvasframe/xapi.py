"""xAPI statements <-> tidy frames: read files and LRSs, build statements, report activity to Canvas.

Durations are ISO 8601 (``PT4H35M59.14S``, ``P4W``, ``P1DT2H``) parsed with :mod:`isodate`.
Year and month parts have no fixed length, so they are resolved against the
statement's ``timestamp`` (calendar-exact: ``P1M`` from 31 January is 28 or 29
days); a statement without a timestamp uses the Gregorian averages (a year is
365.2425 days, a month a twelfth of that). ``canvas_duration`` is what Canvas
records for a page view from the statement: 5 seconds when the statement has
no duration, capped at 5 minutes.

>>> import canvasframe as cf
>>> frame = cf.xapi.read_statements("data/xapi/statements.json")  # doctest: +SKIP
>>> cf.plots.plot_page_view_heatmap(cf.xapi.to_page_views(frame))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import uuid
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import isodate
import numpy as np
import pandas as pd
import pyarrow as pa
import requests

from .client import LOCAL_HOSTS, raise_for_response
from .errors import CanvasframeWarning, ConfigError, NetworkError, ResponseFormatError, redact
from .schemas import SCHEMAS, to_frame, to_table
from .transforms import is_digits

__all__ = ["LRS", "read_statements", "send_to_canvas", "statement", "to_page_views"]

XAPI_VERSION = "1.0.3"
CANVAS_DEFAULT_DURATION = timedelta(seconds=5)
CANVAS_MAX_DURATION = timedelta(minutes=5)
_AVERAGE_YEAR = timedelta(days=365.2425)
ADL_VERBS = {
    v: f"http://adlnet.gov/expapi/verbs/{v}"
    for v in (
        "answered",
        "attempted",
        "completed",
        "experienced",
        "failed",
        "interacted",
        "launched",
        "passed",
        "progressed",
        "responded",
        "terminated",
        "initialized",
    )
}
_COURSE_IN_URL = re.compile(r"/courses/([0-9]+)")


# -- reading --------------------------------------------------------------------------------


class LRS:
    """A Learning Record Store to read statements from.

    Parameters
    ----------
    endpoint : str
        The LRS's xAPI base, e.g. ``https://lrs.example.edu/xapi``; ``https://`` except on localhost.
    auth : (str, str) or str, optional
        ``(key, secret)`` for HTTP Basic auth, or a whole ``Authorization`` header value.
        Never shown in a repr or error.
    timeout : (float, float)
        Connect and read timeouts.

    Examples
    --------
    >>> lrs = LRS("https://lrs.example.edu/xapi", auth=("key", "secret"))  # doctest: +SKIP
    >>> read_statements(lrs, verb="http://adlnet.gov/expapi/verbs/completed")  # doctest: +SKIP
    """

    def __init__(
        self,
        endpoint: str,
        auth: tuple[str, str] | str | None = None,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"LRS endpoint {redact(endpoint)!r} is not an http(s) URL.")
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise ConfigError(f"Refusing plain http:// to the LRS at {parts.hostname}; use https://.")
        self.endpoint = endpoint.rstrip("/") + "/"
        self.__auth = auth
        self.timeout = timeout
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"LRS({self.endpoint!r}, auth=[secure])"

    def pages(self, params: Mapping[str, Any]) -> Iterable[list[dict]]:
        """Yield each page of ``GET statements``, following ``more`` until it is empty."""
        headers = {"X-Experience-API-Version": XAPI_VERSION}
        auth = self.__auth
        if isinstance(auth, str):
            headers["Authorization"] = auth
            auth = None
        scheme, netloc = urlsplit(self.endpoint)[:2]
        origin = f"{scheme}://{netloc}"
        url: str | None = urljoin(self.endpoint, "statements")
        query: dict[str, Any] | None = {k: v for k, v in params.items() if v is not None}
        seen: set[str] = set()
        while url:
            try:
                response = self.session.get(url, params=query, headers=headers, auth=auth, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise NetworkError(None, url, detail=type(exc).__name__) from None
            raise_for_response(response)
            try:
                body = response.json()
            except ValueError:
                raise ResponseFormatError(response.url, "the LRS answer is not JSON", response.text) from None
            if not isinstance(body, dict) or not isinstance(body.get("statements"), list):
                raise ResponseFormatError(response.url, "expected {'statements': [...], 'more': ...}", body)
            yield body["statements"]
            more = body.get("more") or None
            query = None
            seen.add(response.url)
            url = urljoin(origin, more) if more else None  # 'more' is relative to the LRS's origin
            if url and (urlsplit(url)[:2] != urlsplit(origin)[:2] or url in seen):
                raise ResponseFormatError(
                    response.url, f"'more' points to {redact(url)!r}, which is not a new page here"
                )


def _load_file(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise ResponseFormatError(f"{path}:{number}", f"line is not JSON ({exc})", line) from None
        return rows
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise ResponseFormatError(str(path), f"not JSON ({exc})", text) from None
    if isinstance(body, dict) and isinstance(body.get("statements"), list):
        return body["statements"]
    if isinstance(body, list):
        return body
    raise ResponseFormatError(str(path), "expected a JSON array of statements or {'statements': [...]}", body)


def read_statements(
    source: str | os.PathLike[str] | Iterable[Mapping[str, Any]] | LRS,
    *,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    verb: str | None = None,
    activity: str | None = None,
    agent: Mapping[str, Any] | None = None,
    limit: int | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Statements as a tidy frame, one row per statement (columns in ``docs/frames.md``).

    Parameters
    ----------
    source : path, list of dict or LRS
        A ``.json`` file (an array or ``{"statements": [...]}``), a ``.jsonl`` file, statements
        already in memory, or an :class:`LRS` read page by page.
    since, until, verb, activity, agent, limit
        xAPI filters, passed to an LRS as query parameters (``agent`` as JSON).
    strict : bool
        Raise on an invalid timestamp or duration instead of NaT and one warning.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> frame = read_statements([statement("mailto:ada@example.edu", "experienced", "https://x.test/page")])
    >>> frame.loc[0, "verb"]
    'experienced'
    """
    if isinstance(source, LRS):
        params = {
            "since": _iso(since),
            "until": _iso(until),
            "verb": verb,
            "activity": activity,
            "agent": json.dumps(agent) if agent is not None else None,
            "limit": limit,
        }
        statements = [s for page in source.pages(params) for s in page]
        where = source.endpoint
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"No statements file at {path}; pass a .json or .jsonl path, a list or an LRS.")
        statements, where = _load_file(path), str(path)
    else:
        statements, where = list(source), "statements"
    return statements_to_frame(statements, strict=strict, source=where)


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).isoformat()


def _lang(value: Any) -> str | None:
    """A language map's en-US text, else its first."""
    if isinstance(value, dict) and value:
        return str(value.get("en-US", next(iter(value.values()))))
    return value if isinstance(value, str) else None


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def parse_duration(text: Any, anchor: pd.Timestamp | None = None) -> timedelta:
    """An ISO 8601 duration as a timedelta; year/month parts resolved from ``anchor`` (see module doc)."""
    if not isinstance(text, str):
        raise ValueError(f"duration {text!r} is not a string")
    value = isodate.parse_duration(text)
    if isinstance(value, isodate.Duration):
        if anchor is not None and not pd.isna(anchor):
            value = value.totimedelta(start=anchor.to_pydatetime())
        else:
            months = float(value.years) * 12 + float(value.months)
            value = value.tdelta + months * (_AVERAGE_YEAR / 12)
    if value < timedelta(0):
        raise ValueError(f"duration {text!r} is negative")
    return value


def statements_to_frame(statements: list[Any], *, strict: bool = False, source: str = "statements") -> pd.DataFrame:
    """The transform behind :func:`read_statements` (pure: no I/O)."""
    rows: list[dict[str, Any]] = []
    invalid: list[str] = []
    for number, s in enumerate(statements):
        if not isinstance(s, dict):
            raise ResponseFormatError(source, f"statement {number} is {type(s).__name__}, not an object", s)
        sid = str(s.get("id") or f"#{number}")
        row: dict[str, Any] = {"statement_id": s.get("id")}
        for key in ("timestamp", "stored"):
            row[key] = _timestamp(s.get(key), key, sid, strict, invalid, source)
        actor = s.get("actor") if isinstance(s.get("actor"), dict) else {}
        row |= {
            "actor_name": actor.get("name"),
            "actor_mbox": actor.get("mbox"),
            "actor_account_home_page": _get(actor, "account", "homePage"),
            "actor_account_name": _get(actor, "account", "name"),
            "verb_id": _get(s, "verb", "id"),
            "verb": _lang(_get(s, "verb", "display")),
            "object_id": _get(s, "object", "id"),
            "object_name": _lang(_get(s, "object", "definition", "name")),
            "object_type": _get(s, "object", "definition", "type") or _get(s, "object", "objectType"),
            "result_score_scaled": _number(_get(s, "result", "score", "scaled")),
            "result_success": _boolean(_get(s, "result", "success")),
            "result_completion": _boolean(_get(s, "result", "completion")),
            "context_registration": _get(s, "context", "registration"),
        }
        raw = _get(s, "result", "duration")
        duration = pd.NaT
        if raw is not None:
            try:
                duration = parse_duration(raw, None if pd.isna(row["timestamp"]) else row["timestamp"])
            except (ValueError, isodate.ISO8601Error, OverflowError) as exc:
                if strict:
                    raise ResponseFormatError(
                        source, f"statement {sid}: invalid result.duration ({exc})", raw
                    ) from None
                invalid.append(f"{sid}: duration {raw!r}")
        row["result_duration"] = duration
        row["canvas_duration"] = (
            CANVAS_DEFAULT_DURATION
            if raw is None
            else pd.NaT
            if pd.isna(duration)
            else min(duration, CANVAS_MAX_DURATION)
        )
        rows.append({k: (_text(v) if k in _TEXT else v) for k, v in row.items()})
    if invalid:
        warnings.warn(
            f"{len(invalid)} invalid timestamp(s) or duration(s) in {source} became NaT "
            f"(first: {invalid[0]}); pass strict=True to raise instead.",
            CanvasframeWarning,
            stacklevel=3,
        )
    columns = {name: [r[name] for r in rows] for name in SCHEMAS["xapi_statements"].names}
    columns["timestamp"] = pd.DatetimeIndex(columns["timestamp"], tz="UTC").as_unit("us") if rows else []
    columns["stored"] = pd.DatetimeIndex(columns["stored"], tz="UTC").as_unit("us") if rows else []
    for key in ("result_duration", "canvas_duration"):
        columns[key] = pd.to_timedelta(pd.Series(columns[key], dtype=object)).astype("timedelta64[ns]")
    return to_frame(to_table(columns, "xapi_statements"))


def _timestamp(value: Any, key: str, sid: str, strict: bool, invalid: list[str], source: str) -> pd.Timestamp:
    if value is None:
        return pd.NaT
    try:
        if not isinstance(value, str):
            raise ValueError("not a string")
        parsed = pd.Timestamp(value)
        return parsed.tz_localize("UTC") if parsed.tzinfo is None else parsed.tz_convert("UTC")
    except (ValueError, TypeError, OverflowError) as exc:
        if strict:
            raise ResponseFormatError(source, f"statement {sid}: invalid {key} ({exc})", value) from None
        invalid.append(f"{sid}: {key} {value!r}")
        return pd.NaT


# Text columns, from the schema: a malformed statement's number or object is kept as JSON text there.
_TEXT = frozenset(f.name for f in SCHEMAS["xapi_statements"] if f.type == pa.string())


def _text(value: Any) -> str | None:
    """Text columns hold text: a malformed statement's number or object is kept as its JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# -- to page views -------------------------------------------------------------------------------


def to_page_views(
    frame: pd.DataFrame, *, course_id: int | None = None, student_ids: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Count statements per actor and hour, in the ``load_page_views`` schema, so the same plots work.

    Parameters
    ----------
    frame : DataFrame
        From :func:`read_statements`. Rows without a timestamp are left out.
    course_id : int, optional
        Used where ``object_id`` has no ``/courses/<id>`` in it.
    student_ids : mapping, optional
        Actor (``actor_account_name`` or ``actor_mbox``) -> Canvas user id, for actors
        whose account name is not already a numeric Canvas id.

    Examples
    --------
    >>> pv = to_page_views(read_statements("data/xapi/statements.json"))  # doctest: +SKIP
    """
    frame = frame.dropna(subset=["timestamp"])
    urls = frame["object_id"].astype("str").str.extract(_COURSE_IN_URL, expand=False)
    courses = pd.to_numeric(urls, errors="coerce")
    if course_id is not None:
        courses = courses.fillna(course_id)
    if courses.isna().any():
        raise ConfigError(f"{int(courses.isna().sum())} statement(s) name no course in object_id; pass course_id=.")
    mapping = dict(student_ids or {})
    names = frame["actor_account_name"].astype("str")
    keys = names.where(frame["actor_account_name"].notna(), frame["actor_mbox"].astype("str"))
    students = keys.map(lambda k: mapping.get(k, int(k) if is_digits(k) else None))
    if students.isna().any():
        unknown = sorted(set(keys[students.isna()]))[:3]
        raise ConfigError(f"No Canvas user id for actor(s) {unknown}; pass student_ids={{actor: user_id}}.")
    counted = (
        pd.DataFrame(
            {
                "course_id": courses.astype("int64"),
                "student_id": students.astype("int64"),
                "hour": frame["timestamp"].dt.floor("h"),
            }
        )
        .groupby(["course_id", "student_id", "hour"], as_index=False)
        .size()
        .rename(columns={"size": "views"})
    )
    return to_frame(to_table({c: counted[c] for c in counted.columns}, "page_views"))


# -- writing --------------------------------------------------------------------------------------


def statement(
    actor: str | Mapping[str, Any],
    verb: str,
    object_id: str,
    *,
    object_name: str | None = None,
    duration: timedelta | str | None = None,
    timestamp: datetime | str | None = None,
    statement_id: str | None = None,
) -> dict[str, Any]:
    """Build a valid xAPI statement.

    Parameters
    ----------
    actor : str or dict
        ``"mailto:ada@example.edu"`` / ``"ada@example.edu"``, or a full xAPI agent object.
    verb : str
        A verb IRI, or an ADL verb name such as ``"experienced"`` or ``"completed"``.
    object_id : str
        The activity IRI; for Canvas, the URL of the page viewed.
    duration : timedelta or str, optional
        How long; written as ISO 8601.

    Examples
    --------
    >>> s = statement("ada@example.edu", "experienced", "https://canvas.example.edu/courses/1/pages/intro",
    ...               duration=timedelta(minutes=2))
    >>> s["result"]["duration"], s["verb"]["id"]
    ('PT2M', 'http://adlnet.gov/expapi/verbs/experienced')
    """
    if isinstance(actor, str):
        agent: dict[str, Any] = {
            "objectType": "Agent",
            "mbox": actor if actor.startswith("mailto:") else f"mailto:{actor}",
        }
    else:
        agent = dict(actor)
    verb_id = ADL_VERBS.get(verb, verb)
    result: dict[str, Any] = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": agent,
        "verb": {"id": verb_id, "display": {"en-US": verb_id.rstrip("/").rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": object_id},
    }
    if object_name:
        result["object"]["definition"] = {"name": {"en-US": object_name}}
    if duration is not None:
        text = duration if isinstance(duration, str) else isodate.duration_isoformat(duration)
        result["result"] = {"duration": text}
    if timestamp is not None:
        result["timestamp"] = timestamp if isinstance(timestamp, str) else timestamp.isoformat()
    validate(result)
    return result


def validate(stmt: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` naming what a statement lacks before it is sent."""
    problems = []
    actor = stmt.get("actor")
    if not isinstance(actor, dict) or not any(k in actor for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        problems.append("actor needs an mbox, mbox_sha1sum, openid or account")
    if not isinstance(_get(stmt, "verb", "id"), str) or not _get(stmt, "verb", "id"):
        problems.append("verb.id is missing")
    if not isinstance(_get(stmt, "object", "id"), str) or not _get(stmt, "object", "id"):
        problems.append("object.id is missing")
    duration = _get(stmt, "result", "duration")
    if duration is not None:
        try:
            parse_duration(duration)
        except (ValueError, isodate.ISO8601Error) as exc:
            problems.append(f"result.duration is not an ISO 8601 duration ({exc})")
    if problems:
        raise ConfigError(f"Invalid xAPI statement {stmt.get('id', '')}: " + "; ".join(problems) + ".")


def send_to_canvas(
    callback_url: str,
    stmt: Mapping[str, Any],
    consumer_key: str,
    shared_secret: str,
    *,
    timeout: tuple[float, float] = (10.0, 30.0),
    session: requests.Session | None = None,
) -> None:
    """POST a statement to Canvas's xAPI callback (``$Canvas.xapi.url``), signed with OAuth 1.0a.

    The body is sent as ``application/json`` and signed with HMAC-SHA1 over the
    OAuth parameters including ``oauth_body_hash``, as LTI 1.1 tools do. Canvas
    records a page view for the launching user (duration capped at 5 minutes).

    Raises
    ------
    ConfigError
        The statement is invalid (nothing is sent).
    AuthenticationError
        Canvas refused the signature, timestamp or nonce (401).

    Examples
    --------
    >>> send_to_canvas(xapi_url, statement("ada@example.edu", "experienced", page_url), key, secret)  # doctest: +SKIP
    """
    from requests_oauthlib import OAuth1

    validate(stmt)
    parts = urlsplit(callback_url)
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError(f"Refusing to send to {redact(callback_url)}: Canvas's xAPI callback must be https://.")
    body = json.dumps(dict(stmt))
    auth = OAuth1(consumer_key, shared_secret, signature_method="HMAC-SHA1", force_include_body=True)
    try:
        response = (session or requests).post(
            callback_url, data=body, auth=auth, timeout=timeout, headers={"Content-Type": "application/json"}
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise NetworkError(None, callback_url, detail=type(exc).__name__) from None
    raise_for_response(
        response,
        hint=(
            "Check the tool's consumer key and shared secret, and this machine's clock "
            "(Canvas accepts OAuth timestamps within 90 minutes)."
        ),
    )
