"""Canvas's background jobs, as the Analytics ``assignments`` call uses them (``async=true``).

The first call answers ``{"progress_url": ...}``; polling the Progress API moves the job
from ``queued`` through ``running`` to ``completed`` (or ``failed``), after which the
same call answers with the data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Jobs"]

JobState = Literal["queued", "running", "completed", "failed"]


@dataclass
class _Progress:
    id: int
    course_id: int
    polls_left: int
    fail: bool
    state: JobState = "queued"


class Jobs:
    """The progress objects of one sandbox, keyed by id.

    Parameters
    ----------
    polls : int
        Polls before a job finishes.
    lock : threading.Lock
        The server's lock (jobs change under concurrent requests).
    """

    def __init__(self, polls: int, lock: threading.Lock) -> None:
        self.polls = polls
        self._lock = lock
        self._progress: dict[int, _Progress] = {}
        self._done: set[int] = set()
        self._next_id = 1

    def finished(self, course_id: int) -> bool:
        """True once a job for this course has completed: the data is ready."""
        with self._lock:
            return course_id in self._done

    def start(self, course_id: int, *, fail: bool) -> int:
        """The id of the course's running job, started now if there is none."""
        with self._lock:
            progress = next((p for p in self._progress.values() if p.course_id == course_id), None)
            if progress is None:
                progress = _Progress(self._next_id, course_id, self.polls, fail)
                self._progress[progress.id] = progress
                self._next_id += 1
            return progress.id

    def poll(self, progress_id: int) -> dict[str, Any] | None:
        """The Progress API's answer for a job (it advances by one step), or None for an unknown id."""
        with self._lock:
            progress = self._progress.get(progress_id)
            if progress is None:
                return None
            if progress.state in ("queued", "running"):
                progress.polls_left -= 1
                if progress.polls_left <= 0:
                    progress.state = "failed" if progress.fail else "completed"
                    if not progress.fail:
                        self._done.add(progress.course_id)
                    del self._progress[progress_id]
                else:
                    progress.state = "running"
            return {
                "id": progress.id,
                "context_id": progress.course_id,
                "context_type": "Course",
                "tag": "course_assignments",
                "workflow_state": progress.state,
                "completion": 100.0 if progress.state == "completed" else 50.0,
                "message": "analytics job failed" if progress.state == "failed" else None,
            }
