"""The one path for outbound HTTP: the URL rule, retries with backoff, error mapping, page following.

:class:`~canvasframe.client.Canvas`, the LRS reader (:class:`canvasframe.xapi.LRS`), the
LTI token exchange (:class:`canvasframe.lti.ClientCredentials`) and the xAPI send
(:func:`canvasframe.xapi.send_to_canvas`) all send through :class:`Transport`, so they
refuse plain ``http://`` to a remote host the same way, retry the same faults the same
number of times and turn every failure into the same typed errors.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import SplitResult, parse_qs, urljoin, urlsplit

import orjson
import requests
import urllib3

from . import _settings as defaults
from ._deadline import DeadlineAdapter, headers_by
from .errors import (
    SECRET_IN_URL,
    AuthenticationError,
    CanvasAPIError,
    CanvasframeError,
    ConfigError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ResponseFormatError,
    ServerError,
    redact,
    without_foreign_causes,
)

__all__ = [
    "RetryPolicy",
    "Transport",
    "check_url",
    "error_details",
    "follow_pages",
    "is_loopback",
    "raise_for_response",
]

log = logging.getLogger("canvasframe")

_THROTTLE_TEXT = "rate limit exceeded"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# While the body is read (urllib3 directly: see _read_body) a reset or bad gzip is a cut-off body,
# and a read timeout is the network's, as it is before the headers arrive.
_BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.DecodeError,
)
_NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    urllib3.exceptions.ReadTimeoutError,
)


def _refused(error: BaseException) -> bool:
    """Whether a connection attempt was refused (nothing listens on that port), anywhere in ``error``'s causes."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        pending += [current.__cause__, current.__context__, *current.args, getattr(current, "reason", None)]
    return False


_STATUS_ERRORS: dict[int, type[CanvasAPIError]] = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound}

Body = Literal["json", "none", "bytes"]
T = TypeVar("T")


# -- the URL rule ------------------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``): traffic that never leaves this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> SplitResult:
    """Apply canvasframe's rule to a URL it is about to send to, and return its parts.

    The rule, the same for every request canvasframe makes: an ``http(s)`` URL with a
    host; ``https`` unless the host is this machine (credentials would otherwise cross
    the network in clear); and no ``access_token=`` in the query, where it would end up
    in logs.

    Examples
    --------
    >>> check_url("https://canvas.example.edu/api/v1/courses", "Canvas").hostname
    'canvas.example.edu'
    >>> check_url("http://canvas.example.edu", "Canvas")
    Traceback (most recent call last):
    ...
    canvasframe.errors.ConfigError: Refusing plain http:// to canvas.example.edu for Canvas: credentials would travel
    unencrypted. Use https:// (plain http is allowed only for this machine: localhost, 127.0.0.1, ::1).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise ConfigError(f"{what}: the URL is malformed (its host or port cannot be read).") from None
    if parts.username is not None or parts.password is not None:
        # Never echoed: the part before "@" is a password as often as not.
        raise ConfigError(
            f"{what}: the URL carries a user name or password before its host (user:...@); remove it, "
            "and pass credentials as token= (or auth= for an LRS)."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{what}: {redact(url)!r} is not an http(s) URL; pass something like 'https://canvas.example.edu'."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"Refusing plain http:// to {parts.hostname} for {what}: credentials would travel unencrypted. "
            "Use https:// (plain http is allowed only for this machine: localhost, 127.0.0.1, ::1)."
        )
    if SECRET_IN_URL.search(url):
        # urllib3 logs request lines at DEBUG: a credential in the URL would end up in logs.
        raise ConfigError(
            f"Refusing {redact(url)} for {what}: it carries a credential in the query string. "
            "canvasframe sends tokens only in an Authorization header; pass it as token=."
        )
    return parts


_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750's b64token: what a Bearer header can carry


def check_token(token: str, what: str = "The Canvas API token") -> str:
    """The token, stripped; a :class:`ConfigError` that never shows it when it cannot be a token.

    A line break or space inside (a copy-paste accident) or a character outside the token
    alphabet would otherwise fail deep in ``requests`` with the token in the error text.
    """
    token = token.strip()
    if not token:
        raise ConfigError(f"{what} is empty: pass token= or set CANVAS_API_TOKEN.")
    if not _TOKEN.fullmatch(token):
        problem = "a line break or space" if any(c.isspace() for c in token) else "a character no token has"
        raise ConfigError(
            f"{what} contains {problem} (a copy-paste accident?); copy it again from Canvas. "
            "The value is not shown here."
        )
    return token


def origin(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])``: what must stay the same for a credential to follow a link."""
    return urlsplit(url)[:2]


