"""Canvas's request throttle: a leaky bucket per token.

Parameters follow Canvas's defaults (``shared/canvas-api.md``): the bucket
leaks 10 units a second. As in canvas-lms's ``request_throttle.rb``, a request's
50-unit pre-flight charge is added to the bucket *first*, and the request is
refused when the bucket is then at or above the high-water mark (600): from an
empty bucket eleven requests can be in flight and the twelfth is refused. A
refused request's charge is taken back (it never runs); an admitted one keeps it
while it runs, and when it ends the charge is replaced by its real cost (its
server time). Every answer carries ``X-Rate-Limit-Remaining`` (high-water mark
minus the level, may go negative) and, unless throttled, ``X-Request-Cost``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleConfig:
    enabled: bool = True
    maximum: float = 800.0
    high_water: float = 600.0
    leak_rate: float = 10.0  # units per second
    preflight: float = 50.0
    legacy_403: bool = False  # older Canvas: 403 "Rate Limit Exceeded" instead of 429


class LeakyBucket:
    """One bucket per token; thread-safe."""

    def __init__(self, config: ThrottleConfig) -> None:
        self.config = config
        self.level = 0.0
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _leak(self) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self._stamp) * self.config.leak_rate)
        self._stamp = now

    def remaining(self) -> float:
        with self._lock:
            self._leak()
            return self.config.high_water - self.level

    def admit(self) -> bool:
        """Charge the pre-flight cost and say whether the request may run."""
        with self._lock:
            self._leak()
            # Canvas's order: charge first, then judge. Eleven in flight hold 550 units; the twelfth's
            # charge makes 600, which is at the mark, so it is refused.
            charged = self.level + self.config.preflight
            if charged >= self.config.high_water - 1e-9:
                return False
            self.level = min(self.config.maximum, charged)
            return True

    def settle(self, cost: float) -> float:
        """Refund the pre-flight charge, add the real cost; return the remaining units."""
        with self._lock:
            self._leak()
            self.level = min(self.config.maximum, max(0.0, self.level - self.config.preflight + cost))
            return self.config.high_water - self.level


class Throttle:
    """The buckets of every token seen by a server."""

    def __init__(self, config: ThrottleConfig | None = None) -> None:
        self.config = config or ThrottleConfig()
        self._buckets: dict[str, LeakyBucket] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def bucket(self, token: str) -> LeakyBucket:
        with self._lock:
            if token not in self._buckets:
                self._buckets[token] = LeakyBucket(self.config)
            return self._buckets[token]
