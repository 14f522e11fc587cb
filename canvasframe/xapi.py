"""xAPI statements <-> tidy frames: read files and LRSs, build statements, report activity to Canvas.

Durations become timedeltas (Canvas's page-view duration too); an invalid timestamp or
duration becomes NaT with one warning, or an error with ``strict=True``.

>>> import canvasframe as cf
>>> page = "https://canvas.example.edu/courses/7/pages/intro"
>>> statements = [cf.xapi.statement("ada@example.edu", "experienced", page, timestamp="2026-09-01T10:20:00Z")]
>>> frame = cf.xapi.read_statements(statements)
>>> cf.xapi.to_page_views(frame, student_ids={"mailto:ada@example.edu": 42})
   course_id  student_id                      hour  views
0          7          42 2026-09-01 10:00:00+00:00      1
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import isodate
import pandas as pd
import requests

from . import _settings as defaults
from ._http import Limits, RetryPolicy, Transport, check_url, follow_pages
from .errors import ConfigError, FileFormatError, ResponseFormatError, remember_secret
from .schemas import to_frame, to_table
from .transforms import is_digits
from .transforms.xapi import field, parse_duration, statements_to_frame

__all__ = ["LRS", "read_statements", "send_to_canvas", "statement", "to_page_views"]

XAPI_VERSION = "1.0.3"
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
_COURSE_IN_URL = re.compile(r"/courses/([0-9]{1,18})(?![0-9])")  # an int64, never a longer run of digits


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
    session : requests.Session, optional
        Your own session (proxies, certificates).
    policy : RetryPolicy, optional
        How failed requests are sent again (default: the same retries and backoff as a Canvas session).
    limits : Limits, optional
        Caps on waits, sizes and pages, as for a Canvas session (see :class:`canvasframe.Limits`).

    Examples
    --------
    >>> lrs = LRS("https://lrs.example.edu/xapi", auth=("key", "lrs-password-7f3a"))
    >>> lrs
    LRS('https://lrs.example.edu/xapi/', auth=[secure])

    The sandbox serves an LRS too (Basic auth, ``more`` paging):

    >>> from canvasframe.sandbox import SandboxServer
    >>> with SandboxServer() as local:
    ...     lrs = LRS(f"{local.url}/xapi", auth=local.xapi.lrs_auth)
    ...     local.xapi.statements.append(statement("ada@example.edu", "completed", "https://tool.example.edu/quiz/1"))
    ...     read_statements(lrs, verb="http://adlnet.gov/expapi/verbs/completed")[["actor_mbox", "verb", "object_id"]]
                 actor_mbox       verb                        object_id
    0  mailto:ada@example.edu  completed  https://tool.example.edu/quiz/1
    """

    def __init__(
        self,
        endpoint: str,
        auth: tuple[str, str] | str | None = None,
        *,
        timeout: tuple[float, float] = defaults.TIMEOUT,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        limits: Limits | None = None,
    ) -> None:
        check_url(endpoint, "the LRS")
        self.endpoint = endpoint.rstrip("/") + "/"
        self.__auth = auth
        remember_secret(auth[1] if isinstance(auth, tuple) else auth)
        self.transport = Transport(session, timeout=timeout, policy=policy, limits=limits)

    def __repr__(self) -> str:
        return f"LRS({self.endpoint!r}, auth=[secure])"

    def pages(self, params: Mapping[str, Any]) -> Iterator[list[dict]]:
        """Yield each page of ``GET statements``, following ``more`` until it is empty."""
        headers = {"X-Experience-API-Version": XAPI_VERSION}
        auth = self.__auth
        if isinstance(auth, str):
            headers["Authorization"] = auth
            auth = None
        lrs_origin = "{}://{}".format(*urlsplit(self.endpoint)[:2])
        query = {k: v for k, v in params.items() if v is not None}

        def read_page(url: str, first: bool) -> tuple[list[dict], str, str | None]:
            body, response = self.transport.send(
                "GET", url, what="the LRS", params=query if first else None, headers=headers, auth=auth
            )
            if not isinstance(body, dict) or not isinstance(body.get("statements"), list):
                raise ResponseFormatError(response.url, "expected {'statements': [...], 'more': ...}", body)
            more = body.get("more") or None
            if more is not None and not isinstance(more, str):
                raise ResponseFormatError(response.url, "the LRS's 'more' link is not a URL", more)
            return body["statements"], response.url, urljoin(lrs_origin, more) if more else None  # relative to origin

        first = urljoin(self.endpoint, "statements")
        yield from follow_pages(first, read_page, "LRS's 'more' link", max_pages=self.transport.limits.max_pages)


