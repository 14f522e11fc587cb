"""cf.to_excel: every common frame opens in a spreadsheet, value by value (read back with openpyxl)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import canvasframe as cf

from . import truth

FRAMES = ("enrollments", "submissions", "student_summaries", "page_views", "discussion_entries", "conversations",
          "submission_comments")  # fmt: skip


@pytest.fixture(scope="module")
def loaded():
    canvas = cf.sample(quiet=True)
    return {name: cf.LOADERS[name](canvas.sample_course_id, canvas=canvas, progress=False) for name in FRAMES}


def test_every_common_frame_opens_with_local_times_hours_and_joined_lists(loaded, tmp_path):
    # pandas' own to_excel refuses time zones: "Excel does not support datetimes with timezones"
    with pytest.raises(ValueError, match="timezones"):
        loaded["enrollments"].to_excel(tmp_path / "plain.xlsx")
    written = cf.to_excel(loaded, tmp_path / "course.xlsx", tz="America/Chicago")
    book = pd.read_excel(written, sheet_name=None)
    assert list(book) == [*FRAMES, "columns", "provenance"]
    enrollments, sheet = loaded["enrollments"], book["enrollments"]
    local = enrollments["created_at"].dt.tz_convert("America/Chicago").dt.tz_localize(None)
    assert sheet["created_at (America/Chicago)"].tolist() == local.tolist()
    hours = enrollments["total_activity_time"].dt.total_seconds() / 3600
    assert sheet["total_activity_time (hours)"].tolist() == pytest.approx(hours.tolist())
    messages = loaded["conversations"]
    joined = [", ".join(str(i) for i in ids) for ids in messages["participant_ids"]]
    assert book["conversations"]["participant_ids (list)"].astype(str).tolist() == joined
    columns = book["columns"]
    meaning = columns[(columns["sheet"] == "enrollments") & (columns["column"] == "student_id")]["meaning"].item()
    assert meaning == "Canvas user id of the student"
    provenance = book["provenance"].set_index("sheet")
    assert provenance.loc["submissions", "frame"] == "submissions"
    assert provenance.loc["submissions", "rows"] == len(loaded["submissions"])


def test_text_that_would_run_as_a_formula_stays_text_and_sheet_names_are_excels(tmp_path):
    frame = pd.DataFrame({"title": ['=HYPERLINK("http://x")', "Essay"], "n": [-1, 2]})
    long = "a" * 40
    written = cf.to_excel({long: frame, long + "b": frame, "x/y": frame}, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(written)
    assert book.sheetnames == ["a" * 31, "a" * 27 + " (2)", "x_y", "columns", "provenance"]
    cell = book["x_y"]["A2"]
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert book["x_y"]["B2"].value == -1


def test_a_wrong_suffix_zone_or_frame_is_refused_before_writing(tmp_path):
    frame = pd.DataFrame({"n": [1]})
    with pytest.raises(cf.ConfigError, match=r"\.xlsx"):
        cf.to_excel({"f": frame}, tmp_path / "f.xls")
    with pytest.raises(cf.ConfigError, match="time zone"):
        cf.to_excel({"f": frame}, tmp_path / "f.xlsx", tz="Mars/Olympus")
    with pytest.raises(cf.ConfigError, match="not a DataFrame"):
        cf.to_excel({"f": [1, 2]}, tmp_path / "f.xlsx")
    assert not list(tmp_path.iterdir())


def test_fetch_writes_excel(tmp_path):
    from canvasframe._sample import sample_config
    from canvasframe.sandbox import Institution

    from .test_cli import run

    course = truth.first_course(Institution(sample_config()))
    out = tmp_path / "summaries.xlsx"
    made = run("fetch", "student_summaries", str(course.id), "--sample", "--out", str(out), "--tz", "America/Chicago",
               env_extra={"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
    assert made.returncode == 0, made.stderr
    sheet = pd.read_excel(out, sheet_name="student_summaries")
    assert sorted(sheet["student_id"]) == sorted(course.enrollments)
