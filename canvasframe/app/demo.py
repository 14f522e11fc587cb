"""``canvasframe demo``: start the sandbox, pull the sample course over HTTP, write an HTML report."""

from __future__ import annotations

import html
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .. import discussions, reports
from .._palette import NOTICE
from .._sample import sample
from .gallery import FIGURES, GalleryData, render
from .report import write_report
from .report_data import student_labels

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>canvasframe demo</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2rem auto; padding: 0 1rem; color: #222; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
td, th {{ border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; }}
.notice {{ background: #fff4e0; border-left: 4px solid {notice}; padding: 0.5rem 1rem; }}
</style></head><body>
<h1>canvasframe demo: sample course {course_id}</h1>
<p class="notice">All data here is <strong>synthetic</strong>: canvasframe's bundled sample institution,
served by a local sandbox Canvas at {url} and fetched over HTTP on {when}.</p>
{body}
</body></html>
"""


def _section(title: str, content: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{content}\n"


def _step(number: int, total: int, text: str) -> float:
    print(f"[{number}/{total}] {text}", flush=True)
    return time.monotonic()


def _discussion_section(data: GalleryData) -> str:
    """The reply network in numbers: the whole network, its brokers, and who has no tie at all."""
    summary = discussions.network_summary(data.entries, data.topics, roster=data.summaries)
    metrics = data.metrics
    brokers = metrics.sort_values(["betweenness", "user_id"], ascending=[False, True]).head(5)
    isolated = metrics.loc[metrics["isolated"], "user_id"].tolist()
    return "\n".join(
        [
            f"<p>{len(data.topics)} topics and {len(data.entries)} posts (announcements left out). A top-level "
            "post counts as a reply to the topic's author; replies from or to deleted and anonymous posts "
            "are excluded and counted.</p>",
            summary.to_html(index=False, float_format="{:.3f}".format),
            "<h3>Who holds the network together (highest betweenness)</h3>",
            brokers[["user_id", "is_instructor", "posts", "in_degree", "out_degree", "betweenness"]].to_html(
                index=False, float_format="{:.3f}".format
            ),
            f"<p><strong>No discussion ties ({len(isolated)}):</strong> "
            f"{html.escape(', '.join(map(str, isolated))) or 'none'}.</p>",
        ]
    )


def _glance(data: GalleryData) -> pd.Series:
    """The course in a few plain numbers (a median is the middle student's)."""
    summaries = data.summaries
    return pd.Series(
        {
            "students": len(summaries),
            "page views, middle student": int(summaries["page_views"].median()),
            "participations, middle student": int(summaries["participations"].median()),
            "assignments": len(data.assignments),
            "work missing (all students)": int(summaries["missing"].sum()),
            "work late (all students)": int(summaries["late"].sum()),
        }
    )


def _assignments(data: GalleryData) -> pd.DataFrame:
    """The assignments, due dates in the course's time zone (the header says it), shares as percentages."""
    table = data.assignments[["title", "due_at", "points_possible", "median", "on_time", "late", "missing"]].copy()
    due = f"due ({data.tz})"
    table[due] = table.pop("due_at").dt.tz_convert(data.tz).dt.strftime("%a %d %b %H:%M")
    for share in ("on_time", "late", "missing"):
        table[share] = (table[share] * 100).round(0)
    return table.rename(columns={"on_time": "on time %", "late": "late %", "missing": "missing %"})[
        ["title", due, "points_possible", "median", "on time %", "late %", "missing %"]
    ]


def _reports_section(data: GalleryData, as_of: object) -> str:
    """New Analytics' reports from public APIs: who needs help, and the missing, late and excused work."""
    table = reports.student_table(data.enrollments, data.submissions, data.summaries, as_of=as_of)
    inactive = table["last_activity_at"].isna() | (table["days_since_activity"] >= 7).fillna(False)
    needs_help = table[(table["missing"] >= 2) | inactive]
    columns = ["sortable_name", "student_id", "current_score", "current_grade", "missing", "late", "excused"]
    columns.append("days_since_activity")
    work = reports.missing_late_excused(data.submissions, data.assignments)
    return "\n".join(
        [
            f"<p>Counted from each submission's own flags (Canvas's current decision), days up to "
            f"{pd.Timestamp(as_of).tz_convert(data.tz):%a %d %b %Y %H:%M} ({data.tz}). "
            f"<strong>{len(needs_help)} of {len(table)} students</strong> have two or more missing "
            "assignments or no activity in a week:</p>",
            needs_help[columns].to_html(index=False, float_format="{:.1f}".format, na_rep=""),
            "<h3>Missing, late and excused work per assignment</h3>",
            # One header row: the pivot's axis names would add a second one above the columns.
            work.pivot_table(index="title", columns="status", values="student_id", aggfunc="count", fill_value=0)
            .rename_axis(index="assignment", columns=None)
            .reset_index()
            .to_html(index=False),
        ]
    )


def run_demo(out: Path, *, lab: bool = False) -> int:
    """Fetch the sample course through the sandbox and write ``out/index.html``; return an exit code.

    Beside it, ``course-<id>.html``: the same course as one interactive page (``canvasframe report``).
    """
    if lab:
        return _open_lab()
    started = _step(1, 5, "starting the sandbox Canvas with the sample institution (synthetic data)")
    shutil.rmtree(out / "cache", ignore_errors=True)  # the demo always shows a pull over HTTP, never an old cache
    canvas = sample(cache_dir=out / "cache")
    course_id, account_id = canvas.sample_course_id, canvas.sample_account_id
    _step(2, 5, f"fetching course {course_id} and account {account_id} over HTTP from {canvas.root_url}")
    data = GalleryData.load(canvas, course_id, account_id)
    _step(3, 5, "drawing the figures")
    figures = render(data, out / "figures")
    _step(4, 5, "writing the report")
    at_risk = data.summaries.sort_values(["missing", "page_views"], ascending=[False, True]).head(10)
    body = [
        _section("Course at a glance", _glance(data).to_frame().to_html(header=False)),
        _section(
            "Assignments",
            _assignments(data).to_html(index=False, float_format="{:.2f}".format, na_rep=""),
        ),
        _section(
            "Ten students with the most missing work",
            at_risk.assign(student=at_risk["student_id"].map(student_labels(data.enrollments)))[
                ["student", "student_id", "page_views", "participations", "missing", "late"]
            ].to_html(index=False),
        ),
        _section("Discussions", _discussion_section(data)),
        _section("Instructor reports", _reports_section(data, canvas.sample_as_of)),
    ]
    for name, (caption, _) in FIGURES.items():
        body.append(_section(caption, f'<img src="figures/{figures[name].name}" alt="{html.escape(caption)}">'))
    _step(5, 5, "writing the interactive report")
    interactive = write_report(canvas, course_id, out, as_of=canvas.sample_as_of)
    body.insert(
        0,
        f'<p><a href="{interactive.name}"><strong>Open the interactive report</strong></a>: hover the charts, pick '
        "a student, narrow the dates, sort the tables (one file, works offline).</p>",
    )
    report = out / "index.html"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report.write_text(
        _PAGE.format(
            notice=NOTICE, course_id=course_id, url=html.escape(canvas.root_url), when=when, body="\n".join(body)
        )
    )
    print(f"Done in {time.monotonic() - started:.1f} s. Report: {report.resolve()}")
    return 0


def _open_lab() -> int:
    jupyter = shutil.which("jupyter-lab")
    if jupyter is None:
        print("JupyterLab is not installed: run  pip install jupyterlab  and then  canvasframe demo --lab  again.")
        return 1
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    if not notebooks.is_dir():
        print("The example notebooks come with a clone of the canvasframe repository (notebooks/).")
        return 1
    return subprocess.call([jupyter, str(notebooks)])
