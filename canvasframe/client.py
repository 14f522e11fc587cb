"""The Canvas HTTP session: auth, pagination, retries, throttling, async polling.

Everything that talks to Canvas goes through :class:`Canvas`. It returns parsed
JSON (Python objects) and never builds frames; that is :mod:`canvasframe.transforms`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

from ._concurrency import ConcurrencyGovernor
from .errors import (
    AuthenticationError,
    CanvasAPIError,
    ConfigError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ResponseFormatError,
    ServerError,
    redact,
)

__all__ = ["Canvas", "Fetched", "connect", "default_canvas", "raise_for_response", "set_default_canvas"]

log = logging.getLogger("canvasframe")

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
STRING_IDS = "application/json+canvas-string-ids"
# Twelve requests in flight fill Canvas's 600-unit high-water mark with pre-flight charges alone,
# so from an empty bucket twelve are always accepted; the governor (see _concurrency.py) steps
# below that as the requests' own cost builds up in the bucket.
DEFAULT_MAX_WORKERS = 12
_THROTTLE_TEXT = "rate limit exceeded"
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_BODY_ERRORS = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
_SECRET_IN_URL = re.compile(r"(?i)[?&]access_token=")
_NETWORK_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


@dataclass
class Fetched:
    """Parsed JSON from one logical call, with the URLs it came from (credentials masked)."""

    data: Any
    urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry (exponential backoff with full jitter)."""

    retries: int = 5  # 5xx, resets, timeouts, truncated bodies
    throttle_retries: int = 10  # throttled answers; a full bucket drains in about a minute
    backoff: float = 0.5
    max_backoff: float = 20.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


def _normalise_base_url(base_url: str) -> str:
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"Canvas base URL {redact(base_url)!r} is not an http(s) URL; "
            "pass something like 'https://canvas.example.edu'."
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"Canvas base URL {redact(base_url)!r} must not carry a query string; pass the token as token=."
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError(
            f"Refusing plain http:// to {parts.hostname}: the token would travel unencrypted. "
            "Use https:// (plain http is allowed only for localhost, 127.0.0.1 and ::1)."
        )
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    return url


def _error_details(text: str) -> tuple[str | None, int | None]:
    """Canvas's message and error report id from any of its three error body shapes."""
    try:
        body = json.loads(text)
    except ValueError:
        return (text.strip()[:200] or None), None
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
    except (TypeError, ValueError):
        report = None
    return (str(message) if message is not None else None), report


def _is_throttled(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    return response.status_code == 403 and _THROTTLE_TEXT in response.text[:200].lower()


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _remaining(response: requests.Response) -> float | None:
    try:
        return float(response.headers["X-Rate-Limit-Remaining"])
    except (KeyError, ValueError):
        return None


_STATUS_ERRORS: dict[int, type[CanvasAPIError]] = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound}


def raise_for_response(
    response: requests.Response, *, hint: str | None = None, auth_statuses: tuple[int, ...] = (401,)
) -> None:
    """Raise the typed error for an HTTP error answer, with the server's message (any Canvas body shape).

    ``auth_statuses`` become :class:`AuthenticationError` (an OAuth token endpoint also answers 400
    for a refused client); ``hint`` replaces the error class's advice where the caller knows better.
    """
    if response.status_code < 400:
        return
    message, report = _error_details(response.text)
    status = response.status_code
    if status in auth_statuses:
        cls: type[CanvasAPIError] = AuthenticationError
    else:
        cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else CanvasAPIError)
    raise cls(status, response.url, message, report, hint=hint)


