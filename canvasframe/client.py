"""The Canvas HTTP session: auth, pagination, retries, throttling, async polling.

Everything that talks to Canvas goes through :class:`Canvas`. It returns parsed
JSON (Python objects) and never builds frames: the loaders do.
"""

from __future__ import annotations

import dataclasses
import email.utils
import html
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from . import _settings as defaults
from ._concurrency import ConcurrencyGovernor
from ._deadline import DeadlineAdapter
from ._http import (
    RETRY_STATUSES,
    Limits,
    RetryPolicy,
    SecretHeaders,
    Transport,
    check_token,
    check_url,
    follow_pages,
    origin,
)
from ._time import check_tz
from .errors import ConfigError, ResponseFormatError, ServerError, redact, remember_secret

__all__ = ["Canvas", "Limits", "Token", "connect"]

log = logging.getLogger("canvasframe")

STRING_IDS = "application/json+canvas-string-ids"
Token = str | Callable[[], str]
"""An access token, or a callable that returns a fresh one per request (e.g. ``cf.lti.ClientCredentials``)."""


@dataclass
class Fetched:
    """Parsed JSON from one logical call, with the URLs it came from (credentials masked)."""

    data: Any
    urls: list[str] = field(default_factory=list)


def _normalise_base_url(base_url: str) -> str:
    url = base_url.strip().rstrip("/")
    parts = check_url(url, "the Canvas base URL")
    if parts.query or parts.fragment:
        raise ConfigError(
            f"Canvas base URL {redact(base_url)!r} must not carry a query string; pass the token as token=."
        )
    return url.removesuffix("/api/v1")