# -- error mapping ---------------------------------------------------------------------------------


def error_details(text: str) -> tuple[str | None, int | None]:
    """Canvas's message and error report id from any of its three error body shapes.

    Examples
    --------
    >>> error_details('{"errors": [{"message": "boom"}], "error_report_id": 12}')
    ('boom', 12)
    >>> error_details('{"errors": {"type": "unauthorized", "message": "bad token"}}')
    ('bad token', None)
    """
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's limit
        return (text.strip()[:200] or None), None
    if isinstance(body, str):  # Canvas answers some refusals with a bare JSON string ("require_initial_post")
        return body[:500] or None, None
    if not isinstance(body, dict):
        return None, None
    errors, message = body.get("errors"), None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
    elif isinstance(errors, dict):
        message = errors.get("message")
    elif isinstance(body.get("message"), str):
        message = body["message"]
    report = body.get("error_report_id")
    try:
        report = int(report) if report is not None else None
    except (TypeError, ValueError, OverflowError):  # 1e400 parses as inf
        report = None
    if report is not None and not 0 <= report < 2**63:
        report = None
    return (str(message)[:500] if message is not None else None), report


def raise_for_response(
    response: requests.Response,
    *,
    hint: str | None = None,
    auth_statuses: tuple[int, ...] = (401,),
    service: str = "Canvas",
) -> None:
    """Raise the typed error for an HTTP error answer, with the server's message (any Canvas body shape).

    ``service`` names who answered (Canvas, an LRS, an LTI token endpoint, an xAPI callback) in the
    message and the error's ``service``, and picks advice that fits it.

    ``auth_statuses`` become :class:`AuthenticationError` (an OAuth token endpoint also answers 400
    for a refused client); ``hint`` replaces the error class's advice where the caller knows better.
    """
    if response.status_code < 400:
        return
    message, report = error_details(response.text)
    status = response.status_code
    if status in auth_statuses:
        cls: type[CanvasAPIError] = AuthenticationError
    else:
        cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else CanvasAPIError)
    raise cls(status, response.url, message, report, hint=hint, service=service)


def is_throttled(response: requests.Response) -> bool:
    """Canvas's throttled answer: 429, or 403 with ``Rate Limit Exceeded`` on older instances."""
    if response.status_code == 429:
        return True
    return response.status_code == 403 and _THROTTLE_TEXT in response.text[:200].lower()


