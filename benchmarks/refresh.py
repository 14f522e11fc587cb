"""A morning's re-run with ``refresh="changed"`` against a cold pull made at the same moment.

Run:  python benchmarks/refresh.py            (200 students, three runs; about a minute on 2 cores)
      python benchmarks/refresh.py --quick    (40 students, one run)

Writes benchmarks/refresh-results.json and prints a Markdown table.

The sandbox runs with Canvas's throttle and 100 ms per request, and caches each per-student
Analytics answer for 12 hours as Canvas does. A run: a cold pull of the course's page views and
participations with ``cf.load_course`` (one request per student and the student list); then a day passes, in which a
fifth of the students are active (``Institution.advance(24, share=0.2)``); then the same frames
with ``refresh="changed"`` from that cache, and a cold pull into an empty cache, at the same
moment. The ratios are the incremental pull's requests and wall time over the cold pull's, and
the two frames must be equal. Targets: at most 0.3× the requests and 0.35× the time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import canvasframe as cf
from canvasframe.sandbox import Config, Institution, SandboxServer, SandboxSettings, ThrottleConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import commit, machine

HERE = Path(__file__).resolve().parent
SERVER_TIME = 0.1
ACTIVE_SHARE = 0.2  # the students active in a day of a live course
TARGETS = {"requests": 0.3, "seconds": 0.35}
FRAMES = ["page_views", "participations"]  # one request per student feeds both
THROTTLE_DRAIN = 8.0  # seconds: an empty bucket before each pull, so each starts as a morning's would


def _pull(server: SandboxServer, course_id: int, cache: Path, refresh: bool | str) -> dict[str, Any]:
    canvas = cf.connect(server.url, server.token, cache_dir=cache)
    start = time.monotonic()
    frames = cf.load_course(course_id, frames=FRAMES, canvas=canvas, refresh=refresh, progress=False)
    return {"seconds": time.monotonic() - start, "requests": canvas.stats["requests"], "frames": frames}


def one_run(students: int, seed: int) -> dict[str, Any]:
    inst = Institution(Config(seed=60 + seed, subaccounts=1, courses_per_subaccount=1, students_per_course=students,
                              weeks=10))  # fmt: skip
    course = next(c.id for c in inst.courses.values() if c.enrollments)
    settings = SandboxSettings(server_time=SERVER_TIME, analytics_cache_hours=12)
    with SandboxServer(inst, throttle=ThrottleConfig(), settings=settings) as server, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        _pull(server, course, Path(tmp) / "kept", False)  # yesterday's pull
        active = sum(c == course for c, _ in inst.advance(24, share=ACTIVE_SHARE, seed=seed))
        time.sleep(THROTTLE_DRAIN)  # the bucket drains overnight
        changed = _pull(server, course, Path(tmp) / "kept", "changed")
        time.sleep(THROTTLE_DRAIN)
        cold = _pull(server, course, Path(tmp) / "cold", False)
    for name, frame in changed["frames"].items():
        pd.testing.assert_frame_equal(frame, cold["frames"][name])
    reused = len(changed["frames"]["page_views"].attrs["canvasframe"]["changed"]["reused"])
    return {
        "students": students,
        "active": active,
        "reused": reused,
        "changed": {k: changed[k] for k in ("seconds", "requests")},
        "cold": {k: cold[k] for k in ("seconds", "requests")},
        "requests_ratio": changed["requests"] / cold["requests"],
        "seconds_ratio": changed["seconds"] / cold["seconds"],
    }


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def table(result: dict[str, Any]) -> str:
    rows = ["| measure | ratio, median (min–max) | target |", "|---|---|---|"]
    for key, target in TARGETS.items():
        s = result[key]
        met = "met" if s["median"] <= target else "NOT met"
        rows.append(f"| {key} | {s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f}) | ≤ {target}: {met} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 students, one run")
    args = parser.parse_args()
    students, runs = (40, 1) if args.quick else (200, 3)
    measured = [one_run(students, seed) for seed in range(runs)]
    for run in measured:
        changed, cold = run["changed"], run["cold"]
        print(f"  {run['active']} of {students} active; {changed['requests']} requests against {cold['requests']}, "
              f"{changed['seconds']:.2f} s against {cold['seconds']:.2f} s")  # fmt: skip
    result = {
        "commit": commit(),
        "machine": machine(),
        "runs": measured,
        "requests": spread([r["requests_ratio"] for r in measured]),
        "seconds": spread([r["seconds_ratio"] for r in measured]),
    }
    if not args.quick:
        (HERE / "refresh-results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
