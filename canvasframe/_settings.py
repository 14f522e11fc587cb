"""Every setting canvasframe takes from the environment, and every default, in one place.

Two kinds of fact live here and nowhere else:

- **Environment variables** (:data:`VARIABLES`): each with its kind, its default and its
  meaning. They are read by :meth:`Environment.read` with one rule per kind: a flag is on
  for ``1``, ``true``, ``yes`` or ``on`` and off for ``0``, ``false``, ``no``, ``off`` or
  empty (any case); anything else is a :class:`~canvasframe.errors.ConfigError` naming the
  variable, never a silent guess. A session reads the environment once, when it is made;
  the functions that work without a session (``cf.cache.info``, the messages journal) read
  it when they are called.
- **Defaults** of the session, its retries and its caps (:data:`DEFAULTS`): named constants
  that the signatures use as their defaults (``retries: int = RETRIES``), so a number is
  written once. ``docs/settings.md`` is generated from both tables
  (``python docs/generate_settings_doc.py``) and a test fails when it differs from the code.

Examples
--------
>>> env = Environment.read({"CANVASFRAME_OFFLINE": "Yes", "CANVASFRAME_PROGRESS": "off"})
>>> env.offline, env.progress, env.cache_dir
(True, False, None)
>>> Environment.read({"CANVASFRAME_OFFLINE": "maybe"})
Traceback (most recent call last):
...
canvasframe.errors.ConfigError: CANVASFRAME_OFFLINE='maybe' is not a yes/no value: use 1, true, yes or on,
or 0, false, no or off.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from .errors import ConfigError

__all__ = ["DEFAULTS", "VARIABLES", "Default", "Environment", "Variable", "environment"]

# -- defaults ------------------------------------------------------------------------------------

# Canvas charges each request 50 units before it judges it, and refuses at 600: from an empty bucket
# eleven are admitted and a twelfth is refused (see _concurrency.py).
MAX_WORKERS: Final = 11
TIMEOUT: Final = (10.0, 60.0)
RETRIES: Final = 5
THROTTLE_RETRIES: Final = 10
BACKOFF: Final = 0.5
MAX_BACKOFF: Final = 20.0
POLL_TIMEOUT: Final = 300.0
CALLBACK_TIMEOUT: Final = (10.0, 30.0)
TOKEN_TIMEOUT: Final = 30.0
MAX_RETRY_AFTER: Final = 60.0
DEADLINE: Final = 300.0
MAX_BODY: Final = 32 * 2**20
MAX_PAGES: Final = 10_000
MAX_REDIRECTS: Final = 5
PER_PAGE: Final = 100
PROGRESS_THRESHOLD: Final = 20


@dataclass(frozen=True)
class Default:
    """One documented default: the parameter it is the default of, its value, and what it means."""

    parameter: str
    value: Any
    unit: str
    meaning: str

    @property
    def text(self) -> str:
        """The value as the docs show it (``10 s / 60 s``, ``32 MiB``, ``10,000``)."""
        if isinstance(self.value, tuple):
            return " / ".join(f"{v:g} {self.unit}" for v in self.value)
        if self.unit == "bytes" and self.value % 2**20 == 0:
            return f"{self.value // 2**20} MiB"
        number = f"{self.value:,}" if isinstance(self.value, int) else f"{self.value:g}"
        return f"{number} {self.unit}".strip()


DEFAULTS: Final = (
    Default("max_workers", MAX_WORKERS, "", "requests in flight at most (an empty rate-limit bucket admits eleven)"),
    Default("timeout", TIMEOUT, "s", "connect and read timeouts of one request"),
    Default("retries", RETRIES, "", "retries after a 5xx, a reset or timed-out connection, a cut-off body"),
    Default("throttle_retries", THROTTLE_RETRIES, "", "retries after a throttled answer"),
    Default("backoff", BACKOFF, "s", "the first retry delay's upper bound (exponential, full jitter)"),
    Default("max_backoff", MAX_BACKOFF, "s", "the longest retry delay"),
    Default("poll_timeout", POLL_TIMEOUT, "s", "how long to wait for an answer Canvas builds in the background"),
    Default("send_to_canvas timeout", CALLBACK_TIMEOUT, "s", "connect and read timeouts of an xAPI callback"),
    Default("ClientCredentials timeout", TOKEN_TIMEOUT, "s", "an LTI token exchange"),
    Default("Limits.max_retry_after", MAX_RETRY_AFTER, "s", "the longest wait a Retry-After header can ask for"),
    Default("Limits.deadline", DEADLINE, "s", "one request in all, however slowly its bytes come"),
    Default("Limits.max_body", MAX_BODY, "bytes", "one answer after decompression"),
    Default("Limits.max_pages", MAX_PAGES, "pages", "pages followed for one list"),
    Default("Limits.max_redirects", MAX_REDIRECTS, "", "same-origin redirects followed for one GET"),
    Default("per_page", PER_PAGE, "rows", "rows asked for per page of a Canvas list"),
    Default("progress bar", PROGRESS_THRESHOLD, "requests", "a fan-out larger than this shows a progress bar"),
)

# -- the environment ----------------------------------------------------------------------------

Kind = Literal["flag", "text", "secret", "path", "id"]
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class Variable:
    """One environment variable canvasframe reads (``names[0]``; later names are read when it is unset)."""

    names: tuple[str, ...]
    attribute: str
    kind: Kind
    default: Any
    meaning: str

    @property
    def name(self) -> str:
        return self.names[0]

    def read(self, environ: Mapping[str, str]) -> Any:
        """The value by this variable's kind, or its default when it is unset or empty."""
        name, raw = next(((n, environ[n]) for n in self.names if environ.get(n, "").strip()), (self.name, ""))
        value = raw.strip()
        if self.kind == "flag":
            if value.lower() in _ON:
                return True
            if value.lower() in _OFF:
                return self.default if not value else False
            raise ConfigError(
                f"{name}={value!r} is not a yes/no value: use 1, true, yes or on, or 0, false, no or off."
            )
        if not value:
            return self.default
        if self.kind == "path":
            return Path(value).expanduser()
        if self.kind == "id":
            if not (value.isascii() and value.isdigit()):
                raise ConfigError(f"{name}={value!r} is not a Canvas id; set it to an integer or unset it.")
            return int(value)
        return value


