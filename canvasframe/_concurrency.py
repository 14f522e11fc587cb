"""Adaptive concurrency for one Canvas token (used by :mod:`canvasframe.client`).

Canvas throttles with a leaky bucket per token: each in-flight request is charged
50 units up front, and a request is refused once the bucket passes 600 units.
Starting from an empty bucket, 12 concurrent requests are therefore always
accepted; beyond that it depends on how fast the bucket leaks (10 units/s) and
what each request costs. The governor below keeps the number of requests in
flight between 1 and ``max_workers``, steered by the ``X-Rate-Limit-Remaining``
header Canvas sends with every response: additive increase while the bucket is
healthy, a step down as it drains, and halving when a request is throttled
(the AIMD rule TCP uses, for the same reason: it converges without oscillating
into the limit).
"""

from __future__ import annotations

import threading

# Remaining units (of a 600-unit high-water mark) at which we grow and shrink. With k requests in
# flight a response reports about 600 - 50 (k - 1) - (accumulated cost): twelve in flight sit near
# 50, so the limit steps down to eleven, which sits near 100 and holds until cost builds up or Canvas
# throttles; below nine (remaining above 200) it climbs back.
_HEALTHY = 200.0
_DRAINING = 100.0


class ConcurrencyGovernor:
    """A semaphore whose size follows Canvas's rate-limit feedback."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.limit = max_workers
        self._in_flight = 0
        self._cond = threading.Condition()
        self.throttled = 0  # responses that were throttled, for reports and benchmarks

    def __enter__(self) -> ConcurrencyGovernor:
        with self._cond:
            while self._in_flight >= self.limit:
                self._cond.wait()
            self._in_flight += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def observe(self, remaining: float | None, *, throttled: bool = False) -> None:
        """Adjust the limit after a response (``remaining`` from ``X-Rate-Limit-Remaining``)."""
        with self._cond:
            if throttled:
                self.throttled += 1
                self.limit = max(1, self.limit // 2)
            elif remaining is not None and remaining < _DRAINING:
                self.limit = max(1, self.limit - 1)
            elif (remaining is None or remaining > _HEALTHY) and self.limit < self.max_workers:
                self.limit += 1
            self._cond.notify_all()
