"""What every plot shares: the palette, labels, argument checks, empty Axes and docstring parts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from .._docstrings import doc as doc
from .._frames import require as require
from .._palette import ROLES, SERIES
from ..errors import ConfigError
from ..localtime import session_or_none

F = TypeVar("F", bound=Callable[..., Axes])

PALETTE: dict[str, str] = dict(ROLES)
"""What each colour means wherever canvasframe draws (Okabe & Ito's colour-blind-safe eight):
``on_time``, ``late``, ``missing``, ``views``, ``participations``, the channels and the roles."""
# Canvas's "floating": work with no due date, not yet due, or excused (never counted as missing).
LABELS = {"on_time": "on time", "late": "late", "missing": "missing", "floating": "not due yet, no due date or excused"}
TERM_COLOURS = SERIES
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FREQ_WORDS = {"h": "hour", "D": "day", "W": "week", "W-MON": "week", "MS": "month", "ME": "month", "M": "month"}


def per(freq: str) -> str:
    """A bin width as an axis says it: ``"W"`` -> ``"week"`` (a frequency without a word stays as given)."""
    return _FREQ_WORDS.get(freq, freq)


def axes(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def canvas_text(value: object) -> str:
    """A label from Canvas text (a title, a name) as matplotlib must show it: literally.

    A ``$`` pair would be read as mathtext, and ``$\\R^n$`` in an assignment title would make
    matplotlib raise while drawing; escaped, it is shown as typed.
    """
    return str(value).replace("$", r"\$")


def person_labels(ids: Iterable[Any], names: pd.DataFrame | Mapping[Any, str] | None) -> list[str]:
    """Each person's label on an axis or legend: their name where ``names`` has one, else their id.

    ``names`` is ``load_enrollments`` (``student_id``/``user_id`` and ``name``) or a mapping. A
    session opened with ``names=False`` gets ids whatever is passed (a screen others can see).
    """
    ids = list(ids)
    session = session_or_none()
    if names is None or (session is not None and not session.names):
        return [str(i) for i in ids]
    if isinstance(names, pd.DataFrame):
        key = "student_id" if "student_id" in names else "user_id"
        require(names, [key, "name"], "names=", "load_enrollments")
        known = names.dropna(subset=["name"]).drop_duplicates(key)
        names = dict(zip(known[key], known["name"], strict=True))
    return [str(names.get(i, i)) for i in ids]


def empty(ax: Axes, xlabel: str, ylabel: str, title: str) -> Axes:
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.4")
    return ax


def chosen_value(frame: pd.DataFrame, column: str, chosen: Any, plot: str, what: str) -> Any:
    """``chosen``, else the frame's only value of ``column`` (None for no rows); a clear error when it holds several."""
    if chosen is not None:
        return chosen
    values = frame[column].drop_duplicates()
    if len(values) > 1:
        raise ConfigError(f"{plot}: the frame holds several {what}; pass {column}= to choose one.")
    return values.iloc[0] if len(values) else None


def one_student(frame: pd.DataFrame, student_id: int | None, plot: str) -> pd.DataFrame:
    chosen = chosen_value(frame, "student_id", student_id, plot, "students")
    return frame if student_id is None else frame[frame["student_id"] == chosen]


def outside_legend(ax: Axes) -> None:
    """Legend right of the plot: stacked bars and dense lines leave no free corner inside."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def over_time(ax: Axes, *, xlabel: str, ylabel: str, title: str) -> Axes:
    """Finish a plot of counts over dates: concise date ticks, labels, a zero baseline, the legend outside."""
    date_axis(ax)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.set_ylim(bottom=0)
    outside_legend(ax)
    return ax


def naive_local(values: pd.Series, zone: str) -> pd.Series:
    """Times as wall-clock times in ``zone`` (matplotlib draws naive datetimes)."""
    return values.dt.tz_convert(zone).dt.tz_localize(None) if values.dt.tz is not None else values


def naive_utc(values: pd.Series) -> pd.Series:
    """matplotlib draws naive datetimes; canvasframe's are UTC, so drop the zone after converting."""
    return values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values
