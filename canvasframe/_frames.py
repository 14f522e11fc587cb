"""The one check on a frame handed to an analysis or plot function: a DataFrame with the columns it needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .errors import ConfigError

__all__ = ["require"]


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