_STATEMENT_KEYS = frozenset({"actor", "verb", "object"})
EXPECTED = (
    "xAPI statements as JSON: an array of statements, one statement, a saved LRS page "
    "{'statements': [...]}, or one statement per line (.jsonl)"
)


def _json(text: str) -> Any:
    # An integer of thousands of digits is valid JSON that Python refuses to convert: it is no
    # usable value in a statement, so it reads as missing instead of failing the whole file.
    return json.loads(text, parse_int=lambda digits: int(digits) if len(digits) <= 20 else None)


def _bad_file(path: Path, problem: str, body: object = "") -> FileFormatError:
    return FileFormatError(str(path), problem, body, expected=EXPECTED)


def _load_file(path: Path) -> tuple[list[Any], list[str]]:
    """A statements file's statements and where each one is in it (``line 3``, ``index 5``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_file(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if path.suffix == ".jsonl":
        rows, lines = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(_json(line))
                except (ValueError, RecursionError) as exc:
                    raise _bad_file(path, f"line {number} is not JSON ({exc})", line) from None
                lines.append(f"on line {number}")
        return rows, lines
    try:
        body = _json(text)
    except (ValueError, RecursionError) as exc:
        raise _bad_file(path, f"not JSON ({type(exc).__name__}: {str(exc)[:80]})", text) from None
    if isinstance(body, dict) and isinstance(body.get("statements"), list):  # a saved LRS page
        return body["statements"], [f"at statements[{i}]" for i in range(len(body["statements"]))]
    if isinstance(body, dict) and not _STATEMENT_KEYS.isdisjoint(body):  # one statement, as GET ?statementId= gives
        return [body], ["(the file's one statement)"]
    if isinstance(body, list):
        return body, [f"at index {i}" for i in range(len(body))]
    raise _bad_file(path, f"the JSON is {type(body).__name__}, not statements", body)


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
        A ``.json`` file (an array of statements, one statement object as an LRS returns for
        ``GET statements?statementId=``, or a saved LRS page ``{"statements": [...], "more": ...}``),
        a ``.jsonl`` file (one statement per line), statements already in memory, or an
        :class:`LRS` read page by page. A problem in a file raises :class:`~canvasframe.FileFormatError`
        naming the file and the line or index.
    since : datetime or str, optional
        xAPI filter, for an LRS only: statements stored after this moment.
    until : datetime or str, optional
        xAPI filter, for an LRS only: statements stored at or before this moment.
    verb : str, optional
        xAPI filter, for an LRS only: only this verb IRI.
    activity : str, optional
        xAPI filter, for an LRS only: only this activity IRI.
    agent : dict, optional
        xAPI filter, for an LRS only: this actor, an Agent object (sent as JSON).
    limit : int, optional
        xAPI filter, for an LRS only: the most statements per page.
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
        return statements_to_frame(statements, strict=strict, source=source.endpoint)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"No statements file at {path}; pass a .json or .jsonl path, a list or an LRS.")
        statements, positions = _load_file(path)
        try:
            return statements_to_frame(statements, strict=strict, source=str(path), positions=positions)
        except ResponseFormatError as exc:  # about a file of the user's: never a word of Canvas or proxies
            raise _bad_file(path, exc.problem, exc.snippet) from None
    statements = [dict(s) if isinstance(s, Mapping) else s for s in source]
    return statements_to_frame(statements, strict=strict, source="statements")


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).isoformat()


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
    >>> import warnings
    >>> with warnings.catch_warnings():  # the file has three invalid statements, on purpose
    ...     warnings.simplefilter("ignore")
    ...     statements = read_statements("data/xapi/statements.json")
    >>> to_page_views(statements).groupby("student_id").views.sum().head(3)
    student_id
    1005    23
    1006    17
    1007    19
    Name: views, dtype: int64
    """
    frame = frame.dropna(subset=["timestamp"])
    urls = frame["object_id"].astype("str").str.extract(_COURSE_IN_URL, expand=False)
    # Ids as exact integers (nullable Int64): through float64, ids above 2**53 would change.
    courses = pd.array([int(u) if isinstance(u, str) else pd.NA for u in urls], dtype="Int64")
    courses = pd.Series(courses, index=frame.index)
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
    object_name : str, optional
        The activity's name, shown by LRSs (``object.definition.name``, in ``en-US``).
    duration : timedelta or str, optional
        How long; written as ISO 8601.
    timestamp : datetime or str, optional
        When it happened (default: none given; the LRS stamps it when it stores it).
    statement_id : str, optional
        The statement's UUID (default: a new random one).

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
    if not isinstance(field(stmt, "verb", "id"), str) or not field(stmt, "verb", "id"):
        problems.append("verb.id is missing")
    if not isinstance(field(stmt, "object", "id"), str) or not field(stmt, "object", "id"):
        problems.append("object.id is missing")
    duration = field(stmt, "result", "duration")
    if duration is not None:
        try:
            parse_duration(duration)
        except (ValueError, isodate.ISO8601Error, OverflowError) as exc:
            problems.append(f"result.duration is not an ISO 8601 duration ({exc})")
    if problems:
        raise ConfigError(f"Invalid xAPI statement {stmt.get('id', '')}: " + "; ".join(problems) + ".")


