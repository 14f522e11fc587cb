"""One deadline over a request's headers, not only its body: a server that trickles them is cut off.

A socket read timeout restarts with every byte, so a server that sends its status line and
headers one byte every few tenths of a second would hold a call for as long as it likes;
:func:`canvasframe._http._read_body` bounds the body by ``Limits.deadline``, and this module
bounds what comes before it. :class:`DeadlineAdapter` makes ``requests`` use connections whose
``getresponse`` (where ``http.client`` reads the status line and headers) is watched: if the
thread's deadline (set with :func:`headers_by`) passes first, one watchdog thread shuts the
socket down, the read fails at once, and the transport reports the deadline. One thread watches
every connection, so a 10,000-request pull starts no thread per request.

Connections through a proxy are not watched (``requests`` makes those pools itself); their body is.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DeadlineAdapter", "headers_by"]

_THREAD = threading.local()


@contextlib.contextmanager
def headers_by(deadline: float) -> Iterator[None]:
    """Within the block, a watched connection of this thread must have its headers by ``deadline`` (monotonic)."""
    previous = getattr(_THREAD, "deadline", None)
    _THREAD.deadline = deadline
    try:
        yield
    finally:
        _THREAD.deadline = previous


class _Watchdog:
    """One daemon thread that shuts down sockets whose deadline passed before they were let go."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._live: set[int] = set()
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, sock: socket.socket) -> int:
        with self._cond:
            ticket = next(self._counter)
            heapq.heappush(self._heap, (deadline, ticket, sock))
            self._live.add(ticket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="canvasframe-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()
            return ticket

    def release(self, ticket: int) -> None:
        with self._cond:
            self._live.discard(ticket)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)  # let go in time: nothing to do
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, ticket, sock = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._live.discard(ticket)
            with contextlib.suppress(OSError):  # already closed: the read has ended anyway
                sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


class _Watched:
    """``getresponse`` under the thread's deadline, when one is set."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_THREAD, "deadline", None)
        if deadline is None or self.sock is None:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        ticket = _WATCHDOG.watch(deadline, self.sock)
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            _WATCHDOG.release(ticket)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A ``requests`` adapter whose connections keep :func:`headers_by`'s deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
