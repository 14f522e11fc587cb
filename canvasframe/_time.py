"""Time, once: UTC coercion of a user's timestamp, time-zone names, and the one week convention.

- :func:`as_utc`: a timestamp a user passes (``as_of=``, ``until=``) or a source gives as a
  UTC ``Timestamp``. A value without an offset is read as UTC; one with an offset is
  converted. A value that is no timestamp is a :class:`~canvasframe.errors.ConfigError`
  naming the argument.
- :func:`check_tz`: an IANA time-zone name (``"America/Chicago"``), checked with
  :mod:`zoneinfo`; anything else is a ``ConfigError``.
- :func:`week_start`: **weeks start on Monday at 00:00 in the display time zone**, and a
  week is labelled by that Monday. Every report, plot and widget that counts by week uses it.

Examples
--------
>>> as_utc("2026-10-05 08:00", "as_of")
Timestamp('2026-10-05 08:00:00+0000', tz='UTC')
>>> late_sunday = pd.Series(pd.to_datetime(["2026-10-05 03:00"], utc=True))  # Sunday 22:00 in Chicago
>>> week_start(late_sunday, "America/Chicago").dt.strftime("%a %Y-%m-%d").tolist()
['Mon 2026-09-28']
>>> week_start(late_sunday, "UTC").dt.strftime("%a %Y-%m-%d").tolist()
['Mon 2026-10-05']
"""

from __future__ import annotations

import zoneinfo
from typing import Any

import pandas as pd

from .errors import ConfigError

__all__ = ["as_utc", "binned", "check_tz", "utc", "week_start"]

# The one week convention, in pandas' two spellings of it: a period is named by the day it ends
# (weeks that end on Sunday start on Monday); resampling bins are anchored on Mondays, closed and
# labelled on the left.
_WEEK_PERIOD = "W-SUN"
_WEEK_BINS = "W-MON"


def as_utc(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a UTC timestamp: naive means UTC, an offset is converted; else a ``ConfigError`` naming ``name``."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ConfigError(f"{name} must be a timestamp (e.g. '2026-10-01'), got {value!r}.") from None
    return utc(stamp)


def utc(stamp: pd.Timestamp) -> pd.Timestamp:
    """A parsed timestamp in UTC: naive means UTC, an offset is converted."""
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def check_tz(tz: Any) -> str:
    """``tz`` if it is an IANA time-zone name :mod:`zoneinfo` knows; else a ``ConfigError`` that says what to pass."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ConfigError(f"tz={tz!r} is not a time zone name such as 'America/Chicago' or 'UTC'.") from None
    return str(tz)


def week_start(times: pd.Series, tz: str) -> pd.Series:
    """The Monday 00:00 (naive, in ``tz``) that starts the week of each UTC time."""
    local = times.dt.tz_convert(check_tz(tz)).dt.tz_localize(None)
    return local.dt.to_period(_WEEK_PERIOD).dt.start_time.astype("datetime64[us]")


def binned(counts: pd.Series | pd.DataFrame, freq: str) -> pd.Series | pd.DataFrame:
    """Counts indexed by naive times, summed per ``freq`` bin; ``"W"`` is the week convention above."""
    if freq == "W":
        return counts.resample(_WEEK_BINS, label="left", closed="left").sum()
    return counts.resample(freq).sum()


def readable_duration(value: Any) -> str:
    """A duration as people read it: ``"8 h 14 min"``, ``"3 min"``, ``"45 s"`` ("" when missing).

    Examples
    --------
    >>> readable_duration(pd.Timedelta("0 days 08:14:08")), readable_duration(pd.Timedelta(seconds=45))
    ('8 h 14 min', '45 s')
    """
    if value is None or pd.isna(value):
        return ""
    seconds = int(pd.Timedelta(value).total_seconds())
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"
