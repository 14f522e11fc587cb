"""The one check on a frame handed to an analysis or plot function: a DataFrame with the columns it needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["holds_lists", "is_list", "require"]


def require(frame: Any, columns: Iterable[str], who: str, loader: str) -> None:
    """Raise a :class:`ConfigError` naming ``loader`` unless ``frame`` is a DataFrame with ``columns``.

    Examples
    --------
    >>> require(pd.DataFrame({"x": [1]}), ["y"], "plot_x", "load_x")
    Traceback (most recent call last):
    ...
    canvasframe.errors.ConfigError: plot_x: expected the frame from load_x(); this one lacks columns ['y'].
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{who}: expected a DataFrame from {loader}(), got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{who}: expected the frame from {loader}(); this one lacks columns {missing}.")


def is_list(value: Any) -> bool:
    """Whether a cell holds a list of values (a list, a tuple, or the array Arrow hands pandas)."""
    return isinstance(value, (list, tuple, np.ndarray))


def holds_lists(column: pd.Series) -> bool:
    """Whether a column holds lists (``participant_ids``): an object column with a list in any cell."""
    return column.dtype == object and bool(column.map(is_list).any())
