"""The canvasframe command, run as a user runs it: a real process."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
import zoneinfo

import networkx as nx
import pandas as pd
import pytest

import canvasframe as cf
from canvasframe._sample import sample_config
from canvasframe.app.gallery import FIGURES
from canvasframe.sandbox.institution import Institution
from canvasframe.sandbox.model import TZ_NAMES

from . import truth


def run(*args: str, cwd=None, env_extra=None) -> subprocess.CompletedProcess:
    import os

    env = os.environ | {"CANVASFRAME_PROGRESS": "0"} | (env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "canvasframe", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


def test_demo_writes_an_html_report_with_every_figure(tmp_path):
    result = run("demo", "--out", str(tmp_path / "report"))
    assert result.returncode == 0, result.stderr
    assert "[5/5]" in result.stdout and "synthetic" in result.stdout + result.stderr
    report = tmp_path / "report" / "index.html"
    assert str(report.resolve()) in result.stdout
    page = report.read_text()
    assert "synthetic" in page
    images = re.findall(r'<img src="(figures/[^"]+)"', page)
    assert len(images) == len(FIGURES)
    assert all((tmp_path / "report" / src).stat().st_size > 1000 for src in images)
    assert "<table" in page
    # The discussion section names the students without a tie, as the sample's own posts make them.
    inst = Institution(sample_config())
    course = inst.courses[cf.sample(quiet=True).sample_course_id]
    graph = truth.reply_graph(inst, course)
    isolated = ", ".join(map(str, sorted(nx.isolates(graph))))
    assert "<h2>Discussions</h2>" in page
    assert f"No discussion ties ({nx.number_of_isolates(graph)}):</strong> {isolated}." in page
    # The reports section counts, from the sample's submission events, who has two or more missing assignments.
    missing = {s: sum(x.status == "missing" for x in e.submissions.values()) for s, e in course.enrollments.items()}
    assert "<h2>Instructor reports</h2>" in page
    last = {r.user_id: r.last_activity_at for r in inst.roster(course).records}
    inactive = {s for s, at in last.items() if at is None or (inst.as_of - at).days >= 7}
    expected = {s for s, n in missing.items() if n >= 2} | inactive
    assert f"<strong>{len(expected)} of {len(course.enrollments)} students</strong>" in page
    # Due dates in the course's own zone, as people read them (not 05:59+00:00); the glance in plain numbers.
    zone = TZ_NAMES[course.tz_offset]
    first_due = min(a.due_at for a in course.assignments if a.due_at is not None)
    assert f"<th>due ({zone})</th>" in page and "+00:00" not in page
    assert first_due.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%a %d %b %H:%M") in page
    assert f"<th>students</th>\n      <td>{len(course.enrollments)}</td>" in page and "<th>mean</th>" not in page
    # Every table has one header row (a pivot's axis names made two); the interactive report is linked.
    assert all(head.count("<tr") == 1 for head in re.findall(r"<thead>(.*?)</thead>", page, flags=re.S))
    interactive = tmp_path / "report" / f"course-{course.id}.html"
    assert f'<a href="{interactive.name}">' in page and interactive.stat().st_size > 1_000_000


def test_demo_lab_without_jupyterlab_says_how_to_install(tmp_path):
    import shutil

    if shutil.which("jupyter-lab"):
        import pytest

        pytest.skip("JupyterLab is installed here; this checks the message shown without it")
    result = run("demo", "--lab")
    assert result.returncode == 1 and "pip install jupyterlab" in result.stdout


def test_fetch_and_cache_commands(tmp_path):
    env = {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")}
    listing = run("serve", "--help")
    assert "--students" in listing.stdout
    out = tmp_path / "summaries.csv"
    from canvasframe._sample import sample_server

    course_id = next(c.id for c in sample_server().institution.courses.values() if c.enrollments)
    fetched = run("fetch", "student_summaries", str(course_id), "--sample", "--out", str(out), env_extra=env)
    assert fetched.returncode == 0, fetched.stderr
    frame = pd.read_csv(out)
    expected = cf.load_student_summaries(course_id, canvas=cf.sample(quiet=True, cache_dir=tmp_path / "mine"))
    assert len(frame) == len(expected) > 0
    for column in ("course_id", "student_id", "page_views", "participations", "on_time", "late", "missing"):
        assert frame[column].tolist() == expected[column].tolist(), column  # every row, value by value
    info = run("cache", "info", env_extra=env)
    assert "student_summaries" in info.stdout
    cleared = run("cache", "clear", env_extra=env)
    assert "removed 1 cache entries" in cleared.stdout


def test_errors_are_one_line_messages_not_tracebacks(tmp_path):
    result = run(
        "fetch",
        "course_activity",
        "1",
        env_extra={"CANVAS_BASE_URL": "http://canvas.example.edu", "CANVAS_API_TOKEN": "x"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("canvasframe: Refusing plain http://") and "Traceback" not in result.stderr


@pytest.mark.parametrize("frame", sorted(cf.LOADERS))
def test_fetch_prints_every_frame_of_the_sample(frame, capsys):
    """The command line calls each loader as the registry describes it: no call shape is guessed."""
    from canvasframe.app.cli import main

    spec = cf.LOADERS[frame]
    canvas = cf.sample(quiet=True)
    owner = canvas.sample_ids[spec.ids]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        expected = spec(owner, canvas=canvas).to_string(max_rows=20)
        assert main(["fetch", frame, str(owner), "--sample"]) == 0
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fetch", "course_activity", "abc", "--sample"], "'abc' is not a Canvas course id"),
        (["fetch", "course_activity", "-1", "--sample"], "'-1' is not a Canvas course id"),
        (["fetch", "department_grades", "1", "--term", "spring", "--sample"], "'spring' is not a Canvas term id"),
        (["fetch", "external_tools", "1", "--term", "current", "--sample"], "load_external_tools takes no term"),
        (["fetch", "courses", "1", "--term", "current", "--sample"], "'current' is not a Canvas enrollment term id"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message):
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.startswith(f"canvasframe: {message}") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_fetch_out_is_checked_before_fetching_and_written_safely(tmp_path):
    env = {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")}
    refused = run("fetch", "student_summaries", "1", "--sample", "--out", str(tmp_path / "x.json"), env_extra=env)
    assert refused.returncode == 1 and "--out must end in .csv, .parquet or .xlsx" in refused.stderr
    assert not (tmp_path / "cache").exists()  # nothing was fetched, so nothing was cached
    nested = tmp_path / "not" / "yet" / "there.csv"
    course_id = cf.sample(quiet=True, cache_dir=tmp_path / "mine").sample_course_id
    written = run("fetch", "discussion_topics", str(course_id), "--sample", "--out", str(nested), env_extra=env)
    assert written.returncode == 0, written.stderr
    assert pd.read_csv(nested)["topic_id"].tolist() == cf.load_discussion_topics(course_id)["topic_id"].tolist()


def test_text_is_safe_in_a_spreadsheet_and_in_a_terminal(tmp_path):
    from canvasframe._csv import write_csv
    from canvasframe.app.cli import printable

    frame = pd.DataFrame({"title": ['=HYPERLINK("http://x.test","click")', "+1", "-2", "@SUM(A1)", "plain"],
                          "score": [-1.5, 2.0, 3.0, 4.0, 5.0]})  # fmt: skip
    write_csv(frame, tmp_path / "r.csv")
    back = pd.read_csv(tmp_path / "r.csv")
    assert back["title"].tolist() == ['\'=HYPERLINK("http://x.test","click")', "'+1", "'-2", "'@SUM(A1)", "plain"]
    assert back["score"].tolist() == [-1.5, 2.0, 3.0, 4.0, 5.0]  # numbers stay numbers
    assert printable("ok\x1b]0;pwned\x07 done\n\tnext") == "ok\\x1b]0;pwned\\x07 done\n\tnext"


def test_share_writes_a_bundle_that_verifies_and_refuses_a_short_key(tmp_path):
    from canvasframe._sample import sample_server

    env = {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")}
    course_id = next(c.id for c in sample_server().institution.courses.values() if c.enrollments)
    key = tmp_path / "key"
    key.write_text("a-pseudonymisation-key-of-32-chars!\n")
    out = tmp_path / "bundle"
    made = run("share", str(course_id), "--sample", "--out", str(out), "--key-file", str(key), env_extra=env)
    assert made.returncode == 0, made.stderr
    assert cf.share.verify(out)["ok"].all()
    manifest = (out / "MANIFEST.json").read_text()
    assert "load_submission_comments" in manifest and "a-pseudonymisation-key" not in manifest
    again = run("share", str(course_id), "--sample", "--out", str(out), "--key-file", str(key), env_extra=env)
    assert again.returncode == 1 and "exists" in again.stderr
    key.write_text("short")
    refused = run(
        "share", str(course_id), "--sample", "--out", str(tmp_path / "b2"), "--key-file", str(key), env_extra=env
    )
    assert refused.returncode == 1 and "at least 16 bytes" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "b2").exists()


def test_version_and_every_option_has_help():
    from canvasframe.app.cli import build_parser

    assert run("--version").stdout.strip() == f"canvasframe {cf.__version__}"
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, command in commands.items():
        assert command.description, f"canvasframe {name} has no description"
        for action in command._actions:
            if action.dest != "help":
                assert action.help, f"canvasframe {name} {action.option_strings or action.dest} has no help"


def test_serve_sample_serves_the_sample_and_a_busy_port_or_missing_config_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run("serve", "--sample", "--port", str(port))
    assert (
        busy.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "Traceback" not in busy.stderr
    )
    missing = run("serve", "--config", str(tmp_path / "nope.json"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    command = [sys.executable, "-m", "canvasframe", "serve", "--sample", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        proc.terminate()
    assert f"course {cf.sample(quiet=True).sample_course_id:>6}" in lines[2]  # the course cf.sample() has


def test_fetch_offline_reads_only_the_cache_and_cache_info_filters(tmp_path):
    env = {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")}
    course = str(cf.sample(quiet=True).sample_course_id)
    offline = run("fetch", "student_summaries", course, "--sample", "--offline", env_extra=env)
    assert offline.returncode == 1 and "Offline" in offline.stderr and "not in the cache" in offline.stderr
    assert run("fetch", "student_summaries", course, "--sample", env_extra=env).returncode == 0
    assert run("fetch", "course_activity", course, "--sample", env_extra=env).returncode == 0
    info = run("cache", "info", "--frame", "course_activity", env_extra=env)
    assert info.stdout.startswith(f"cache at {tmp_path / 'cache'}: 1 entries")
    assert "course_activity" in info.stdout and "student_summaries" not in info.stdout


def test_fetch_refresh_changed_rebuilds_the_same_frame_from_what_changed(tmp_path):
    env = {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache")}
    from canvasframe._sample import sample_server

    course_id = next(c.id for c in sample_server().institution.courses.values() if c.enrollments)
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    assert run("fetch", "page_views", str(course_id), "--sample", "--out", str(first), env_extra=env).returncode == 0
    changed = run("fetch", "page_views", str(course_id), "--sample", "--refresh", "changed", "--out", str(again),
                  env_extra=env)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    pd.testing.assert_frame_equal(pd.read_csv(again), pd.read_csv(first))
    refused = run("fetch", "page_views", str(course_id), "--sample", "--refresh", "sometimes", env_extra=env)
    assert refused.returncode == 2 and "invalid choice: 'sometimes'" in refused.stderr
