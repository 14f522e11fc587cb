"""Progress bars: whether to show one, and the one way canvasframe makes them (tqdm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["enabled", "progress_bar"]


def enabled(progress: bool | None, default: bool) -> bool:
    """``progress`` when given; else ``default`` (the session's reading of ``CANVASFRAME_PROGRESS``)."""
    return default if progress is None else bool(progress)


def progress_bar(description: str, unit: str = "req", *, more_than: int = 0) -> Callable[[int], Any]:
    """A maker of bars: called with the total once it is known, it returns a tqdm bar, or None for
    ``more_than`` items or fewer (a short fan-out needs none)."""

    def make(total: int) -> Any:
        if total <= more_than:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=description, unit=unit, leave=False)

    return make