def send_to_canvas(
    callback_url: str,
    stmt: Mapping[str, Any],
    consumer_key: str,
    shared_secret: str,
    *,
    timeout: tuple[float, float] = defaults.CALLBACK_TIMEOUT,
    session: requests.Session | None = None,
    policy: RetryPolicy | None = None,
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
    A write to Canvas: here to a private sandbox, which records the page view the statement makes
    (``notebooks/05-xapi-activity.ipynb`` sends one to the sample):

    >>> from canvasframe.sandbox import SandboxServer
    >>> with SandboxServer() as local:
    ...     course = next(c for c in local.institution.courses.values() if c.enrollments)
    ...     url = local.xapi_callback_url(course.id, min(course.enrollments))
    ...     stmt = statement("ada@example.edu", "experienced", "https://tool.example.edu/page/1", duration="PT2M")
    ...     send_to_canvas(url, stmt, local.xapi.consumer_key, local.xapi.shared_secret)
    ...     [(r["seconds"], r["url"]) for r in local.xapi.recorded]
    [(120.0, 'https://tool.example.edu/page/1')]
    """
    from requests_oauthlib import OAuth1

    validate(stmt)
    check_url(callback_url, "Canvas's xAPI callback")
    # OAuth1 signs each attempt afresh (new nonce and timestamp), so a retry is never a replay.
    auth = OAuth1(consumer_key, shared_secret, signature_method="HMAC-SHA1", force_include_body=True)
    Transport(session, timeout=timeout, policy=policy).send(
        "POST",
        callback_url,
        what="Canvas's xAPI callback",
        data=json.dumps(dict(stmt)),
        headers={"Content-Type": "application/json"},
        auth=auth,
        body="none",
        hint=(
            "Check the tool's consumer key and shared secret, and this machine's clock "
            "(Canvas accepts OAuth timestamps within 90 minutes)."
        ),
    )
