"""cf.clickstream against an independent, row-by-row computation, and its invariants as properties."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import canvasframe as cf
from canvasframe.errors import ConfigError

T0 = pd.Timestamp("2026-09-01", tz="UTC")


def _log(offsets_by_student: dict[int, list[int]], seconds: list[float] | None = None) -> pd.DataFrame:
    rows = []
    for student, offsets in offsets_by_student.items():
        for k, offset in enumerate(sorted(offsets)):
            rows.append(
                {
                    "student_id": student,
                    "created_at": T0 + pd.Timedelta(seconds=offset),
                    "interaction_time": pd.Timedelta(seconds=(seconds or [5.0])[k % len(seconds or [5.0])]),
                    "participated": k % 3 == 0,
                    "url": f"u{k % 4}",
                }
            )
    return pd.DataFrame(rows)


def _by_hand(log: pd.DataFrame, idle: timedelta, cap: timedelta) -> dict[int, tuple[int, timedelta]]:
    """Per student: the number of sessions and the total time on task, one request at a time."""
    result = {}
    for student, rows in log.sort_values("created_at", kind="stable").groupby("student_id"):
        times = [t.to_pydatetime() for t in rows["created_at"]]
        own = [t.to_pytimedelta() for t in rows["interaction_time"]]
        sessions, total = 1, timedelta(0)
        for i, t in enumerate(times):
            gap = times[i + 1] - t if i + 1 < len(times) else None
            if gap is None or gap > idle:
                total += min(own[i], cap)
                sessions += gap is not None
            else:
                total += min(gap, cap)
        result[int(student)] = (sessions, total)
    return result


offsets = st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=40)
logs = st.dictionaries(st.integers(1, 4), offsets, min_size=1, max_size=3)
minutes = st.integers(1, 90)


@settings(max_examples=60)
@given(logs, minutes, minutes)
def test_sessions_and_time_match_a_row_by_row_computation(by_student, idle_min, cap_min):
    idle, cap = timedelta(minutes=max(idle_min, cap_min)), timedelta(minutes=min(idle_min, cap_min))
    log = _log(by_student, [3.0, 700.0, 42.0])
    expected = _by_hand(log, idle, cap)
    found = cf.clickstream.sessions(log, idle=idle)
    total = cf.clickstream.time_on_task(log, by=("student_id",), idle=idle, cap=cap).set_index("student_id")
    for student, (count, time) in expected.items():
        assert (found["student_id"] == student).sum() == count
        assert total.loc[student, "time_on_task"] == pd.Timedelta(time)


def _resource_use_by_hand(log: pd.DataFrame, idle: timedelta, cap: timedelta) -> pd.DataFrame:
    """resource_use written out one request at a time: the estimate of _by_hand, per asset (or URL)."""
    rows = []
    for student, mine in log.sort_values("created_at", kind="stable").groupby("student_id", sort=True):
        times = [t.to_pydatetime() for t in mine["created_at"]]
        per: dict[str, dict] = {}  # in the order each resource is first requested
        for i, row in enumerate(mine.itertuples()):
            gap = times[i + 1] - times[i] if i + 1 < len(times) else None
            own = timedelta(0) if pd.isna(row.interaction_time) else row.interaction_time.to_pytimedelta()
            spent = min(own if gap is None or gap > idle else gap, cap)
            key = row.url if pd.isna(row.asset_id) else f"{row.asset_type}:{row.asset_id}"
            entry = per.setdefault(key, {"asset_type": row.asset_type, "asset_id": row.asset_id, "urls": [],
                                         "visits": 0, "time_on_task": timedelta(0)})  # fmt: skip
            entry["urls"].append(row.url)
            entry["visits"] += (not pd.isna(row.user_request)) and bool(row.user_request)
            entry["time_on_task"] += spent
        ranked = sorted(per.values(), key=lambda e: (-e["visits"], -e["time_on_task"]))  # stable: first seen first
        for e in ranked:
            common = max(e["urls"], key=lambda u: (e["urls"].count(u), -e["urls"].index(u)))  # ties: the first seen
            rows.append({"student_id": student, "asset_type": e["asset_type"], "asset_id": e["asset_id"],
                         "url": common, "visits": e["visits"], "time_on_task": e["time_on_task"]})  # fmt: skip
    return pd.DataFrame(rows)


ASSETS = [(None, None), ("wiki_page", 5), ("assignment", 5), ("assignment", 9)]


@settings(max_examples=40)
@given(logs, st.data())
def test_resource_use_matches_a_request_by_request_computation(by_student, data):
    log = _log(by_student, [3.0, 700.0, 42.0])
    n = len(log)
    assets = data.draw(st.lists(st.sampled_from(ASSETS), min_size=n, max_size=n))
    log["asset_type"] = pd.array([a for a, _ in assets], dtype="str")
    log["asset_id"] = pd.array([i for _, i in assets], dtype="Int64")
    log["url"] = pd.array(data.draw(st.lists(st.sampled_from(["/a", "/b", "/c"]), min_size=n, max_size=n)), dtype="str")
    log["user_request"] = pd.array(data.draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n)),
                                   dtype="boolean")  # fmt: skip
    idle, cap = timedelta(minutes=30), timedelta(minutes=10)
    expected = _resource_use_by_hand(log, idle, cap).astype(
        {
            "student_id": "int64",
            "asset_type": "str",
            "asset_id": "Int64",
            "url": "str",
            "visits": "int64",
            "time_on_task": "timedelta64[us]",
        }
    )
    pd.testing.assert_frame_equal(cf.clickstream.resource_use(log, idle="30min", cap="10min"), expected)


@settings(max_examples=60)
@given(logs, minutes)
def test_sessions_partition_the_log_and_time_never_exceeds_the_span(by_student, idle_min):
    log = _log(by_student)
    idle = timedelta(minutes=idle_min)
    cap = min(idle, timedelta(minutes=10))
    found = cf.clickstream.sessions(log, idle=idle)
    assert found["requests"].sum() == len(log)
    assert found.groupby("student_id")["session"].apply(lambda s: list(s) == list(range(1, len(s) + 1))).all()
    for _, rows in found.groupby("student_id"):
        later = rows["start"].iloc[1:].to_numpy()
        assert (later - rows["end"].iloc[:-1].to_numpy() > pd.Timedelta(idle).to_timedelta64()).all()
    spent = cf.clickstream.time_on_task(log, by=("student_id",), idle=idle, cap=cap).set_index("student_id")
    span = found.groupby("student_id")["duration"].sum() + cap * found.groupby("student_id").size()
    assert (spent["time_on_task"] <= span).all()


@settings(max_examples=60)
@given(logs, minutes, minutes)
def test_a_longer_idle_or_cap_never_lowers_time_or_raises_sessions(by_student, a, b):
    log = _log(by_student, [3.0, 700.0])
    short, long = timedelta(minutes=min(a, b)), timedelta(minutes=max(a, b))
    cap = min(short, timedelta(minutes=5))
    few, many = cf.clickstream.sessions(log, idle=long), cf.clickstream.sessions(log, idle=short)
    assert len(few) <= len(many)

    def total(idle, cap):
        return cf.clickstream.time_on_task(log, by=("student_id",), idle=idle, cap=cap)["time_on_task"].sum()

    assert total(long, cap) >= total(short, cap)
    assert total(short, short) >= total(short, cap)


def test_weeks_start_on_monday_in_the_zone_asked():
    sunday_night = pd.Timestamp("2026-10-05 03:00", tz="UTC")  # Sunday 22:00 in Chicago
    log = pd.DataFrame({"student_id": [1], "created_at": [sunday_night], "interaction_time": [pd.Timedelta(60, "s")]})
    chicago = cf.clickstream.time_on_task(log, tz="America/Chicago")
    assert chicago["week"].tolist() == [pd.Timestamp("2026-09-28")]
    assert cf.clickstream.time_on_task(log)["week"].tolist() == [pd.Timestamp("2026-10-05")]


def test_bad_parameters_are_config_errors():
    log = _log({1: [0, 60]})
    with pytest.raises(ConfigError) as refused:
        cf.clickstream.time_on_task(log, idle="5min", cap="10min")
    assert str(refused.value) == (
        "cap (0 days 00:10:00) must not exceed idle (0 days 00:05:00): a gap longer than idle already ends a session."
    )
    with pytest.raises(ConfigError, match="not columns"):
        cf.clickstream.time_on_task(log, by=("nobody",))
    # every function names the parameter that is not a positive duration
    for function in (cf.clickstream.sessions, cf.clickstream.time_on_task, cf.clickstream.resource_use):
        for name, value in (("idle", "soon"), ("idle", "-5min"), ("cap", 0)):
            if name == "cap" and function is cf.clickstream.sessions:
                continue
            with pytest.raises(ConfigError) as refused:
                function(log, **{name: value})
            assert str(refused.value) == f"{name} must be a positive duration such as '30min', got {value!r}."
    # resource_use needs the columns it groups by, and says so
    with pytest.raises(ConfigError) as refused:
        cf.clickstream.resource_use(log.assign(asset_id=1, user_request=True))
    assert str(refused.value) == "the log has no ['asset_type'] column(s); pass a frame from cf.load_page_view_log."


def test_resource_use_and_reconcile_on_a_loaded_log(canvas, institution):
    course = next(c for c in institution.courses.values() if len(c.enrollments) > 3)
    student = sorted(course.enrollments)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        log = cf.load_page_view_log(course.id, student_id=student, canvas=canvas, progress=False)
        hourly = cf.load_page_views(course.id, student, canvas=canvas, progress=False)
    use = cf.clickstream.resource_use(log)
    assert use["visits"].sum() == log["user_request"].sum()
    assert use["time_on_task"].sum() == cf.clickstream.time_on_task(log, by=("student_id",))["time_on_task"].sum()
    # Analytics' hourly counts are exactly the log's, by Analytics' rule (AJAX and masquerade included).
    enrollment = course.enrollments[student]
    assert log["user_request"].eq(False).any()
    hours = pd.to_datetime(enrollment.hours, unit="s", utc=True)
    inside = hourly[hourly["hour"] >= log["created_at"].min().floor("h")]
    assert len(inside) == (hours >= log["created_at"].min().floor("h")).sum()
    together = cf.clickstream.reconcile(log, inside)
    assert together["difference"].eq(0).all() and together["log_views"].sum() == len(log)
    dropped = cf.clickstream.reconcile(log.iloc[1:], inside)
    assert dropped["difference"].tolist().count(-1) == 1 and dropped["difference"].sum() == -1


def test_reconcile_counts_each_request_once_by_analytics_rule_and_says_what_it_lacks():
    at = pd.Timestamp("2026-09-01 10:15", tz="UTC")
    log = pd.DataFrame(
        {
            "student_id": [1, 1, 1, 1],
            "course_id": pd.array([7, 7, 7, None], dtype="Int64"),  # the last request was outside the course
            "request_id": ["r1", "r1", "r2", "r3"],  # r1 twice (two pages of the log overlapped): one request
            "created_at": [at, at, at + pd.Timedelta(hours=1), at],
            "url": ["/a", "/a?page=2", "/b", "/dashboard"],
        }
    )
    hour = at.floor("h")
    page_views = pd.DataFrame({"course_id": [7, 7], "student_id": [1, 1], "hour": [hour, hour + pd.Timedelta(hours=2)],
                               "views": [1, 4]})  # fmt: skip
    expected = pd.DataFrame(
        {
            "course_id": [7, 7, 7],
            "student_id": [1, 1, 1],
            "hour": [hour, hour + pd.Timedelta(hours=1), hour + pd.Timedelta(hours=2)],
            "log_views": [1, 1, 0],
            "analytics_views": [1, 0, 4],
            "difference": [0, 1, -4],
        }
    )
    pd.testing.assert_frame_equal(cf.clickstream.reconcile(log, page_views), expected)
    with pytest.raises(ConfigError) as refused:
        cf.clickstream.reconcile(log.drop(columns="request_id"), page_views)
    assert str(refused.value) == "the log has no ['request_id'] column(s); pass a frame from cf.load_page_view_log."
    with pytest.raises(ConfigError) as refused:
        cf.clickstream.reconcile(log, page_views.drop(columns="views"))
    assert str(refused.value) == "page_views has no 'views' column; pass a frame from cf.load_page_views."


def test_sessions_of_a_log_with_only_students_and_times():
    """The columns a log may lack count as nothing: no participation, no interaction time, no URL."""
    log = _log({1: [0, 60, 4000]})[["student_id", "created_at"]]
    found = cf.clickstream.sessions(log)
    expected = pd.DataFrame(
        {
            "student_id": [1, 1],
            "session": [1, 2],
            "start": [T0, T0 + pd.Timedelta(seconds=4000)],
            "end": [T0 + pd.Timedelta(seconds=60), T0 + pd.Timedelta(seconds=4000)],
            "duration": pd.to_timedelta([60, 0], unit="s").astype("timedelta64[us]"),
            "requests": [2, 1],
            "participations": [0, 0],
            "interaction_time": pd.to_timedelta([0, 0], unit="s").astype("timedelta64[us]"),
            "first_url": pd.array([None, None], dtype="str"),
            "last_url": pd.array([None, None], dtype="str"),
        }
    )
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
    # a session's last request, without Canvas's interaction time, counts for nothing
    total = cf.clickstream.time_on_task(log, by=("student_id",))
    assert total["time_on_task"].tolist() == [pd.Timedelta(seconds=60)] and total["requests"].tolist() == [3]


def test_sessions_sum_participations_and_interaction_time_and_name_their_first_and_last_pages():
    log = _log({1: [0, 60, 4000]}, [3.0, 700.0, 42.0])
    log["participated"] = pd.array([True, None, False], dtype="boolean")  # Canvas did not say for one request
    found = cf.clickstream.sessions(log)
    assert found["participations"].tolist() == [1, 0]
    assert found["interaction_time"].tolist() == [pd.Timedelta(seconds=703), pd.Timedelta(seconds=42)]
    assert found[["first_url", "last_url"]].to_numpy().tolist() == [["u0", "u1"], ["u2", "u2"]]


def test_time_on_task_by_local_date_and_a_gap_of_exactly_idle_keeps_the_session():
    # 23:50 and 00:10 UTC are one Chicago evening; the gap between the last two is exactly the idle time
    log = _log({1: [0, 20 * 60, 50 * 60]})
    log["created_at"] = pd.to_datetime(["2026-09-01 23:50", "2026-09-02 00:10", "2026-09-02 00:40"], utc=True)
    daily = cf.clickstream.time_on_task(log, by="date", idle="30min", cap="10min", tz="America/Chicago")
    assert daily["date"].tolist() == [pd.Timestamp("2026-09-01")]
    assert daily["time_on_task"].tolist() == [pd.Timedelta(minutes=10) * 2 + pd.Timedelta(seconds=5)]
    assert cf.clickstream.sessions(log, idle="30min")["requests"].tolist() == [3]
