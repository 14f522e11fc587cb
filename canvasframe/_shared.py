"""One reading of a slow iterator, shared by every thread that wants it at the same time; and a
slow iterator read one item ahead, in a thread of its own (:func:`read_ahead`).

A course's student list is read from Canvas page by page, and each fan-out over the
course's students (page views, assignments, messages) starts its requests as the pages
arrive. When :func:`~canvasframe.loaders.load_course` runs several such fan-outs at once,
each would read the list itself; :class:`SharedReadings` lets the later ones follow the
reading already under way, so every page is requested once and every fan-out still
starts with the first page.

Examples
--------
>>> readings = SharedReadings()
>>> made = []
>>> def pages():
...     for page in ("a", "b"):
...         made.append(page)
...         yield page
>>> first, second = readings.follow("list", pages), readings.follow("list", pages)
>>> next(first), next(second), next(second), next(first)
('a', 'a', 'b', 'b')
>>> made  # each page was made once, for both readers
['a', 'b']
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Hashable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["SharedReadings", "read_ahead"]

T = TypeVar("T")


class _Reading(Generic[T]):
    """One source iterator and what it has produced so far, for any number of readers."""

    def __init__(self, source: Iterator[T]) -> None:
        self.source = source
        self.items: list[T] = []
        self.readers = 0
        self.ended = False
        self.error: BaseException | None = None
        self.lock = threading.Lock()  # held while the source makes its next item

    def read(self) -> Iterator[T]:
        position = 0
        while True:
            if position < len(self.items):  # made already (for this reader or another): no lock
                yield self.items[position]
                position += 1
                continue
            with self.lock:
                if position < len(self.items):  # another reader made it while this one waited
                    continue
                if self.error is not None:
                    raise self.error
                if self.ended:
                    return
                try:
                    item = next(self.source)
                except StopIteration:
                    self.ended = True
                    return
                except BaseException as exc:
                    # Every reader fails as the first one did: none of them may carry on with part of a list.
                    self.error = exc
                    raise
                self.items.append(item)


class SharedReadings:
    """Readings of iterators, keyed, shared among the threads that read the same key at once.

    A reading lasts while anyone reads it. A reader that comes when none is under way starts
    a new one (``start()``), so what the previous reading left behind (such as a list it
    cached) is for ``start`` to find.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readings: dict[Hashable, _Reading[Any]] = {}

    def follow(self, key: Hashable, start: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
        """Every item of the reading of ``key`` under way, from its first, or of a new one ``start()`` makes.

        The reader joins when it asks for its first item, and leaves when it is exhausted or
        closed. ``start`` is called with this object's lock held, so two readers arriving
        together never both start a reading. The items are the same objects for every reader:
        treat them as read-only.
        """
        with self._lock:
            reading = self._readings.get(key)
            if reading is None:
                reading = self._readings[key] = _Reading(start())
            reading.readers += 1
        try:
            yield from reading.read()
        finally:
            with self._lock:
                reading.readers -= 1
                if reading.readers == 0:
                    del self._readings[key]
                    if not reading.ended and reading.error is None:
                        # Every reader gave up part-way (their fan-outs failed): nobody wants the rest.
                        with reading.lock:
                            close = getattr(reading.source, "close", None)
                            if close is not None:
                                close()


def read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """The items of ``items``, in order, the next one read in a thread of its own while the caller
    works on this one: a list's next page is on its way while this page is turned into rows, so a
    long list, whose pages come one after another, takes the time of its requests alone.

    An error reading an item is raised to the caller in its place. When the caller stops early
    the reading thread stops after the item it is reading.

    Examples
    --------
    >>> list(read_ahead(iter("abc")))
    ['a', 'b', 'c']
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(("item", item), timeout=0.05)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as exc:  # raised to the caller, in order
            ready.put(("error", exc))

    reader = threading.Thread(target=read, name="canvasframe-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()  # the reader ends after the item it is reading; nobody waits for it
