"""Fault injection for the sandbox: deterministic by seed, switchable per server.

Two kinds of rules:

* **random** faults fire with a probability on every request
  (``FaultPlan(seed=1, rates={"500": 0.1, "reset": 0.05}, latency=0.02)``);
* **scripted** faults fire on the next ``times`` requests whose path matches a
  regular expression (``plan.script(r"/analytics/assignments", "500", times=2)``),
  which is what tests use to put a fault exactly where they want it.

Fault kinds: ``500`` ``502`` ``503`` (Canvas error body with an error report id),
``401`` ``403`` ``404``, ``429`` and ``403-throttle`` (throttled answers),
``reset`` (close the connection without answering), ``truncate`` (announce the full
length, send half the body, close), ``slow`` (send the body in slow chunks),
``timeout`` (answer only after ``hang`` seconds), ``html`` (an HTML error page
with status 200), ``empty`` (status 200, no body), ``invalid-json`` (status 200,
cut-off JSON with a matching length), ``self-link`` (a Link next pointing at the
same page).

Hostile kinds, each pushing one of the client's limits: ``duplicate-row`` (a list page
lists its first row twice, as Canvas's offset pagination does when enrollments change
mid-read), ``endless-next`` (a new ``next`` link on every page), ``retry-after-huge``
(throttled with ``Retry-After: 1e9``), ``drip`` (the body one byte every 50 ms),
``gzip-bomb`` (64 MiB of zeros gzipped to 64 KiB), ``redirect-away`` (302 to another
origin) and ``huge-error-id`` (a 500 whose ``error_report_id`` is ``1e400``).

``page-views-429``: the page-view service's own refusal (429, "Page Views rate limit exceeded",
no ``Retry-After``), separate from the token bucket.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "500",
    "502",
    "503",
    "401",
    "403",
    "404",
    "429",
    "403-throttle",
    "reset",
    "truncate",
    "slow",
    "timeout",
    "html",
    "empty",
    "invalid-json",
    "self-link",
    # hostile servers: each pushes a limit the client must hold
    "duplicate-row",
    "endless-next",
    "retry-after-huge",
    "drip",
    "gzip-bomb",
    "redirect-away",
    "huge-error-id",
    # the page-view service's own limit: 429 "Page Views rate limit exceeded", no Retry-After
    "page-views-429",
]
KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass
class _Script:
    pattern: re.Pattern[str]
    kind: FaultKind
    times: int | None  # None: forever
    after: int = 0  # matching requests let through first


@dataclass
class FaultPlan:
    """What goes wrong, and how often."""

    seed: int = 0
    rates: dict[FaultKind, float] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every answer
    hang: float = 5.0  # how long a "timeout" fault waits
    _scripts: list[_Script] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = set(self.rates) - KINDS
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {sorted(KINDS)}")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str]] = []  # (kind, path), for test reports

    def script(self, pattern: str, kind: FaultKind, times: int | None = 1, *, after: int = 0) -> FaultPlan:
        """Make the next ``times`` requests whose path matches ``pattern`` fail with ``kind``.

        ``after`` lets that many matching requests through first (the third page of a list fails).
        """
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {sorted(KINDS)}")
        with self._lock:
            self._scripts.append(_Script(re.compile(pattern), kind, times, after))
        return self

    def clear(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.rates.clear()
            self.latency = 0.0
            self.fired.clear()

    def draw(self, path: str) -> FaultKind | None:
        """The fault for this request, if any (scripts first, then the random rates)."""
        with self._lock:
            for script in self._scripts:
                if script.pattern.search(path):
                    if script.after > 0:
                        script.after -= 1
                        continue
                    if script.times is not None:
                        script.times -= 1
                        if script.times <= 0:
                            self._scripts.remove(script)
                    self.fired.append((script.kind, path))
                    return script.kind
            for kind, rate in sorted(self.rates.items()):
                if self._rng.random() < rate:
                    self.fired.append((kind, path))
                    return kind
        return None