def _retry_after(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds when it is a finite number (an HTTP date or junk is ignored)."""
    try:
        value = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return max(0.0, value) if math.isfinite(value) else None


def rate_limit_remaining(response: requests.Response) -> float | None:
    """``X-Rate-Limit-Remaining`` as a number, when the server sent one."""
    return _number_header(response, "X-Rate-Limit-Remaining")


def request_cost(response: requests.Response) -> float | None:
    """``X-Request-Cost`` (what the request left in the throttle's bucket), when the server sent one."""
    return _number_header(response, "X-Request-Cost")


def _number_header(response: requests.Response, name: str) -> float | None:
    try:
        value = float(response.headers[name])
    except (KeyError, ValueError):
        return None
    return value if math.isfinite(value) else None


class SecretHeaders(dict[str, str]):
    """Request headers whose repr masks credentials, so a traceback that prints locals shows no token."""

    def __repr__(self) -> str:
        return redact(dict.__repr__(self))


# -- retries -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Caps on what a server can make canvasframe do; each is documented in SECURITY.md.

    Attributes
    ----------
    max_retry_after : float
        The longest wait, in seconds, a throttled answer's ``Retry-After`` can ask for.
    deadline : float
        Seconds one request may take in all, body included, however slowly the bytes come
        (the read timeout alone restarts with every byte).
    max_body : int
        Bytes of one answer after decompression (a small gzip can inflate enormously).
    max_pages : int
        Pages followed for one list (a server that always sends a new ``next`` would never end).
    max_redirects : int
        Redirects followed for one request; only to the same origin, and only for GET.
    """

    max_retry_after: float = defaults.MAX_RETRY_AFTER
    deadline: float = defaults.DEADLINE
    max_body: int = defaults.MAX_BODY
    max_pages: int = defaults.MAX_PAGES
    max_redirects: int = defaults.MAX_REDIRECTS


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry (exponential backoff with full jitter).

    Attributes
    ----------
    retries : int
        Retries after a 5xx, a reset or timed-out connection, or a cut-off or unparsable body.
    throttle_retries : int
        Retries after a throttled answer; a full Canvas bucket drains in about a minute. A
        refused request is sent again as soon as another answer reports room in the bucket,
        or after the backoff delay (plus ``backoff``) if none does first; a ``Retry-After``
        Canvas sends is kept to instead.
    backoff, max_backoff : float
        The first delay's upper bound and the largest delay, in seconds.
    """

    retries: int = defaults.RETRIES
    throttle_retries: int = defaults.THROTTLE_RETRIES
    backoff: float = defaults.BACKOFF
    max_backoff: float = defaults.MAX_BACKOFF

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


class Governor(Protocol):
    """What :class:`Transport` needs from a concurrency governor (see :mod:`canvasframe._concurrency`)."""

    def slot(self, *, urgent: bool) -> contextlib.AbstractContextManager[object]: ...

    def observe(self, remaining: float | None, *, throttled: bool = False, cost: float | None = None) -> None: ...

    def wait_for_room(self, timeout: float) -> bool: ...


class Transport:
    """Sends requests with one retry policy and one error mapping.

    Parameters
    ----------
    session : requests.Session, optional
        Your own session (proxies, certificates); a new one by default.
    timeout : (float, float)
        Connect and read timeouts in seconds.
    policy : RetryPolicy
        When and how long to retry.
    governor : optional
        A concurrency governor entered around each request and told about each answer's
        rate-limit headers (Canvas's sessions have one).
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = defaults.TIMEOUT,
        policy: RetryPolicy | None = None,
        governor: Governor | None = None,
        limits: Limits | None = None,
    ) -> None:
        if session is None:  # a session of its own: its connections keep the deadline over headers too
            session = requests.Session()
            session.mount("https://", DeadlineAdapter())
            session.mount("http://", DeadlineAdapter())
        self.session = session
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.governor = governor
        self.limits = limits or Limits()
        self.stats = {"requests": 0, "retries": 0, "throttled": 0}
        self.server_date: str | None = None  # the Date header of the latest answer: the server's clock
        self._stats_lock = threading.Lock()

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1

    def _wait_for_room(self, timeout: float) -> None:
        """After a refusal: until the governor hears of room in the bucket, or ``timeout`` seconds."""
        if self.governor is None:
            time.sleep(timeout)
        else:
            self.governor.wait_for_room(timeout)

    def send(self, method: Literal["GET", "POST"], url: str, **options: Any) -> tuple[Any, requests.Response]:
        """Send one request and return ``(parsed body, response)``; see :meth:`_send` for the options.

        A failure is canvasframe's typed error with no foreign exception in its chain (see
        :func:`~canvasframe.errors.without_foreign_causes`) and a traceback that starts here: the
        frames inside held the request's headers and the answer's body (which a hostile page can
        fill with the token it was sent), and a traceback printed with its locals would show them.
        """
        try:
            return self._send(method, url, **options)
        except CanvasframeError as error:
            raise without_foreign_causes(error).with_traceback(None) from None

    def _send(
        self,
        method: Literal["GET", "POST"],
        url: str,
        *,
        what: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        auth: Any = None,
        body: Body = "json",
        hint: str | None = None,
        auth_statuses: tuple[int, ...] = (401,),
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        replay: bool = True,
        urgent: bool = False,
    ) -> tuple[Any, requests.Response]:
        """Send one request and return ``(parsed body, response)``, retrying as the policy says.

        ``body="json"`` parses the answer as JSON (an empty or unparsable body is retried, then a
        :class:`ResponseFormatError`); ``body="none"`` ignores it; ``body="bytes"`` returns it as read
        (a file, which may be empty). ``what`` names the service in errors.
        ``data`` may be a zero-argument callable, called for each attempt (a body that must not be replayed).
        ``retry_statuses`` are the error statuses worth retrying (a caller that waits on a 503 itself leaves it out).
        ``replay=False`` is for a request that must not happen twice (sending a message): only a throttled
        refusal, which Canvas answers before doing anything, is retried; a lost connection or an unreadable
        answer raises at once, since the request may already have done its work.
        ``urgent=True`` goes before the requests waiting for a place in flight (a page of a list).
        """
        retries = self.policy.retries if replay else 0
        check_url(url, what)
        policy, attempt, throttled = self.policy, 0, 0
        while True:
            safe_url = redact(url)
            problem: str
            response: requests.Response | None = None
            try:
                with self.governor.slot(urgent=urgent) if self.governor is not None else contextlib.nullcontext():
                    self._count("requests")
                    log.debug("%s %s params=%s", method, safe_url, params)
                    payload = data() if callable(data) else data
                    response, content = self._exchange(method, url, params, headers, payload, auth, what)
                self.server_date = response.headers.get("Date") or self.server_date
            except _BODY_ERRORS as exc:
                problem, response = f"the body was cut off ({type(exc).__name__})", None
            except _NETWORK_ERRORS as exc:
                if _refused(exc):  # nobody listens there: retrying would only wait longer to say so
                    where = urlsplit(url)
                    port = where.port or (443 if where.scheme == "https" else 80)
                    raise NetworkError(
                        None,
                        safe_url,
                        detail=f"connection refused by {where.hostname}:{port}: is the URL right, and is {what} "
                        "running there?",
                        hint=hint,
                        service=what,
                    ) from None
                if attempt >= retries:
                    raise NetworkError(
                        None,
                        safe_url,
                        detail=f"{type(exc).__name__} after {attempt + 1} attempts",
                        hint=hint,
                        service=what,
                    ) from None
                problem = type(exc).__name__
            if response is not None:
                safe_url = redact(response.url)
                throttled_now = is_throttled(response)
                if self.governor is not None:
                    self.governor.observe(
                        rate_limit_remaining(response), throttled=throttled_now, cost=request_cost(response)
                    )
                if throttled_now:
                    self._count("throttled")
                    if throttled >= policy.throttle_retries:
                        message, _ = error_details(response.text)
                        raise RateLimited(
                            response.status_code, safe_url, message, retry_after=_retry_after(response), service=what
                        )
                    wait_for = _retry_after(response)
                    throttled += 1
                    self._count("retries")
                    if wait_for is not None:  # Canvas named the wait: keep to it
                        delay = min(wait_for, self.limits.max_retry_after)
                        log.info("throttled on %s; retrying in %.1fs as asked", safe_url, delay)
                        time.sleep(delay)
                    else:
                        delay = policy.delay(throttled - 1) + policy.backoff
                        log.info("throttled on %s; retrying when there is room, at most in %.1fs", safe_url, delay)
                        self._wait_for_room(delay)
                    continue
                if response.status_code >= 400:
                    if response.status_code not in retry_statuses or attempt >= retries:
                        raise_for_response(response, hint=hint, auth_statuses=auth_statuses, service=what)
                    problem = f"HTTP {response.status_code}"
                elif body == "none" or response.status_code == 204:  # No Content is an answer: nothing
                    return None, response
                elif body == "bytes":
                    return content, response
                elif not content.strip():
                    raise ResponseFormatError(safe_url, "the body is empty where JSON was expected")
                else:
                    try:
                        return orjson.loads(content), response
                    except ValueError:
                        problem = "the body is not valid JSON"
                        if attempt >= retries:
                            raise ResponseFormatError(safe_url, problem, content.decode("utf-8", "replace")) from None
            if attempt >= retries:
                raise ResponseFormatError(safe_url, problem)
            delay = policy.delay(attempt)
            log.info("%s on %s; retry %d in %.2fs", problem, safe_url, attempt + 1, delay)
            attempt += 1
            self._count("retries")
            time.sleep(delay)

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        payload: Any,
        auth: Any,
        what: str,
    ) -> tuple[requests.Response, bytes]:
        """One request with its body read under the limits, following same-origin GET redirects only."""
        limits = self.limits
        deadline = time.monotonic() + limits.deadline
        for _ in range(limits.max_redirects + 1):
            try:
                with headers_by(deadline):  # the status line and headers too (see _deadline.py)
                    response = self.session.request(
                        method,
                        url,
                        params=params,
                        headers=headers,
                        data=payload,
                        auth=auth,
                        timeout=self.timeout,
                        allow_redirects=False,
                        stream=True,
                    )
            except _NETWORK_ERRORS:
                if time.monotonic() >= deadline:  # cut off by the deadline, not a passing fault: no retry
                    raise _too_slow(redact(url), limits, what) from None
                raise
            except requests.exceptions.InvalidHeader:
                raise ConfigError(f"A header for {what} is not valid HTTP; its value is not shown here.") from None
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, UnicodeError):
                raise ConfigError(f"{what}: {redact(url)!r} is not a URL requests can send to.") from None
            try:
                content = _read_body(response, deadline, limits, what)
            finally:
                response.close()
            location = response.headers.get("Location") if response.is_redirect else None
            if location is None:
                return response, content
            target = urljoin(response.url, location)
            if method != "GET" or origin(target) != origin(url):
                raise ResponseFormatError(
                    redact(response.url),
                    f"redirected ({response.status_code}) to {redact(target)!r}; canvasframe follows a redirect "
                    "only for a GET on the same scheme and host, so credentials never go elsewhere",
                )
            # The query asked for goes along unless the new URL sets it itself: a Location without
            # auto_mark_as_read=false would mark a conversation read (requests would drop it here).
            given = parse_qs(urlsplit(target).query)
            params = {k: v for k, v in (params or {}).items() if k not in given} or None
            url = target
        raise ResponseFormatError(redact(url), f"more than {limits.max_redirects} redirects (a loop?)")


def _read_body(response: requests.Response, deadline: float, limits: Limits, service: str) -> bytes:
    """The whole body, decompressed, read as it arrives: never past the deadline or the size cap."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise _too_slow(redact(response.url), limits, service)
        chunk = response.raw.read1(16384, decode_content=True)  # returns what has arrived, up to 16 KiB
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_body:
            raise ResponseFormatError(
                redact(response.url),
                f"the answer is larger than {limits.max_body} bytes once decompressed (Limits.max_body)",
            )
        chunks.append(chunk)
    content = b"".join(chunks)
    response._content = content  # so .text and .json() work on what was read
    response._content_consumed = True
    return content


# -- page following --------------------------------------------------------------------------------


def _too_slow(url: str, limits: Limits, service: str) -> NetworkError:
    return NetworkError(
        None,
        url,
        detail=f"no complete answer within the {limits.deadline:.0f} s deadline (Limits.deadline)",
        service=service,
    )


def follow_pages(
    first_url: str,
    read_page: Callable[[str, bool], tuple[T, str, str | None]],
    what: str,
    *,
    max_pages: int = defaults.MAX_PAGES,
) -> Iterator[T]:
    """Yield page after page until there is no next one.

    ``read_page(url, is_first)`` returns ``(page, the URL it was read from, the next page's URL
    or None)``. A next URL is resolved against the page's URL and must stay on the same origin
    (credentials never follow a link elsewhere), never point back to a page already read, and
    the pages stop at ``max_pages`` (a server that sends a new link every time would never end).
    ``what`` names the link in errors (``'Link rel="next"'``, ``'more'``).
    """
    url, first = first_url, True
    seen: set[str] = set()
    while True:
        if len(seen) >= max_pages:
            raise ResponseFormatError(url, f"more than {max_pages} pages: the {what} never ends (Limits.max_pages)")
        page, read_from, next_url = read_page(url, first)
        first = False
        seen.add(read_from)
        yield page
        if not next_url:
            return
        url = urljoin(read_from, next_url)
        if origin(url) != origin(read_from):
            raise ResponseFormatError(
                read_from, f"the {what} points to another host ({urlsplit(url).netloc}); credentials never go there"
            )
        if url in seen:
            raise ResponseFormatError(read_from, f"the {what} points back to a page already read")
