"""One reading of an iterator shared by the threads that read it at the same time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from canvasframe._shared import SharedReadings


class Source:
    """Numbers 0..n-1, counting how often each is made and whether the source was closed."""

    def __init__(self, n: int, *, fail_at: int | None = None, pause: float = 0.0) -> None:
        self.n, self.fail_at, self.pause = n, fail_at, pause
        self.made: list[int] = []
        self.closed = False
        self.started = 0

    def __call__(self) -> Iterator[int]:
        self.started += 1
        return self._items()

    def _items(self) -> Iterator[int]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise ValueError(f"item {i} failed")
                time.sleep(self.pause)
                self.made.append(i)
                yield i
        except GeneratorExit:
            self.closed = True
            raise


def test_threads_reading_one_key_at_once_each_get_every_item_made_once() -> None:
    """Eight readers overlap by construction, not by timing: the source makes its first item only once
    all eight have joined the reading (joining takes the readings' lock, not the reading's), so every
    reader is in the one reading however the threads are scheduled."""
    readings, readers = SharedReadings(), 8

    def joined() -> int:
        reading = readings._readings.get("course")
        return 0 if reading is None else reading.readers

    class Gated(Source):
        def _items(self) -> Iterator[int]:
            for i in super()._items():
                if i == 0:
                    deadline = time.monotonic() + 60  # a stuck test fails instead of hanging
                    while joined() < readers and time.monotonic() < deadline:
                        time.sleep(0.001)
                yield i

    source = Gated(50)
    results: dict[int, list[int]] = {}

    def read(reader: int) -> None:
        results[reader] = list(readings.follow("course", source))

    threads = [threading.Thread(target=read, args=(r,)) for r in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(items == list(range(50)) for items in results.values()) and len(results) == readers
    # Each item was made once; readers that came late still began from the first item.
    assert source.made == list(range(50)) and source.started == 1


def test_a_failing_source_fails_every_reader_and_the_next_reading_starts_anew() -> None:
    readings, source = SharedReadings(), Source(5, fail_at=3)
    first, second = readings.follow("k", source), readings.follow("k", source)
    assert [next(first), next(second), next(second)] == [0, 0, 1]
    with pytest.raises(ValueError, match="item 3 failed"):
        list(first)
    with pytest.raises(ValueError, match="item 3 failed"):  # not the first three items and a quiet end
        list(second)
    assert source.made == [0, 1, 2]
    source.fail_at = None
    assert list(readings.follow("k", source)) == [0, 1, 2, 3, 4] and source.started == 2


def test_a_reading_every_reader_leaves_part_way_is_closed() -> None:
    readings, source = SharedReadings(), Source(10)
    first, second = readings.follow("k", source), readings.follow("k", source)
    next(first), next(second)
    first.close()
    assert not source.closed  # the other reader still wants the rest
    assert next(second) == 1
    second.close()
    assert source.closed and source.made == [0, 1]
    assert list(readings.follow("k", source)) == list(range(10)) and source.started == 2


def test_readings_of_other_keys_are_apart_and_an_unstarted_reader_joins_nothing() -> None:
    readings, a, b = SharedReadings(), Source(3), Source(2)
    unstarted = readings.follow("a", a)  # never read: it must not keep a reading alive
    assert list(readings.follow("a", a)) == [0, 1, 2] and list(readings.follow("b", b)) == [0, 1]
    assert list(readings.follow("a", a)) == [0, 1, 2] and a.started == 2  # the first reading had ended
    del unstarted