VARIABLES: Final = (
    Variable(("CANVAS_BASE_URL",), "base_url", "text", None, "the Canvas to connect to when no `base_url=` is given"),
    Variable(("CANVAS_API_TOKEN",), "token", "secret", None, "the access token when no `token=` is given"),
    Variable(("CANVAS_COURSE_ID",), "course_id", "id", None, "the course the notebooks and the dashboard show"),
    Variable(("CANVAS_ACCOUNT_ID",), "account_id", "id", None, "the account the notebooks and the dashboard show"),
    Variable(("CANVASFRAME_CACHE_DIR",), "cache_dir", "path", None, "the cache folder (else the user cache dir)"),
    Variable(
        ("CANVASFRAME_DATA_DIR",), "data_dir", "path", None, "where the messages journal lives (else the user data dir)"
    ),
    Variable(("CANVASFRAME_OFFLINE",), "offline", "flag", False, "sessions read only the cache"),
    Variable(("CANVASFRAME_PROGRESS",), "progress", "flag", True, "progress bars over large fan-outs and exports"),
    Variable(
        ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"), "ca_bundle", "path", None, "a CA bundle for https (as requests)"
    ),
)


@dataclass(frozen=True)
class Environment:
    """What the environment says, read once with one rule per kind (see :data:`VARIABLES`)."""

    base_url: str | None = None
    token: str | None = field(default=None, repr=False)
    course_id: int | None = None
    account_id: int | None = None
    cache_dir: Path | None = None
    data_dir: Path | None = None
    offline: bool = False
    progress: bool = True
    ca_bundle: Path | None = None

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None, only: Iterable[str] | None = None) -> Environment:
        """Read the variables of :data:`VARIABLES` from ``environ`` (default: ``os.environ``).

        ``only`` names the attributes wanted; the others keep their defaults unread, so a bad value
        of a variable the caller does not use (a course id, for a cache listing) stops nothing.
        """
        source = os.environ if environ is None else environ
        wanted = None if only is None else set(only)
        return cls(**{v.attribute: v.read(source) for v in VARIABLES if wanted is None or v.attribute in wanted})


def environment(*attributes: str) -> Environment:
    """The process environment, read now: the given attributes only, or every variable."""
    return Environment.read(only=attributes or None)
