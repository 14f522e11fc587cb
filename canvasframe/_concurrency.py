"""Adaptive concurrency for one Canvas token (used by :mod:`canvasframe.client`).

Canvas throttles with a leaky bucket per token (canvas-lms ``request_throttle.rb``): a
request's 50-unit pre-flight charge is added to the bucket first, and the request is
refused when the bucket is then at or above the 600-unit high-water mark. From an empty
bucket eleven requests can be in flight and the twelfth is refused; with leftover cost
in the bucket, fewer. The bucket leaks 10 units a second.

The governor keeps the requests in flight between 1 and ``max_workers`` (default 11),
steered by the ``X-Rate-Limit-Remaining`` header of every answer: it allows as many as
the bucket can still take, ``floor((remaining - margin) / 50)`` more than are in flight,
so a healthy pull is never refused.

The bucket belongs to the token, not to the process: another notebook or script on the
same token fills it too, and both read the same free room from their answers. Were both
to take all of it, both would be refused. So when the governor sees another client (the
bucket holds more than its own requests and their cost explain, or Canvas refused a
request it thought would fit) it takes only half of the room for a while; two clients
that each take half never overfill the bucket between them, and each answer re-divides
what is left. A refusal halves the limit until the next answer, and the refused request
waits for an answer that reports room before it is sent again, instead of sleeping blind.

Some actions cost far more than their pre-flight charge (a page-view history query about
150 units): a pull of them is bound by the leak, not by requests in flight, and their
answers can leave the bucket near or above the high-water mark. A request is then held until
the bucket, as the last answer left it and leaking since, has room for its pre-flight charge
beside those of the requests sent after that answer, instead of being refused and retried on
a blind backoff.

Examples
--------
>>> governor = ConcurrencyGovernor(11)
>>> governor.observe(600.0)  # an empty bucket, nothing in flight: eleven fit
>>> governor.limit
11
>>> governor.observe(90.0)  # 510 units this client did not put there: another client shares the token
>>> governor.limit, governor.shared
(1, True)
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator

PREFLIGHT = 50.0  # units Canvas charges each request while it runs
HIGH_WATER = 600.0  # Canvas refuses a request whose charge brings the bucket to this level
LEAK_RATE = 10.0  # units a second
# Units kept free: the cost of answers still settling, and a little room for rounding.
MARGIN = 25.0
# How long a sign of another client on the token is remembered, in seconds.
SHARED_FOR = 5.0
# The longest a request is held for the leak before it is sent anyway (the answer then says more).
MAX_LEAK_WAIT = 60.0
SEND_MARGIN = 5.0  # units kept spare when a request is sent on the leak's timing


class ConcurrencyGovernor:
    """A semaphore whose size follows Canvas's rate-limit feedback.

    Parameters
    ----------
    max_workers : int
        The most requests ever in flight.
    clock : callable, optional
        Seconds, monotonic; for tests.
    """

    def __init__(self, max_workers: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_workers = max_workers
        self.limit = max_workers
        self._clock = clock
        self._in_flight = 0
        self._cond = threading.Condition()
        self._own_cost = 0.0  # what this client's answers left in the bucket, leaked as Canvas leaks it
        self._stamp = clock()
        self._shared_until = -math.inf
        # pragma below: waiters compare with the count they saw, so any start value behaves the same
        self._answers_with_room = 0  # a throttled request waits for this to grow  # pragma: no mutate
        self._remaining: float | None = None  # the last answer's X-Rate-Limit-Remaining ...
        self._remaining_at = self._stamp  # ... when it came  # pragma: no mutate (read only once one has)
        self._largest_remaining = -math.inf  # the most room any answer has shown
        # pragma below: the count only matters once an answer has come, and each answer sets it to 0
        self._sent_since_answer = 0  # requests sent after that answer: their charges are not in it  # pragma: no mutate
        self._urgent_waiting = 0  # urgent requests waiting for a place: the others wait behind them

    @property
    def shared(self) -> bool:
        """True while another client seems to be using the same token."""
        with self._cond:
            return self._clock() < self._shared_until

    def __enter__(self) -> ConcurrencyGovernor:
        self._acquire(urgent=False)
        return self

    @contextlib.contextmanager
    def slot(self, *, urgent: bool) -> Iterator[ConcurrencyGovernor]:
        """A place in flight; an ``urgent`` request (a page of a list, which later requests wait
        for, one after another) goes before the others waiting: a fan-out of hundreds of
        independent requests must not hold up the next page of a list behind every one of them."""
        self._acquire(urgent=urgent)
        try:
            yield self
        finally:
            self.__exit__()

    def _acquire(self, *, urgent: bool) -> None:
        with self._cond:
            self._urgent_waiting += urgent
            try:
                while self._in_flight >= self.limit or (not urgent and self._urgent_waiting):
                    self._cond.wait()
            finally:
                self._urgent_waiting -= urgent
            self._in_flight += 1
            # Held while the leak has not yet made room (see the module's notes); rechecked whenever an
            # answer comes, and sent anyway after the wait the first shortfall asked for, plus a second.
            deadline: float | None = None  # pragma: no mutate (an empty string is as false as None)
            while (short := self._shortfall()) > 0:
                now = self._clock()
                deadline = deadline or now + min(short / LEAK_RATE + 1.0, MAX_LEAK_WAIT)
                if now >= deadline:
                    break
                self._cond.wait(min(short / LEAK_RATE, deadline - now))
            self._sent_since_answer += 1

    def _shortfall(self) -> float:
        """Units the bucket lacks now for one more pre-flight charge (0 when it has room or nothing is known).

        The last answer's remaining room, leaking since, less the charges of the requests sent after
        it. A bucket that has never shown half of Canvas's headroom is not Canvas-sized (a scaled-down
        test server): there only the high-water mark itself is kept to.
        """
        if self._remaining is None:
            return 0.0
        leaked = (self._clock() - self._remaining_at) * LEAK_RATE
        room = min(HIGH_WATER, self._remaining + leaked)
        if self._largest_remaining < HIGH_WATER / 2:
            return max(0.0, -room)
        return max(0.0, PREFLIGHT * (self._sent_since_answer + 1) + SEND_MARGIN - room)

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def observe(self, remaining: float | None, *, throttled: bool = False, cost: float | None = None) -> None:
        """Adjust the limit after a response.

        Parameters
        ----------
        remaining : float or None
            ``X-Rate-Limit-Remaining``: the high-water mark less the bucket's level. It already
            counts the charges of the requests still in flight (and not the answering one's,
            which Canvas has replaced by its cost), so the bucket takes
            ``floor((remaining - MARGIN) / 50)`` more beside them.
        throttled : bool
            Canvas refused the request.
        cost : float or None
            ``X-Request-Cost``: what the answered request left in the bucket.
        """
        with self._cond:
            now = self._clock()
            self._own_cost = max(0.0, self._own_cost - (now - self._stamp) * LEAK_RATE) + (cost or 0.0)
            self._stamp = now
            known = remaining is not None and math.isfinite(remaining)
            if known:
                assert remaining is not None
                self._remaining, self._remaining_at, self._sent_since_answer = remaining, now, 0
                self._largest_remaining = max(self._largest_remaining, remaining)
            if throttled:
                self.limit = max(1, self.limit // 2)
                self._shared_until = now + SHARED_FOR  # the bucket was fuller than this client made it
            elif known:
                assert remaining is not None
                others = (HIGH_WATER - remaining - self._own_cost) / PREFLIGHT - self._in_flight
                if others >= 1.0:
                    self._shared_until = now + SHARED_FOR
                room = math.floor((remaining - MARGIN) / PREFLIGHT)
                if room > 0:
                    self._answers_with_room += 1  # pragma: no mutate (waiters look for growth; a test pins each adds)
                    if now < self._shared_until:
                        room //= 2  # the other client reads the same room: take half, leave half
                self.limit = max(1, min(self.max_workers, self._in_flight + room))
            elif self.limit < self.max_workers:
                self.limit += 1
            self._cond.notify_all()

    def wait_for_room(self, timeout: float) -> bool:
        """Block until an answer reports room in the bucket (True), or ``timeout`` seconds pass (False).

        A throttled request calls this before it is sent again: room comes back when one of
        the requests in flight ends, usually long before a blind backoff would have ended;
        with nothing in flight (another client filled the bucket) the timeout is the wait.
        """
        with self._cond:
            seen = self._answers_with_room
            return self._cond.wait_for(lambda: self._answers_with_room > seen, timeout)