class Canvas:
    """A session with one Canvas instance and one token.

    Parameters
    ----------
    base_url : str, optional
        ``https://canvas.example.edu`` (with or without ``/api/v1``); defaults to
        ``CANVAS_BASE_URL``. Plain ``http://`` is accepted only for this machine.
    token : str or callable, optional
        An access token, or a callable returning a fresh one per request (such as
        :class:`canvasframe.lti.ClientCredentials`); defaults to ``CANVAS_API_TOKEN``.
        Sent only as an ``Authorization: Bearer`` header; never printed, logged or cached.
    cache_dir : str or path, optional
        Where loaders keep Arrow files (default: ``CANVASFRAME_CACHE_DIR`` or the user cache dir).
    max_workers : int, optional
        Upper bound on concurrent requests (default: what Canvas's empty rate-limit bucket
        admits; the adaptive controller keeps below what the bucket can take as it fills).
    timeout : (float, float)
        Connect and read timeouts in seconds.

        Every default is listed once, with its value, on the settings page (``docs/settings.md``).
    retries : int
        How many times a failed request (timeout, connection reset, 5xx) is sent again.
    throttle_retries : int
        How many times a request Canvas refused for its rate limit is sent again.
    backoff : float
        The first wait in seconds before sending again; it doubles each time.
    max_backoff : float
        The longest wait in seconds between two sends.
    poll_timeout : float
        How long to wait for a Canvas background job (async analytics) before giving up.
    offline : bool, optional
        Loaders read only the cache (default: ``CANVASFRAME_OFFLINE=1``).
    session : requests.Session, optional
        Your own session (proxies, certificates); canvasframe adds its headers per request.
    cache_namespace : str, optional
        Name under which cache entries are filed; defaults to the host (``host:port``).
    limits : Limits, optional
        Caps on what a server can make canvasframe do: the longest ``Retry-After`` wait, one
        request's total deadline, the largest answer after decompression, the most pages of one
        list and same-origin redirects (see :class:`canvasframe.Limits`).
    tz : str, optional
        The time zone (an IANA name such as ``"America/Chicago"``) every plot, report, widget and
        export shows times in. By default the zone of the course in view (Canvas's course
        ``time_zone``), else UTC. Frames stay in UTC.
    names : bool
        Show students' names in reports, widgets and plots (``False``: ids only, for a screen
        others can see). Frames always carry what Canvas sent.

    Examples
    --------
    >>> canvas = Canvas("https://canvas.example.edu", token="not-a-real-token")
    >>> canvas
    Canvas('https://canvas.example.edu', token=[secure], max_workers=11, offline=False)
    >>> canvas.url_for("courses/1/analytics/activity")
    'https://canvas.example.edu/api/v1/courses/1/analytics/activity'
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: Token | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_workers: int | None = None,
        timeout: tuple[float, float] = defaults.TIMEOUT,
        retries: int = defaults.RETRIES,
        throttle_retries: int = defaults.THROTTLE_RETRIES,
        backoff: float = defaults.BACKOFF,
        max_backoff: float = defaults.MAX_BACKOFF,
        poll_timeout: float = defaults.POLL_TIMEOUT,
        offline: bool | None = None,
        session: requests.Session | None = None,
        cache_namespace: str | None = None,
        limits: Limits | None = None,
        tz: str | None = None,
        names: bool = True,
    ) -> None:
        env = defaults.environment("base_url", "token", "offline", "progress", "ca_bundle")  # once, here
        base_url = base_url or env.base_url
        if not base_url:
            raise ConfigError("No Canvas URL: pass base_url= or set CANVAS_BASE_URL (or use cf.sample()).")
        self.root_url = _normalise_base_url(base_url)
        self.api_url = self.root_url + "/api/v1/"
        self._origin = origin(self.root_url)
        token = token if token is not None else env.token
        if callable(token):  # e.g. cf.lti.ClientCredentials: asked for a fresh token per request
            self.__token: Token = token
        elif not token or not token.strip():
            raise ConfigError("No Canvas API token: pass token= or set CANVAS_API_TOKEN.")
        else:
            self.__token = check_token(token)
            remember_secret(self.__token)
        token = None  # kept only in the private attribute: a traceback that prints locals shows no token
        self.max_workers = int(max_workers or defaults.MAX_WORKERS)
        if self.max_workers < 1:
            raise ConfigError(f"max_workers must be at least 1, got {max_workers!r}.")
        self.poll_timeout = poll_timeout
        self.cache_dir = cache_dir
        if offline is None:
            offline = env.offline
        self.offline = offline
        self.tz = None if tz is None else check_tz(tz)
        self.names = names
        self.environment = dataclasses.replace(env, token=None)  # what the session read; never the token
        self.cache_namespace = cache_namespace or urlsplit(self.root_url).netloc
        self.governor = ConcurrencyGovernor(self.max_workers)
        if session is None:
            session = requests.Session()
            # The environment's proxy and CA-bundle settings are read once, here. Left to requests, they
            # would be read from all of os.environ on every request (about a millisecond of CPU each, a
            # tenth of a 10,000-student pull's client time), and a ~/.netrc entry for the host would
            # replace the token's Authorization header with Basic auth.
            session.trust_env = False
            session.proxies.update(requests.utils.get_environ_proxies(self.root_url))
            if env.ca_bundle is not None:
                session.verify = str(env.ca_bundle)
        adapter = DeadlineAdapter(pool_connections=2, pool_maxsize=self.max_workers + 2)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self.transport = Transport(
            session,
            timeout=timeout,
            policy=RetryPolicy(retries, throttle_retries, backoff, max_backoff),
            governor=self.governor,
            limits=limits,
        )

    def __repr__(self) -> str:
        return f"Canvas({self.root_url!r}, token=[secure], max_workers={self.max_workers}, offline={self.offline})"

    def summary(self) -> list[tuple[str, str]]:
        """What a notebook shows for this session: where it is connected (never the token), offline
        or not, concurrency and this Canvas's part of the cache, as (label, text) pairs.

        Examples
        --------
        >>> canvas = Canvas("https://canvas.example.edu", "a-token-of-20-chars-or-more", offline=True)
        >>> dict(canvas.summary())["mode"]
        'offline: cache only'
        """
        from .cache import Cache, human_size

        cache = Cache(self.cache_dir)
        mine = cache.entries(self.cache_namespace)
        return [
            ("Canvas", self.root_url),
            ("mode", "offline: cache only" if self.offline else "online"),
            ("concurrency", f"up to {self.max_workers} requests in flight"),
            ("cache", f"{cache.directory}: {len(mine)} entries, {human_size(sum(p.stat().st_size for p in mine))}"),
        ]

    def _repr_html_(self) -> str:
        cell = "<tr><th style='text-align:left'>{}</th><td style='text-align:left'>{}</td></tr>"
        body = "".join(cell.format(html.escape(k), html.escape(v)) for k, v in self.summary())
        caption = f"<caption style='text-align:left'><b>{html.escape(type(self).__name__)}</b></caption>"
        return f"<table>{caption}{body}</table>"

    def __getstate__(self) -> None:
        raise TypeError("A Canvas session holds a token and cannot be pickled; create a new one with cf.connect().")

    @property
    def host(self) -> str:
        """``host[:port]`` of this Canvas."""
        return urlsplit(self.root_url).netloc

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` requests go through."""
        return self.transport.session

    @property
    def stats(self) -> dict[str, int]:
        """Requests sent, retried and throttled so far."""
        return self.transport.stats

    @property
    def server_time(self) -> datetime | None:
        """Canvas's clock as of its latest answer (its ``Date`` header, to the second), or None before any.

        What ``refresh="changed"`` asks "since": Canvas's time, not this computer's.
        """
        return http_date(self.transport.server_date)

    # -- single requests -------------------------------------------------

    def url_for(self, path: str) -> str:
        """The absolute URL of a path below ``/api/v1/`` (``courses/1/...``) or from the root (``/api/lti/...``)."""
        return urljoin(self.api_url, path)

    def _check_same_origin(self, url: str, what: str) -> None:
        if origin(url) != self._origin:
            raise ResponseFormatError(
                url, f"{what} points to another host ({urlsplit(url).netloc}); canvasframe never sends the token there"
            )

    def request(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        urgent: bool = False,
    ) -> tuple[Any, requests.Response]:
        """GET one absolute URL of this Canvas and return ``(parsed JSON, response)``, retrying as the policy says.

        ``urgent``: a request others wait for one after another (a page of a list) goes before the
        requests waiting for a place in flight.
        """
        return self.transport.send(
            "GET",
            url,
            what="Canvas",
            params=params,
            headers=self._headers(url),
            retry_statuses=retry_statuses,
            urgent=urgent,
        )

    def get_bytes(self, path: str, params: dict[str, Any] | None = None) -> tuple[bytes, requests.Response]:
        """GET an API path (or a URL of this Canvas) whose answer is a file, not JSON: its bytes as read
        (decompressed when sent with ``Content-Encoding``), and the response for its headers."""
        url = self.url_for(path)
        content, response = self.transport.send(
            "GET", url, what="Canvas", params=params, headers=self._headers(url), body="bytes"
        )
        return content, response

    def post_query(self, path: str, form: dict[str, Any]) -> Any:
        """POST a form that only asks for something (a page-view history query) and return the answer.

        Retried like a GET: sending it twice costs a second query and changes nothing a person sees.
        """
        return self._post(path, form)

    def post_once(self, path: str, form: dict[str, Any]) -> Any:
        """POST a form to an API path and return the parsed answer, never sending it twice.

        Only a throttled refusal is retried (Canvas refuses before doing anything); a lost
        connection raises :class:`~canvasframe.errors.NetworkError` at once, since the request
        may already have done its work.
        """
        return self._post(path, form, retry_statuses=frozenset(), replay=False)

    def _post(self, path: str, form: dict[str, Any], **retrying: Any) -> Any:
        url = self.url_for(path)
        data, _ = self.transport.send("POST", url, what="Canvas", headers=self._headers(url), data=form, **retrying)
        return data

    def _headers(self, url: str) -> SecretHeaders:
        """The request headers for a URL of this Canvas, with the token (asked for only once the URL is checked)."""
        self._check_same_origin(url, "the URL")
        check_url(url, "Canvas")  # before the token is asked for: a callable token may itself make a request
        if callable(self.__token):
            token = check_token(self.__token(), "The token your token= callable returned")
            remember_secret(token)
        else:
            token = self.__token
        return SecretHeaders({"Authorization": f"Bearer {token}", "Accept": STRING_IDS})

    # -- logical calls ---------------------------------------------------

    def get_json(self, path: str, params: dict[str, Any] | None = None, *, poll_async: bool = False) -> Fetched:
        """GET one API path; with ``poll_async`` follow Canvas's ``progress_url`` answer until done."""
        url = self.url_for(path)
        data, response = self.request(url, params)
        urls = [redact(response.url)]
        if poll_async and isinstance(data, dict) and "progress_url" in data:
            self.wait_for_progress(str(data["progress_url"]), urls)
            data, response = self.request(url, params)
            if isinstance(data, dict) and "progress_url" in data:
                raise ResponseFormatError(urls[0], "Canvas still answered with a progress_url after its job completed")
        return Fetched(data, urls)

    def waits(self) -> Iterator[None]:
        """Sleep a little longer each time until ``poll_timeout`` would pass; then stop."""
        deadline, delay = time.monotonic() + self.poll_timeout, 0.05
        while time.monotonic() + delay <= deadline:
            time.sleep(delay)
            yield
            delay = min(delay * 2, 5.0)

    def wait_for_progress(self, progress_url: str, urls: list[str], *, what: str = "Canvas's background job") -> dict:
        """Poll a Progress object until it completes and return it; :class:`ServerError` naming ``what``
        (with ``urls[0]``, the request that started it) when it fails or outlasts ``poll_timeout``."""
        progress_url = urljoin(self.api_url, progress_url)
        waits = self.waits()
        while True:
            progress, _ = self.request(progress_url)
            state = progress.get("workflow_state") if isinstance(progress, dict) else None
            if state == "completed":
                return progress
            if state == "failed":
                raise ServerError(None, urls[0], progress.get("message"), detail=f"{what} failed")
            if state not in ("queued", "running"):
                raise ResponseFormatError(progress_url, f"unknown progress workflow_state {state!r}", progress)
            if next(waits, StopIteration) is StopIteration:
                raise ServerError(None, urls[0], detail=f"{what} was not done after {self.poll_timeout:.0f}s")

    def get_built(self, path: str, params: dict[str, Any] | None = None, *, what: str) -> Fetched:
        """GET an answer Canvas builds in the background, which is 503 with an empty body until it is ready.

        Waits with growing pauses up to ``poll_timeout``; then raises :class:`ServerError` naming ``what``.
        """
        url = self.url_for(path)
        waits = self.waits()
        while True:
            try:
                data, response = self.request(url, params, retry_statuses=RETRY_STATUSES - {503})
                return Fetched(data, [redact(response.url)])
            except ServerError as exc:
                if exc.status != 503:
                    raise
                if next(waits, StopIteration) is StopIteration:
                    raise ServerError(
                        503,
                        exc.url,
                        detail=f"Canvas had not built {what} after {self.poll_timeout:g}s (it answered 503)",
                        hint="Canvas builds it in the background, usually within a minute; try again later, or "
                        "give cf.connect(poll_timeout=...) more seconds.",
                    ) from None

    def iter_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[tuple[list[Any], str]]:
        """Yield ``(rows, redacted URL)`` page by page of a list endpoint, following ``Link: rel="next"``
        (asks ``per_page=100``); only one page's JSON is held at a time."""
        first_params = {"per_page": defaults.PER_PAGE, **(params or {})}

        def read_page(url: str, first: bool) -> tuple[tuple[list[Any], str], str, str | None]:
            # Next links carry every parameter. A list's pages come one after another, and fan-outs wait
            # on them: each goes before the independent requests waiting for a place in flight.
            data, response = self.request(url, first_params if first else None, urgent=True)
            if not isinstance(data, list):
                raise ResponseFormatError(response.url, f"expected a JSON array, got {type(data).__name__}", data)
            return (data, redact(response.url)), response.url, response.links.get("next", {}).get("url")

        yield from follow_pages(
            self.url_for(path), read_page, 'Link rel="next"', max_pages=self.transport.limits.max_pages
        )

    def get_paginated(self, path: str, params: dict[str, Any] | None = None) -> Fetched:
        """GET every page of a list endpoint by following ``Link: rel="next"`` (asks ``per_page=100``)."""
        items: list[Any] = []
        urls: list[str] = []
        for rows, url in self.iter_pages(path, params):
            items.extend(rows)
            urls.append(url)
        return Fetched(items, urls)


