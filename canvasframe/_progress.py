"""Progress bars: whether to show one, and the one way canvasframe makes them (tqdm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._settings import environment

__all__ = ["enabled", "progress_bar"]


def enabled(progress: bool | None, default: bool | None = None) -> bool:
    """``progress`` when given; else ``default`` (a session's reading of ``CANVASFRAME_PROGRESS``);
    else the environment's."""
    if progress is not None:
        return bool(progress)
    return environment("progress").progress if default is None else default


def progress_bar(description: str, unit: str = "req", *, more_than: int = 0) -> Callable[[int], Any]:
    """A maker of bars: called with the total once it is known, it returns a tqdm bar, or None for
    ``more_than`` items or fewer (a short fan-out needs none)."""

    def make(total: int) -> Any:
        if total <= more_than:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=description, unit=unit, leave=False)

    return make