class Canvas:
    """A session with one Canvas instance and one token.

    Parameters
    ----------
    base_url : str, optional
        ``https://canvas.example.edu`` (with or without ``/api/v1``); defaults to
        ``CANVAS_BASE_URL``. Plain ``http://`` is accepted only for localhost.
    token : str, optional
        An access token; defaults to ``CANVAS_API_TOKEN``. Sent only as an
        ``Authorization: Bearer`` header; never printed, logged or cached.
    cache_dir : str or path, optional
        Where loaders keep Arrow files (default: ``CANVASFRAME_CACHE_DIR`` or the user cache dir).
    max_workers : int, optional
        Upper bound on concurrent requests (default 12: from an empty bucket Canvas always accepts
        twelve; the adaptive controller steps below that as the bucket fills).
    timeout : (float, float)
        Connect and read timeouts in seconds.
    retries, throttle_retries, backoff, max_backoff
        Retry policy; see :class:`RetryPolicy`.
    offline : bool
        Loaders read only the cache (also ``CANVASFRAME_OFFLINE=1``).
    session : requests.Session, optional
        Your own session (proxies, certificates); canvasframe adds its headers per request.
    cache_namespace : str, optional
        Name under which cache entries are filed; defaults to the host (``host:port``).

    Examples
    --------
    >>> canvas = Canvas("https://canvas.example.edu", token="...")  # doctest: +SKIP
    >>> canvas.get_json("courses/1/analytics/activity").data[:1]  # doctest: +SKIP
    [{'date': '2026-09-01', 'views': 12, 'participations': 3}]
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_workers: int | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        retries: int = 5,
        throttle_retries: int = 10,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        poll_timeout: float = 300.0,
        offline: bool | None = None,
        session: requests.Session | None = None,
        cache_namespace: str | None = None,
    ) -> None:
        base_url = base_url or os.environ.get("CANVAS_BASE_URL")
        if not base_url:
            raise ConfigError("No Canvas URL: pass base_url= or set CANVAS_BASE_URL (or use cf.sample()).")
        self.root_url = _normalise_base_url(base_url)
        self.api_url = self.root_url + "/api/v1/"
        self._origin = urlsplit(self.root_url)[:2]
        token = token if token is not None else os.environ.get("CANVAS_API_TOKEN")
        if callable(token):  # e.g. cf.lti.ClientCredentials: asked for a fresh token per request
            self.__token: str | Callable[[], str] = token
        elif not token or not token.strip():
            raise ConfigError("No Canvas API token: pass token= or set CANVAS_API_TOKEN.")
        else:
            self.__token = token.strip()
        self.max_workers = int(max_workers or DEFAULT_MAX_WORKERS)
        if self.max_workers < 1:
            raise ConfigError(f"max_workers must be at least 1, got {max_workers!r}.")
        self.timeout = timeout
        self.policy = RetryPolicy(retries, throttle_retries, backoff, max_backoff)
        self.poll_timeout = poll_timeout
        self.cache_dir = cache_dir
        if offline is None:
            offline = os.environ.get("CANVASFRAME_OFFLINE", "").lower() in ("1", "true", "yes")
        self.offline = offline
        self.cache_namespace = cache_namespace or urlsplit(self.root_url).netloc
        self.governor = ConcurrencyGovernor(self.max_workers)
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.max_workers + 2)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.stats = {"requests": 0, "retries": 0, "throttled": 0}
        self._stats_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Canvas({self.root_url!r}, token=[secure], max_workers={self.max_workers}, offline={self.offline})"

    def __getstate__(self) -> None:
        raise TypeError("A Canvas session holds a token and cannot be pickled; create a new one with cf.connect().")

    @property
    def host(self) -> str:
        """``host[:port]`` of this Canvas."""
        return urlsplit(self.root_url).netloc

    # -- single requests -------------------------------------------------

    def url_for(self, path: str) -> str:
        """The absolute URL of an API path such as ``courses/1/analytics/activity``."""
        # "courses/1/..." is below /api/v1/; "/api/lti/..." (Canvas's LTI API) is below the root.
        return urljoin(self.api_url, path)

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1

    def _check_same_origin(self, url: str, what: str) -> None:
        if urlsplit(url)[:2] != self._origin:
            raise ResponseFormatError(
                url, f"{what} points to another host ({urlsplit(url).netloc}); canvasframe never sends the token there"
            )

    def request(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, requests.Response]:
        """GET one absolute URL and return ``(parsed JSON, response)``, retrying as the policy says."""
        self._check_same_origin(url, "the URL")
        if _SECRET_IN_URL.search(url):
            # urllib3 logs request lines at DEBUG: a credential in the URL would end up in logs.
            raise ConfigError(
                f"Refusing {redact(url)}: it carries a credential in the query string. "
                "canvasframe sends the token only as an Authorization header; pass it as token=."
            )
        token = self.__token() if callable(self.__token) else self.__token
        headers = {"Authorization": f"Bearer {token}", "Accept": STRING_IDS}
        attempt = throttled = 0
        while True:
            safe_url = redact(url)
            problem: str
            try:
                with self.governor:
                    self._count("requests")
                    log.debug("GET %s params=%s", safe_url, params)
                    response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
                    body = response.content  # read inside the governor: the request is in flight until then
            except _BODY_ERRORS as exc:
                problem, response = f"the body was cut off ({type(exc).__name__})", None
            except _NETWORK_ERRORS as exc:
                if attempt >= self.policy.retries:
                    raise NetworkError(
                        None, safe_url, detail=f"{type(exc).__name__} after {attempt + 1} attempts"
                    ) from None
                problem, response = type(exc).__name__, None
            if response is not None:
                safe_url = redact(response.url)
                self.governor.observe(_remaining(response), throttled=_is_throttled(response))
                if _is_throttled(response):
                    self._count("throttled")
                    if throttled >= self.policy.throttle_retries:
                        message, _ = _error_details(response.text)
                        raise RateLimited(response.status_code, safe_url, message, retry_after=_retry_after(response))
                    wait_for = _retry_after(response)
                    delay = wait_for if wait_for is not None else self.policy.delay(throttled) + self.policy.backoff
                    log.info("throttled by Canvas on %s; retrying in %.1fs", safe_url, delay)
                    throttled += 1
                    self._count("retries")
                    time.sleep(delay)
                    continue
                if response.status_code >= 400:
                    if response.status_code not in _RETRY_STATUSES or attempt >= self.policy.retries:
                        raise_for_response(response)
                    problem = f"HTTP {response.status_code}"
                else:
                    try:
                        return orjson.loads(body) if body.strip() else _empty_body(safe_url, body), response
                    except ValueError:
                        problem = "the body is not valid JSON"
                        if attempt >= self.policy.retries:
                            raise ResponseFormatError(safe_url, problem, body.decode("utf-8", "replace")) from None
            if attempt >= self.policy.retries:
                raise ResponseFormatError(safe_url, problem)
            delay = self.policy.delay(attempt)
            log.info("%s on %s; retry %d in %.2fs", problem, safe_url, attempt + 1, delay)
            attempt += 1
            self._count("retries")
            time.sleep(delay)

    # -- logical calls ---------------------------------------------------

    def get_json(self, path: str, params: dict[str, Any] | None = None, *, poll_async: bool = False) -> Fetched:
        """GET one API path; with ``poll_async`` follow Canvas's ``progress_url`` answer until done."""
        url = self.url_for(path)
        data, response = self.request(url, params)
        urls = [redact(response.url)]
        if poll_async and isinstance(data, dict) and "progress_url" in data:
            self._wait_for_progress(str(data["progress_url"]), urls)
            data, response = self.request(url, params)
            if isinstance(data, dict) and "progress_url" in data:
                raise ResponseFormatError(urls[0], "Canvas still answered with a progress_url after its job completed")
        return Fetched(data, urls)

    def _wait_for_progress(self, progress_url: str, urls: list[str]) -> None:
        progress_url = urljoin(self.api_url, progress_url)
        deadline, delay = time.monotonic() + self.poll_timeout, 0.05
        while True:
            progress, _ = self.request(progress_url)
            state = progress.get("workflow_state") if isinstance(progress, dict) else None
            if state == "completed":
                return
            if state == "failed":
                raise ServerError(None, urls[0], progress.get("message"), detail="Canvas's background job failed")
            if state not in ("queued", "running"):
                raise ResponseFormatError(progress_url, f"unknown progress workflow_state {state!r}", progress)
            if time.monotonic() + delay > deadline:
                raise ServerError(
                    None, urls[0], detail=f"Canvas's background job was not done after {self.poll_timeout:.0f}s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def get_paginated(self, path: str, params: dict[str, Any] | None = None) -> Fetched:
        """GET every page of a list endpoint by following ``Link: rel="next"`` (asks ``per_page=100``)."""
        params = {"per_page": 100, **(params or {})}
        url: str | None = self.url_for(path)
        items: list[Any] = []
        urls: list[str] = []
        seen: set[str] = set()
        while url is not None:
            data, response = self.request(url, params)
            params = None  # the next link already carries every parameter
            seen.add(response.url)
            urls.append(redact(response.url))
            if not isinstance(data, list):
                raise ResponseFormatError(response.url, f"expected a JSON array, got {type(data).__name__}", data)
            items.extend(data)
            url = response.links.get("next", {}).get("url")
            if url is not None:
                url = urljoin(response.url, url)
                self._check_same_origin(url, 'the Link rel="next"')
                if url in seen:
                    raise ResponseFormatError(response.url, 'the Link rel="next" points back to a page already read')
        return Fetched(items, urls)

    def get_many(
        self,
        calls: Sequence[Callable[[], Any]],
        *,
        progress: Callable[[int], Any] | None = None,
    ) -> list[Any]:
        """Run many zero-argument calls (typically ``get_json`` partials) concurrently.

        Results come back in input order. The first call that finally fails
        cancels those not yet started and raises its typed error: never a
        partial list. ``progress(total)`` may return a bar with ``update``/``close``.
        """
        if not calls:
            return []
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="canvasframe") as pool:
            futures = [pool.submit(call) for call in calls]
            bar = progress(len(futures)) if progress is not None else None
            try:
                for future in as_completed(futures):
                    error = future.exception()
                    if error is not None:
                        for other in futures:
                            other.cancel()
                        raise error
                    if bar is not None:
                        bar.update(1)
            finally:
                if bar is not None:
                    bar.close()
        return [f.result() for f in futures]


