"""``canvasframe demo``: start the sandbox, pull the sample course over HTTP, summarise it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import loaders
from ._sample import sample


def run_demo(out: Path, *, lab: bool = False) -> int:
    """Fetch the sample course through the sandbox and write a short report; return an exit code."""
    if lab:
        jupyter = shutil.which("jupyter-lab")
        if jupyter is None:
            print("JupyterLab is not installed: pip install jupyterlab, then run canvasframe demo --lab again.")
            return 1
        notebooks = Path(__file__).resolve().parent.parent / "notebooks"
        return subprocess.call([jupyter, str(notebooks if notebooks.is_dir() else Path.cwd())])
    canvas = sample(cache_dir=out / "cache")
    course_id = canvas.sample_course_id
    print(f"Fetching sample course {course_id} from the sandbox at {canvas.root_url} ...")
    summaries = loaders.load_student_summaries(course_id, refresh=True)
    assignments = loaders.load_course_assignments(course_id, refresh=True)
    activity = loaders.load_course_activity(course_id, refresh=True)
    page_views = loaders.load_page_views(course_id, refresh=True)
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        f"Sample course {course_id}: {len(summaries)} students, {len(assignments)} assignments",
        f"Days with activity: {len(activity)}; page views {int(activity['views'].sum())}, "
        f"participations {int(activity['participations'].sum())}",
        f"Hourly page-view rows: {len(page_views)}",
        f"Students with 2+ missing assignments: {int((summaries['missing'] >= 2).sum())}",
    ]
    report = out / "summary.txt"
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"Report written to {report.resolve()}")
    return 0
