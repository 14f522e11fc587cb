"""Transforms on hand-made payloads: the documented and real shapes, and the fast paths' edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import canvasframe as cf
from canvasframe import transforms

from . import truth


def _pandas_seconds(keys):
    return pd.to_datetime(pd.Series(keys), utc=True, format="ISO8601").astype("datetime64[s, UTC]").astype("int64")


@pytest.mark.parametrize(
    "keys",
    [
        [
            "2026-09-01T13:00:00-05:00",
            "2026-09-01T13:00:00+05:30",
            "2024-02-29T23:00:00-00:00",
            "2026-12-31T23:00:00+14:00",
            "1999-01-01T00:00:00-12:00",
        ],  # the fixed layout: fast path
        ["2026-09-01T13:00:00Z", "2026-09-01T14:00:00+02:00"],  # mixed layouts: pandas
        ["2026-09-01T13:00:00.000-05:00"],  # fractions: pandas
    ],
)
def test_canvas_hours_equals_pandas(keys):
    np.testing.assert_array_equal(transforms.canvas_hours(keys, "test"), _pandas_seconds(keys).to_numpy())


def test_canvas_hours_rejects_what_is_not_a_time():
    with pytest.raises(cf.ResponseFormatError, match="not an ISO 8601"):
        transforms.canvas_hours(["2026-13-01T13:00:00-05:00"], "test")
    with pytest.raises(cf.ResponseFormatError, match="not a timestamp"):
        transforms.canvas_hours([17], "test")


def test_page_views_sorts_and_sums_the_same_hour_named_in_two_offsets():
    payloads = [
        (9, {"page_views": {"2026-09-01T10:00:00+00:00": 1}}),
        (
            2,
            {
                "page_views": {
                    "2026-09-01T08:00:00-02:00": 4,
                    "2026-09-01T05:00:00-05:00": 3,
                    "2026-09-01T09:00:00-00:00": 1,
                }
            },
        ),
    ]
    frame = transforms.page_views(payloads, course_id=5)
    expected = pd.DataFrame(
        {
            "course_id": [5, 5, 5],
            "student_id": [2, 2, 9],
            "hour": pd.to_datetime(["2026-09-01T09:00Z", "2026-09-01T10:00Z", "2026-09-01T10:00Z"]),
            "views": [1, 7, 1],
        }
    )
    expected["hour"] = expected["hour"].astype("datetime64[us, UTC]")
    pdt.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    "layouts",
    [
        ("2026-09-01T13:00:00-05:00", "2026-09-01T13:00:00Z", "2026-09-02T09:00:00+05:30"),  # leaves mid-way
        ("2026-09-01T13:00:00Z", "2026-09-01T13:00:00-05:00", "2026-09-02T09:00:00+05:30"),  # off from the start
        ("2026-09-01T13:00:00-05:00", "2026-09-01T18:00:00+00:00", "2026-09-02T09:00:00+05:30"),  # fixed only
    ],
)
def test_page_views_agree_whichever_student_first_leaves_the_fixed_layout(layouts):
    payloads = [(sid, {"page_views": {key: sid}}) for sid, key in zip((1, 2, 3), layouts, strict=True)]
    frame = transforms.page_views(iter(payloads), course_id=4)
    expected = pd.DataFrame(
        {
            "course_id": [4, 4, 4],
            "student_id": [1, 2, 3],
            "hour": pd.to_datetime(pd.Series(layouts), utc=True, format="ISO8601").dt.as_unit("us"),
            "views": [1, 2, 3],
        }
    )
    pdt.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    "order",
    [
        [(1, ["T10", "T11"]), (2, []), (3, ["T09"])],  # sorted, with a student who has no views
        [(3, ["T09"]), (1, ["T10", "T11"])],  # students out of order
        [(1, ["T11", "T10"]), (3, ["T09"])],  # one student's hours out of order
        [(1, ["T10"]), (1, ["T10", "T11"])],  # the same student twice: hours summed
        [(1, []), (2, [])],  # nobody viewed anything
        [],  # a course with no students
    ],
)
def test_page_views_come_out_sorted_and_summed_whatever_order_they_arrive_in(order):
    payloads = [(sid, {"page_views": {f"2026-09-01{h}:00:00+00:00": 1 for h in hours}}) for sid, hours in order]
    pdt.assert_frame_equal(transforms.page_views(payloads, course_id=6), truth.page_views_read_plainly(payloads, 6))


@pytest.mark.parametrize("bad", [True, 1.5, "3", None])
def test_counts_accept_only_integers(bad):
    payload = [(1, {"page_views": {"2026-09-01T10:00:00+00:00": bad}})]
    if bad == "3":  # digit strings are integers in Canvas's string-id mode
        assert transforms.page_views(payload, course_id=1)["views"].tolist() == [3]
    elif bad is None:
        assert transforms.page_views(payload, course_id=1)["views"].tolist() == [0]
    else:
        with pytest.raises(cf.ResponseFormatError, match="expected an integer"):
            transforms.page_views(payload, course_id=1)


@pytest.mark.parametrize("text", ["\u00b2", "\u0661\u0662", "-\u00b3", "\uff11"])
def test_unicode_digits_are_not_integers(text):
    # str.isdigit() is True for these but int() rejects or misreads them; Hypothesis found
    # {"\u00b2": None} crashing department_grades with a bare ValueError.
    assert not transforms.is_digits(text.removeprefix("-"))
    with pytest.raises(cf.ResponseFormatError, match="expected an integer"):
        transforms.as_int(text, "score", "test")
    with pytest.raises(cf.ResponseFormatError, match="expected an integer"):
        transforms.department_grades({text: None}, account_id=1, term="current")


def test_digit_strings_with_sign_and_spaces_are_integers():
    assert [transforms.as_int(t, "k", "test") for t in ("12", " -7 ", "0")] == [12, -7, 0]


def test_documented_department_activity_and_real_arrays_agree_on_views():
    documented = {"by_date": {"2012-01-24": 1240, "2012-01-27": 912}, "by_category": {"files": 132, "other": 412}}
    real = {
        "by_date": [
            {"date": "2012-01-27", "views": 912, "participations": 4},
            {"date": "2012-01-24", "views": 1240, "participations": 9},
        ],
        "by_category": [{"category": "files", "views": 132}, {"category": "other", "views": 412}],
    }
    a = transforms.department_activity(documented, account_id=1, term="current")
    b = transforms.department_activity(real, account_id=1, term="current")
    pdt.assert_frame_equal(a.drop(columns="participations"), b.drop(columns="participations"))
    assert a["participations"].tolist() == [0, 0] and b["participations"].tolist() == [9, 4]
    pdt.assert_frame_equal(
        transforms.department_categories(documented, account_id=1, term="current"),
        transforms.department_categories(real, account_id=1, term="current"),
    )


_KEYS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(-2, 2), st.one_of(st.none(), st.integers(0, 5)), st.integers(0, 3)),
    max_size=30,
)


@given(rows=_KEYS)
def test_sorted_table_puts_rows_in_pandas_stable_order(rows):
    """Integers, UTC times and a key with nulls: the same rows, in the order pandas' stable sort gives."""
    frame = pd.DataFrame(
        {
            "course": np.array([r[0] for r in rows], dtype=np.int64),
            "hour": pd.to_datetime([r[1] * 3600 for r in rows], unit="s", utc=True).as_unit("us"),
            "maybe": pd.array([r[2] for r in rows], dtype="Int64"),
            "row": np.arange(len(rows), dtype=np.int64),  # which row went where: a sort that is not stable shows
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for keys in (["course", "hour"], ["hour"], ["course", "maybe"]):
        expected = frame.sort_values(keys, kind="stable")["row"].tolist()
        assert transforms.sorted_table(table, keys).column("row").to_pylist() == expected


def test_real_shaped_enrollments_keep_the_override_and_the_state():
    """data/canvas/enrollments-real.json: an overridden failing grade and a dropped student (data/README.md)."""
    import json
    from pathlib import Path

    payload = json.loads((Path(__file__).resolve().parent.parent / "data/canvas/enrollments-real.json").read_text())
    frame = transforms.enrollments(payload, course_id=1317)
    assert frame["student_id"].tolist() == [51207, 51208]
    assert frame["enrollment_state"].tolist() == ["active", "inactive"]
    assert frame.loc[0, ["final_score", "override_score"]].tolist() == [53.37, 80.0]
    assert frame.loc[0, "override_grade"] == "B-" and pd.isna(frame.loc[1, "override_score"])
    table = cf.reports.student_table(frame, pd.DataFrame(columns=["student_id", "assignment_id", "submitted_at",
                                                                  "late", "missing", "excused"]),
                                     as_of="2024-03-20")  # fmt: skip
    assert table["score_of_record"].tolist()[0] == 80.0 and table["grade_of_record"].tolist()[0] == "B-"


def test_real_shaped_submissions_without_flags_say_nothing_rather_than_false():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data/canvas/submissions-without-flags.json"
    frame = transforms.submissions(json.loads(path.read_text()), course_id=1317)
    assert frame["late"].isna().all() and frame["missing"].isna().all()
    assert frame["score"].tolist()[0] == 9.0 and pd.isna(frame["submitted_at"].tolist()[1])