def _empty_body(url: str, body: bytes) -> Any:
    raise ResponseFormatError(url, "the body is empty where JSON was expected", body.decode("utf-8", "replace"))


_default: Canvas | None = None
_default_lock = threading.Lock()


def set_default_canvas(canvas: Canvas | None) -> None:
    """Make ``canvas`` the session loaders use when no ``canvas=`` is given."""
    global _default
    with _default_lock:
        _default = canvas


def default_canvas() -> Canvas:
    """The default session; created from ``CANVAS_BASE_URL``/``CANVAS_API_TOKEN`` on first use."""
    global _default
    with _default_lock:
        if _default is None:
            if not os.environ.get("CANVAS_BASE_URL"):
                raise ConfigError(
                    "No Canvas session: call cf.connect(base_url, token) or cf.sample(), "
                    "or set CANVAS_BASE_URL and CANVAS_API_TOKEN."
                )
            _default = Canvas()
        return _default


def connect(
    base_url: str | None = None,
    token: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    max_workers: int | None = None,
    **options: Any,
) -> Canvas:
    """Open a :class:`Canvas` session and make it the loaders' default.

    Parameters
    ----------
    base_url, token
        Default to ``CANVAS_BASE_URL`` and ``CANVAS_API_TOKEN``.
    cache_dir, max_workers, **options
        Passed to :class:`Canvas` (``offline=True``, ``timeout=``, ``retries=`` ...).

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.connect("https://canvas.example.edu", token="...")  # doctest: +SKIP
    >>> cf.load_course_activity(1234)  # doctest: +SKIP
    """
    canvas = Canvas(base_url, token, cache_dir=cache_dir, max_workers=max_workers, **options)
    set_default_canvas(canvas)
    return canvas
