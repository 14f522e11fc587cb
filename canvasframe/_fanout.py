"""The fan-out scheduler: many calls on one session at once, results in input order.

A :class:`~canvasframe.client.Canvas` sends one request at a time and knows nothing of
threads; the pipeline hands it many calls through here. Two shapes, whose thread counts
are the one rule this module owns:

- :func:`iter_requests`: calls that each make one request (a student's activity). Twice
  ``max_workers`` threads: the session's governor holds the extra ones, so when an answer
  frees a slot a thread is already waiting to send, instead of one still reading its answer.
- :func:`run_units`: calls that each load a whole unit (a course's frames). ``max_workers``
  at once: each has at least one request in flight, so that many keep every slot busy, and
  each unit more would only hold its partial results in memory and its own fan-out's threads.
- :func:`run_polled`: calls that each make a few requests with waits between them (a student's
  page-view history: a query, polls until it is done, the file). Four times ``max_workers``:
  most are waiting at any moment, and the governor still caps the requests in flight.

Examples
--------
>>> import canvasframe as cf
>>> canvas = cf.Canvas("https://canvas.example.edu", token="not-a-real-token", max_workers=2)
>>> list(iter_requests(canvas, (lambda n=n: n * n for n in range(5))))
[0, 1, 4, 9, 16]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .client import Canvas

__all__ = ["iter_calls", "iter_requests", "run_polled", "run_units"]

R = TypeVar("R")
Progress = Callable[[int], Any]


def iter_requests(canvas: Canvas, calls: Iterable[Callable[[], R]], *, progress: Progress | None = None) -> Iterator[R]:
    """Run one-request calls on ``canvas`` concurrently; yield their results in input order (see :func:`iter_calls`)."""
    return iter_calls(calls, threads=2 * canvas.max_workers, progress=progress)


def run_units(canvas: Canvas, calls: Iterable[Callable[[], R]], *, progress: Progress | None = None) -> list[R]:
    """Run calls that each load a whole unit (a course's frames), ``max_workers`` at once; results in input order."""
    return list(iter_calls(calls, threads=canvas.max_workers, progress=progress))


def run_polled(canvas: Canvas, calls: Iterable[Callable[[], R]], *, progress: Progress | None = None) -> list[R]:
    """Run calls that wait between their requests, ``4 × max_workers`` at once; results in input order."""
    return list(iter_calls(calls, threads=4 * canvas.max_workers, progress=progress))


def iter_calls(calls: Iterable[Callable[[], R]], *, threads: int, progress: Progress | None = None) -> Iterator[R]:
    """Run zero-argument calls on ``threads`` threads; yield their results in input order as they are done.

    ``calls`` may be a generator that is still reading what to call (the pages of a student
    list): each call starts as soon as it is yielded, and results already done are handed
    on in between, so a consumer that turns them into rows holds only a few at a time. The
    first call that finally fails cancels those not yet started and raises its typed error:
    never a partial list. ``progress(total)`` may return a bar with ``update``/``close``; it
    is made once every call is known.
    """
    failed: list[BaseException] = []

    def note_failure(future: Future[R]) -> None:
        if not future.cancelled() and future.exception() is not None:
            failed.append(future.exception())  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="canvasframe") as pool:
        pending: deque[Future[R]] = deque()  # submitted and not yet handed on, in input order
        submitted = 0
        bar = None

        def hand_on(wait: bool) -> Iterator[R]:
            """The results at the front of ``pending``: those done, or (``wait``) all of them."""
            while pending and (wait or pending[0].done()):
                if failed:
                    raise failed[0]
                result = pending.popleft().result()  # popped: the result is the consumer's now
                if bar is not None:
                    bar.update(1)
                yield result

        try:
            for call in calls:
                if failed:  # a call already failed while the rest were still being listed
                    raise failed[0]
                pending.append(pool.submit(call))
                pending[-1].add_done_callback(note_failure)
                submitted += 1
                yield from hand_on(wait=False)
            if progress is not None and submitted:
                bar = progress(submitted)
                if bar is not None:
                    bar.update(submitted - len(pending))
            yield from hand_on(wait=True)
        except BaseException:
            for other in pending:
                other.cancel()
            raise
        finally:
            if bar is not None:
                bar.close()
