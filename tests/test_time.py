"""_time: UTC coercion, time-zone names, and one week convention (Monday-start) in every report and plot."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

import canvasframe as cf
from canvasframe import plots, reports
from canvasframe._time import as_utc, check_tz


def _communication() -> pd.DataFrame:
    # Two messages on Sunday 2026-10-04 and three on Monday 2026-10-05: two weeks, whatever the zone.
    days = pd.to_datetime(["2026-10-04", "2026-10-05", "2026-10-06"]).astype("datetime64[us]")
    return pd.DataFrame(
        {"course_id": 1, "student_id": 7, "date": days, "instructor_messages": [2, 3, 0], "student_messages": [0, 1, 4]}
    )


def _expected_weeks(days: pd.Series, counts: pd.Series) -> pd.Series:
    """Independent of canvasframe: each day's Monday by subtracting its weekday."""
    monday = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return counts.groupby(monday.to_numpy()).sum()


def _drawn_times(line) -> pd.DatetimeIndex:
    x = line.get_xdata()
    return pd.DatetimeIndex(mdates.num2date(x) if np.issubdtype(np.asarray(x).dtype, np.number) else x).tz_localize(
        None
    )


def test_plot_communication_counts_weeks_from_monday():
    frame = _communication()
    ax = plots.plot_communication(frame, freq="W")
    line = ax.get_lines()[0]
    drawn = pd.Series(line.get_ydata(), index=_drawn_times(line))
    assert (drawn.index.day_of_week == 0).all()  # labelled by the Monday that starts each week
    expected = _expected_weeks(frame["date"], frame["instructor_messages"])
    np.testing.assert_array_equal(drawn.to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(drawn.index.to_numpy(dtype="datetime64[us]"), expected.index.to_numpy())


def test_plot_discussion_timeline_counts_weeks_from_monday():
    created = pd.to_datetime(["2026-10-04 12:00", "2026-10-05 12:00", "2026-10-11 23:00"], utc=True)
    entries = pd.DataFrame({"topic_id": [5, 5, 5], "created_at": created})
    ax = plots.plot_discussion_timeline(entries, freq="W")
    line = ax.get_lines()[0]
    weeks = _drawn_times(line)
    assert list(weeks.strftime("%a %m-%d")) == ["Mon 09-28", "Mon 10-05"]
    assert list(line.get_ydata()) == [1, 2]


def test_weekly_activity_weeks_start_on_monday_in_the_chosen_zone():
    # Sunday 22:00 in Chicago is Monday 03:00 UTC: the week differs by zone, and starts on Monday in both.
    hour = pd.Timestamp("2026-10-05 03:00", tz="UTC")
    views = pd.DataFrame({"student_id": [7], "hour": pd.Series([hour]).astype("datetime64[us, UTC]"), "views": [4]})
    posts = pd.DataFrame(
        {"student_id": pd.Series([], dtype="int64"), "created_at": pd.Series([], dtype="datetime64[us, UTC]")}
    )
    for tz, monday in (("America/Chicago", "2026-09-28"), ("UTC", "2026-10-05")):
        weekly = reports.weekly_activity(views, posts, tz=tz)
        assert weekly["week"].tolist() == [pd.Timestamp(monday)], tz


def test_no_zone_means_the_default_one_in_reports_and_plots_not_an_error():
    """tz=None is the session's zone, else the course's, else UTC (canvasframe.localtime); never a guess."""
    with pytest.raises(cf.ConfigError, match="is not a time zone name"):
        check_tz(None)
    hours = pd.Series([pd.Timestamp("2026-10-05", tz="UTC")]).astype("datetime64[us, UTC]")
    views = pd.DataFrame({"student_id": [1], "hour": hours, "views": [1]})
    assert plots.plot_page_view_heatmap(views, tz=None).get_title().endswith("(UTC)")  # no session: UTC
    posts = pd.DataFrame({"student_id": [1], "created_at": hours})
    assert reports.weekly_activity(views, posts, tz=None).attrs["time_zone"] == "UTC"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "+05:00", 7])
def test_a_zone_that_is_not_an_iana_name_is_a_config_error_in_reports_and_plots(tz):
    with pytest.raises(cf.ConfigError, match="is not a time zone name"):
        check_tz(tz)
    hours = pd.Series([pd.Timestamp("2026-10-05", tz="UTC")]).astype("datetime64[us, UTC]")
    with pytest.raises(cf.ConfigError, match="is not a time zone name"):
        plots.plot_page_view_heatmap(pd.DataFrame({"student_id": [1], "hour": hours, "views": [1]}), tz=tz)
    posts = pd.DataFrame({"student_id": [1], "created_at": hours})
    with pytest.raises(cf.ConfigError, match="is not a time zone name"):
        reports.weekly_activity(pd.DataFrame({"student_id": [1], "hour": hours, "views": [1]}), posts, tz=tz)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-05 08:00", "2026-10-05 08:00+00:00"),  # naive means UTC
        ("2026-10-05T08:00-05:00", "2026-10-05 13:00+00:00"),  # an offset is converted
        (pd.Timestamp("2026-10-05 08:00", tz="Asia/Kolkata"), "2026-10-05 02:30+00:00"),
    ],
)
def test_as_utc_reads_naive_as_utc_and_converts_offsets(value, expected):
    assert as_utc(value, "as_of") == pd.Timestamp(expected)
    assert str(as_utc(value, "as_of").tz) == "UTC"


@pytest.mark.parametrize("value", ["next tuesday", "", None, [1, 2], float("nan")])
def test_as_utc_names_the_argument_it_could_not_read(value):
    with pytest.raises(cf.ConfigError, match=r"until must be a timestamp"):
        as_utc(value, "until")
