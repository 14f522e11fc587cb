"""The one exception hierarchy of canvasframe.

Every failure canvasframe raises is a subclass of :class:`CanvasframeError`, so
``except cf.CanvasframeError`` catches all of them. Messages say what happened
and what to do next; the facts are also attributes, for code that branches on
them. No message, attribute or repr ever contains the API token.

::

    CanvasframeError
    ├── ConfigError            bad URL, http:// to a remote host, missing token, bad argument
    │   └── ConfirmationRequired   a send without confirm=True (nothing was sent)
    ├── CanvasAPIError         .status .url (no secrets) .canvas_message .error_report_id
    │   ├── AuthenticationError    401
    │   ├── PermissionDenied       403 that is not throttling
    │   ├── NotFound               404
    │   ├── RateLimited            throttled, retries exhausted   .retry_after
    │   ├── ServerError            5xx, retries exhausted
    │   └── NetworkError           connection reset / timeout, retries exhausted (.status None)
    ├── ResponseFormatError    body is not the JSON shape expected   .url .problem .snippet
    │   └── FileFormatError        a local file (xAPI statements) is not what it should be
    ├── CacheError
    │   ├── CacheMiss          offline and not cached
    │   └── CacheCorrupt       offline and the cached file cannot be read
    ├── MessagesNotSent        a send stopped part-way   .results (who was and was not messaged)
    └── DisclosureError        a bundle would publish too little protection or a secret   .findings

Warnings use :class:`CanvasframeWarning`.
"""

from __future__ import annotations

import os
import re
import reprlib
import sys
import warnings
from types import FrameType
from typing import Any

__all__ = [
    "AuthenticationError",
    "CacheCorrupt",
    "CacheError",
    "CacheMiss",
    "CanvasAPIError",
    "CanvasframeError",
    "CanvasframeWarning",
    "ConfigError",
    "ConfirmationRequired",
    "DisclosureError",
    "FileFormatError",
    "MessagesNotSent",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ResponseFormatError",
    "ServerError",
]

# Query parameters that carry credentials; their values never reach a message.
# "_" and "=" may come percent-encoded (access%5Ftoken, access_token%3D): a link is text a server chose.
_SECRET_NAME = r"(?:access(?:_|%5f)token|token|client(?:_|%5f)secret|password)"
_SECRET_PARAM = re.compile(rf"(?i)({_SECRET_NAME}(?:=|%3d))[^&#\s\"']+")
SECRET_IN_URL = re.compile(rf"(?i)(?:[?&;]|%3f|%26){_SECRET_NAME}(?:=|%3d)")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")


# The secrets canvasframe holds (tokens, keys, LRS passwords): masked by value wherever they turn up,
# not only where a pattern such as "Bearer ..." gives them away.
_KNOWN_SECRETS: set[str] = set()
_MIN_SECRET = 6  # shorter values would mask ordinary words