def http_date(stamp: str | None) -> datetime | None:
    """An HTTP ``Date`` header as a UTC time, or None when there is none or it is not a date."""
    try:
        parsed = email.utils.parsedate_to_datetime(stamp) if stamp else None
    except (TypeError, ValueError):  # a Date header that is not one: no clock to go by
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or timezone.utc).astimezone(timezone.utc) if parsed else None


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
            if defaults.environment("base_url").base_url is None:
                raise ConfigError(
                    "No Canvas session: call cf.connect(base_url, token) or cf.sample(), "
                    "or set CANVAS_BASE_URL and CANVAS_API_TOKEN."
                )
            _default = Canvas()
        return _default


def connect(
    base_url: str | None = None,
    token: Token | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    max_workers: int | None = None,
    timeout: tuple[float, float] = defaults.TIMEOUT,
    retries: int = defaults.RETRIES,
    throttle_retries: int = defaults.THROTTLE_RETRIES,
    backoff: float = defaults.BACKOFF,
    max_backoff: float = defaults.MAX_BACKOFF,
    poll_timeout: float = defaults.POLL_TIMEOUT,
    offline: bool | None = None,
    session: requests.Session | None = None,
    cache_namespace: str | None = None,
    limits: Limits | None = None,
    tz: str | None = None,
    names: bool = True,
) -> Canvas:
    """Open a :class:`Canvas` session and make it the loaders' default.

    Parameters
    ----------
    base_url : str, optional
        Your Canvas's address (default: ``CANVAS_BASE_URL``).
    token : str or callable, optional
        An access token, or a callable returning one (default: ``CANVAS_API_TOKEN``).
    cache_dir : str or path, optional
        As for :class:`Canvas`.
    max_workers : int, optional
        As for :class:`Canvas`.
    timeout : (float, float)
        As for :class:`Canvas`.
    retries : int
        As for :class:`Canvas`.
    throttle_retries : int
        As for :class:`Canvas`.
    backoff : float
        As for :class:`Canvas`.
    max_backoff : float
        As for :class:`Canvas`.
    poll_timeout : float
        As for :class:`Canvas`.
    offline : bool, optional
        Read only the cache (default: ``CANVASFRAME_OFFLINE=1``).
    session : requests.Session, optional
        Your own session (proxies, certificates).
    cache_namespace : str, optional
        Name under which cache entries are filed (default: the host).
    limits : Limits, optional
        Caps on waits, sizes and pages (see :class:`Canvas`).
    tz : str, optional
        The time zone people are shown times in (default: the course's own; see :class:`Canvas`).
    names : bool
        Show students' names in reports, widgets and plots (see :class:`Canvas`).

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.connect("https://canvas.example.edu", token="not-a-real-token", offline=True)
    >>> canvas.offline, canvas.host
    (True, 'canvas.example.edu')
    """
    canvas = Canvas(
        base_url,
        token,
        cache_dir=cache_dir,
        max_workers=max_workers,
        timeout=timeout,
        retries=retries,
        throttle_retries=throttle_retries,
        backoff=backoff,
        max_backoff=max_backoff,
        poll_timeout=poll_timeout,
        offline=offline,
        session=session,
        cache_namespace=cache_namespace,
        limits=limits,
        tz=tz,
        names=names,
    )
    set_default_canvas(canvas)
    return canvas
