"""Adaptive concurrency for one Canvas token (used by :mod:`canvasframe.client`).

Canvas throttles with a leaky bucket per token (canvas-lms ``request_throttle.rb``): a
request's 50-unit pre-flight charge is added to the bucket first, and the request is
refused when the bucket is then at or above the 600-unit high-water mark. From an empty
bucket eleven requests can be in flight and the twelfth is refused; with leftover cost
in the bucket, fewer. The bucket leaks 10 units a second.

The governor keeps the requests in flight between 1 and ``max_workers`` (default 11),
steered by the ``X-Rate-Limit-Remaining`` header of every answer: it allows as many as
the bucket can still take, ``floor((remaining - margin) / 50)`` more than are in flight,
so a healthy pull is never refused. Should Canvas throttle anyway (another process on
the same token, a cost spike), the limit halves and grows back one at a time, the AIMD
rule TCP uses for the same reason.

Examples
--------
>>> governor = ConcurrencyGovernor(11)
>>> governor.observe(600.0)  # an empty bucket, nothing in flight: eleven fit
>>> governor.limit
11
>>> governor.observe(90.0)  # 510 units of cost left in the bucket: one more fits
>>> governor.limit
1
"""

from __future__ import annotations

import math
import threading

PREFLIGHT = 50.0  # units Canvas charges each request while it runs
# Units kept free: the cost of answers still settling, and a little room for rounding.
MARGIN = 25.0


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
        """Adjust the limit after a response (``remaining`` from ``X-Rate-Limit-Remaining``).

        ``remaining`` already counts the charges of the requests still in flight (and not the
        answering one's, which Canvas has replaced by its cost), so the bucket takes
        ``floor((remaining - MARGIN) / 50)`` more beside them.
        """
        with self._cond:
            if throttled:
                self.throttled += 1
                self.limit = max(1, self.limit // 2)
            elif remaining is not None and math.isfinite(remaining):
                room = math.floor((remaining - MARGIN) / PREFLIGHT)
                self.limit = max(1, min(self.max_workers, self._in_flight + room))
            elif self.limit < self.max_workers:
                self.limit += 1
            self._cond.notify_all()