def remember_secret(value: str | bytes | None) -> None:
    """Mask ``value`` in every message canvasframe produces from now on (see :func:`redact`)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if value and len(value.strip()) >= _MIN_SECRET:
        _KNOWN_SECRETS.add(value.strip())


def holds_known_secret(text: str) -> bool:
    """Whether ``text`` contains one of the secrets canvasframe holds (the session's token, keys)."""
    return any(secret in text for secret in _KNOWN_SECRETS)


def redact(text: str) -> str:
    """Return ``text`` with credentials (``access_token=...``, ``Bearer ...``, known secrets) masked.

    Examples
    --------
    >>> redact("https://x.test/api?access_token=abc&page=2")
    'https://x.test/api?access_token=[secure]&page=2'
    """
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[secure]")
    text = _SECRET_PARAM.sub(r"\1[secure]", text)
    return _BEARER.sub(r"\1[secure]", text)


def without_foreign_causes(error: BaseException) -> BaseException:
    """``error`` with every exception that is not canvasframe's cut out of its chain, its text masked.

    A ``requests`` exception keeps the request it failed on, headers and all (the token in
    ``Authorization``); ``raise ... from None`` only hides it from the default traceback, while
    error reporters walk ``__context__`` anyway. So canvasframe's own errors that leave the HTTP
    layer carry no foreign exception at all, and their messages pass :func:`redact` once more.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a) if isinstance(a, str) else a for a in current.args)
        for link in ("__cause__", "__context__"):
            linked = getattr(current, link)
            if linked is not None and not isinstance(linked, CanvasframeError):
                setattr(current, link, None)
        current = current.__cause__ or current.__context__
    return error


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 200


class CanvasframeError(Exception):
    """Root of every error canvasframe raises."""


class CanvasframeWarning(UserWarning):
    """Something worth knowing that did not stop the load (e.g. a course with no students)."""


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str, category: type[Warning] = CanvasframeWarning) -> None:
    """Warn with ``message``, attributed to the first caller outside canvasframe (no hand-counted stacklevel).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("a course with no students")
    >>> caught[0].filename.startswith(_PACKAGE)
    False
    """
    caller: FrameType | None = sys._getframe(1)
    level = 1
    while caller is not None and os.path.abspath(caller.f_code.co_filename).startswith(_PACKAGE):
        caller, level = caller.f_back, level + 1
    warnings.warn(redact(message), category, stacklevel=level + 1)


class ConfigError(CanvasframeError, ValueError):
    """The session or a loader argument is wrong; nothing was sent to Canvas."""


class CanvasAPIError(CanvasframeError):
    """Canvas answered with an error, or could not be reached, after any retries.

    Attributes
    ----------
    status : int or None
        HTTP status (``None`` when no response arrived).
    url : str
        The request URL with any credentials masked.
    canvas_message : str or None
        The message from the error body, when the service sent one.
    error_report_id : int or None
        Canvas's error report id (5xx bodies), useful when contacting support.
    service : str
        Who answered (or did not): ``"Canvas"``, ``"the LRS"``, ``"Canvas's LTI token endpoint"``,
        ``"Canvas's xAPI callback"``. The message speaks of it, and its advice fits it.
    """

    hint = "Check the URL and your access rights, then try again."

    def __init__(
        self,
        status: int | None,
        url: str,
        canvas_message: str | None = None,
        error_report_id: int | None = None,
        *,
        detail: str | None = None,
        hint: str | None = None,
        service: str = "Canvas",
    ) -> None:
        self.status = status
        self.service = service
        self.url = redact(url)
        if canvas_message is not None and not isinstance(canvas_message, str):  # a job's message can be any JSON
            canvas_message = _SHORT.repr(canvas_message)
        self.canvas_message = redact(canvas_message) if canvas_message else canvas_message
        self.error_report_id = error_report_id
        what = f"HTTP {status}" if status is not None else "no response"
        parts = [f"{what} from {self.url}"]
        if self.canvas_message:
            parts.append(f"{service[:1].upper()}{service[1:]} says: {self.canvas_message!r}")
        if detail:
            parts.append(redact(detail))
        if error_report_id is not None:
            parts.append(f"error report id {error_report_id}")
        super().__init__(". ".join(parts) + ". " + (hint or _advice(type(self), service)))


class AuthenticationError(CanvasAPIError):
    """401: the token is missing, wrong, expired or revoked."""

    hint = "Create a new access token in Canvas (Account > Settings) and pass it as token= or CANVAS_API_TOKEN."


class PermissionDenied(CanvasAPIError):
    """403 that is not throttling: the token's user may not see this data."""

    hint = "The token's user needs the 'View usage reports' / analytics permission for this course or account."


class NotFound(CanvasAPIError):
    """404: no such object, or (for Analytics) a course without active students or an unpublished course."""

    hint = (
        "Check the id; Canvas also answers 404 for unpublished courses, courses without students "
        "and users who are not students."
    )


class RateLimited(CanvasAPIError):
    """Canvas kept throttling the requests after every retry.

    Attributes
    ----------
    retry_after : float or None
        Seconds Canvas asked to wait, when it said so.
    """

    hint = "Lower max_workers in cf.connect() or wait about a minute for the rate-limit bucket to drain."

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(CanvasAPIError):
    """5xx after every retry."""

    hint = "Canvas failed on its side; try again later, and quote the error report id to your Canvas admins."


class NetworkError(CanvasAPIError):
    """The connection failed or timed out on every retry; no HTTP response arrived."""

    hint = "Check your network connection and the Canvas URL, or raise timeout= in cf.connect()."


# Advice for services other than Canvas, whose own advice is each class's ``hint``. A service not
# listed here gets the generic advice of its class's parents (CanvasAPIError's), never Canvas's.
_OTHER_SERVICES: dict[str, dict[type[CanvasAPIError], str]] = {
    "the LRS": {
        AuthenticationError: "Check the LRS key and secret passed as auth= to cf.xapi.LRS.",
        PermissionDenied: "These LRS credentials may not read statements; ask the LRS's administrator.",
        NotFound: "Check the LRS endpoint URL (it usually ends in /xapi/ or /data/xAPI/).",
        RateLimited: "The LRS kept refusing requests; wait a minute and try again.",
        ServerError: "The LRS failed on its side; try again later.",
        NetworkError: "Check your network connection and the LRS endpoint URL.",
    },
    "Canvas's LTI token endpoint": {
        AuthenticationError: "Check the client id and that Canvas has the tool's public key.",
        NetworkError: "Check your network connection and the Canvas URL passed to ClientCredentials.",
        ServerError: "Canvas's token endpoint failed on its side; try again later.",
    },
    "Canvas's xAPI callback": {
        AuthenticationError: "The launch's callback credentials were refused: use those of the current launch.",
        NetworkError: "Check your network connection; the statement may not have arrived.",
        ServerError: "Canvas's callback failed on its side; the statement was not recorded.",
    },
}


def _advice(cls: type[CanvasAPIError], service: str) -> str:
    if service == "Canvas":
        return cls.hint
    advice = _OTHER_SERVICES.get(service, {})
    for klass in cls.__mro__:
        if klass in advice:
            return advice[klass]
    return f"Check {service}'s URL and your credentials for it, then try again."


class ResponseFormatError(CanvasframeError):
    """The body is not the JSON shape canvasframe expected.

    Attributes
    ----------
    url : str
        The request URL (credentials masked), or a description of the source.
    problem : str
        What is wrong with it.
    snippet : str
        The first characters of the offending body or value.
    """

    def __init__(self, url: str, problem: str, body: object = "") -> None:
        self.url = redact(url)
        self.problem = redact(problem)
        text = body if isinstance(body, str) else _SHORT.repr(body)  # bounded: a body can be nested 100,000 deep
        # Masked before it is cut: a secret straddling the cut would otherwise survive as a prefix.
        longest = max((len(s) for s in _KNOWN_SECRETS), default=0)
        self.snippet = redact(text[: 200 + longest])[:200]
        super().__init__(self._message())

    def _message(self) -> str:
        snippet = f" Body starts: {self.snippet!r}." if self.snippet else ""
        return (
            f"Unexpected response from {self.url}: {self.problem}.{snippet} "
            "If this Canvas is customised or behind a proxy, please report it with this message."
        )


class FileFormatError(ResponseFormatError):
    """A local file is not what it should be; ``url`` is the file's path (with the line or index in ``problem``).

    Attributes
    ----------
    expected : str
        What the file should hold, said in the message.
    """

    def __init__(self, url: str, problem: str, body: object = "", *, expected: str = "") -> None:
        self.expected = expected
        super().__init__(url, problem, body)

    def _message(self) -> str:
        snippet = f" It starts: {self.snippet!r}." if self.snippet else ""
        expected = f" Expected {self.expected}." if self.expected else ""
        return f"{self.url}: {self.problem}.{snippet}{expected}"


class CacheError(CanvasframeError):
    """A problem with canvasframe's on-disk cache.

    Attributes
    ----------
    frame : str or None
        The frame asked for.
    namespace : str or None
        The cache namespace (a Canvas host) the frame is filed under.
    path : str or None
        The cache file (or, for a miss, the cache folder).
    """

    def __init__(
        self, message: str, *, frame: str | None = None, namespace: str | None = None, path: object = None
    ) -> None:
        self.frame, self.namespace = frame, namespace
        self.path = None if path is None else str(path)
        super().__init__(redact(message))


class CacheMiss(CacheError):
    """Offline mode, and the requested frame is not in the cache."""


class CacheCorrupt(CacheError):
    """Offline mode, and the cached file cannot be read (it is never returned half-read)."""


class ConfirmationRequired(ConfigError):
    """Something would be sent to Canvas (messages) and the call did not say ``confirm=True``; nothing was sent."""


class MessagesNotSent(CanvasframeError):
    """Sending stopped part-way; ``results`` says, per recipient, who was messaged and who was not.

    Its ``status`` column: ``sent``, ``already sent`` (by an earlier call), ``failed`` (Canvas
    refused: not sent), ``uncertain`` (no answer: it may have been delivered) or ``not attempted``.
    """

    def __init__(self, message: str, results: Any) -> None:
        super().__init__(message)
        self.results = results


class DisclosureError(CanvasframeError):
    """A data bundle was refused before anything was published; ``findings`` says why, one line each.

    Its k-anonymity is under the threshold (the quasi-identifiers are named), or a file it would
    contain holds a token, an ``Authorization`` header, an e-mail address, a person's name or a
    raw person id (where, and which kind: never the secret itself).
    """

    def __init__(self, message: str, findings: list[str]) -> None:
        super().__init__(message)
        self.findings = findings
