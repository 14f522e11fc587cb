"""A morning's re-run with ``refresh="changed"`` against a cold pull made at the same moment.

Run:  python benchmarks/refresh.py            (three runs of each shape; about 10 minutes on 2 cores)
      python benchmarks/refresh.py --quick    (smaller shapes, one run each)

Writes benchmarks/refresh-results.json and prints a Markdown table.

The sandbox runs in a process of its own (Canvas is another machine), with Canvas's throttle and
100 ms per request, and caches each per-student Analytics answer for 12 hours as Canvas does. A
run: yesterday's cold pull; then a day passes (more than the Analytics' 12 hours) in which a fifth
of the students are active (``Institution.advance(24, share=0.2)``), 3 students post in
discussions and 10 submissions are regraded with no student doing anything; then the same pull
with ``refresh="changed"`` from yesterday's cache, and a cold pull into an empty cache, at the
same moment. Every frame of the two must be equal. The ratios are the incremental pull's
requests and wall time over the cold pull's. Shapes:

* ``course``: ``cf.load_course`` (every frame a course loads) of a 200-student course its teacher
  teaches alone, the token being the teacher's (the inbox is then a complete signal for
  ``communication``). Targets: at most 0.3x the requests and 0.35x the time.
* ``course with an assistant``: the same with a teaching assistant beside the teacher, so
  ``communication`` has no safe signal and is refetched whole. No target: it shows the cost.
* ``term``: ``cf.export_dataset`` of those frames over 60 courses of 10 students. Target: at
  most 0.75x the requests (small courses are mostly lists and views any safe refresh repeats).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import canvasframe as cf
from canvasframe.sandbox import Config, Institution, SandboxServer, SandboxSettings, ThrottleConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import commit, frozen, machine

HERE = Path(__file__).resolve().parent
SERVER_TIME = 0.1
ACTIVE_SHARE = 0.2  # the students active in a day of a live course
POSTS, REGRADES = 3, 10
THROTTLE_DRAIN = 8.0  # seconds: an empty bucket before each pull, so each starts as a morning's would


@dataclass(frozen=True)
class Shape:
    name: str
    courses: int
    students: int
    assistants: bool
    targets: dict[str, float]


SHAPES = [
    Shape("course", 1, 200, False, {"requests": 0.3, "seconds": 0.35}),
    Shape("course with an assistant", 1, 200, True, {}),
    Shape("term", 60, 10, False, {"requests": 0.75}),
]
QUICK = {"course": (1, 40), "course with an assistant": (1, 40), "term": (12, 5)}


def a_day_passes(inst: Institution, courses: list[int], seed: int) -> dict[str, int]:
    """A fifth of the students active, 3 posts, 10 regrades; what happened, counted."""
    rng = np.random.default_rng([seed, 5])
    active = inst.advance(24, share=ACTIVE_SHARE, seed=seed)
    for n in range(POSTS):
        course = inst.courses[courses[int(rng.integers(len(courses)))]]
        topics = [t.id for t in inst.forums[course.id].topics if not t.children and not t.is_announcement]
        author = sorted(course.enrollments)[int(rng.integers(len(course.enrollments)))]
        inst.post(course.id, topics[int(rng.integers(len(topics)))], author, seed=n)
    for _ in range(REGRADES):
        course = inst.courses[courses[int(rng.integers(len(courses)))]]
        quizzes = {q.assignment_id for q in inst.quiz_sets[course.id]}
        assignments = [a for a in course.assignments if a.id not in quizzes and a.points_possible]
        a = assignments[int(rng.integers(len(assignments)))]
        student = sorted(course.enrollments)[int(rng.integers(len(course.enrollments)))]
        inst.grade(course.id, student, a.id, float(rng.integers(0, int(a.points_possible) + 1)))
    return {"active": len(active), "posts": POSTS, "regrades": REGRADES}


def _course_pull(course_id: int) -> Callable[[cf.Canvas, Path, bool | str], dict[str, pd.DataFrame]]:
    def pull(canvas: cf.Canvas, _: Path, refresh: bool | str) -> dict[str, pd.DataFrame]:
        return cf.load_course(course_id, canvas=canvas, refresh=refresh, progress=False)

    return pull


def _term_export(courses: list[int]) -> Callable[[cf.Canvas, Path, bool | str], dict[str, pd.DataFrame]]:
    loaders = [getattr(cf, f"load_{frame}") for frame in cf.COURSE_FRAMES]

    def pull(canvas: cf.Canvas, folder: Path, refresh: bool | str) -> dict[str, pd.DataFrame]:
        cf.export_dataset(loaders, courses, folder, canvas=canvas, refresh=refresh, progress=False)
        return {
            f"{frame} {c}": pd.read_parquet(part) if (part := folder / frame / f"course_id={c}").exists() else None
            for frame in cf.COURSE_FRAMES
            for c in courses
        }

    return pull


def _serve(config: Config, commands: Any, answers: Any) -> None:
    """The sandbox, in a process of its own (Canvas is another machine; see run.in_child): it serves,
    and lets a day pass when told (``("day", seed)``), until told to stop (``None``)."""
    inst = frozen(Institution(config))
    taught = [c.id for c in inst.courses.values() if c.enrollments]
    settings = SandboxSettings(server_time=SERVER_TIME, analytics_cache_hours=12)
    with SandboxServer(inst, throttle=ThrottleConfig(), settings=settings) as server:
        answers.put((server.url, server.token, taught))
        while (command := commands.get()) is not None:
            day = a_day_passes(inst, taught, command[1])
            for course in taught:  # the sandbox's tables made again now, not while a pull waits (Canvas keeps them)
                inst.roster(inst.courses[course])
            answers.put(day)


def one_run(shape: Shape, courses: int, students: int, seed: int) -> dict[str, Any]:
    config = Config(seed=60 + seed, subaccounts=1, courses_per_subaccount=courses, students_per_course=students,
                    weeks=10, assistants=shape.assistants)  # fmt: skip
    context = multiprocessing.get_context("spawn")
    commands, answers = context.Queue(), context.Queue()
    child = context.Process(target=_serve, args=(config, commands, answers), daemon=True)
    child.start()
    try:
        url, token, taught = answers.get(timeout=600)
        pull = _course_pull(taught[0]) if shape.courses == 1 else _term_export(taught)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)

            def measured(cache: str, refresh: bool | str) -> dict[str, Any]:
                time.sleep(THROTTLE_DRAIN)  # the bucket drains overnight
                canvas = cf.connect(url, token, cache_dir=root / cache)
                start = time.monotonic()
                frames = pull(canvas, root / f"export-{cache}", refresh)
                return {"seconds": time.monotonic() - start, "requests": canvas.stats["requests"], "frames": frames}

            measured("kept", False)  # yesterday's pull
            commands.put(("day", seed))
            day = answers.get(timeout=600)
            changed = measured("kept", "changed")
            cold = measured("cold", False)
    finally:
        commands.put(None)
        child.join(timeout=60)
    for name, frame in changed["frames"].items():
        if frame is None or cold["frames"][name] is None:
            assert frame is cold["frames"][name], name
        else:
            pd.testing.assert_frame_equal(frame, cold["frames"][name], obj=name)
    return {
        "courses": courses,
        "students": students,
        **day,
        "changed": {k: changed[k] for k in ("seconds", "requests")},
        "cold": {k: cold[k] for k in ("seconds", "requests")},
        "requests_ratio": changed["requests"] / cold["requests"],
        "seconds_ratio": changed["seconds"] / cold["seconds"],
    }


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def table(results: dict[str, Any]) -> str:
    rows = [
        "| shape | requests, changed / cold | ratio, median (min–max) | time ratio, median (min–max) | target |",
        "|---|---|---|---|---|",
    ]
    for name, result in results.items():
        run = result["runs"][0]
        r, s = result["requests"], result["seconds"]
        met = [
            f"{key} ≤ {bound}: {'met' if result[key]['median'] <= bound else 'NOT met'}"
            for key, bound in result["targets"].items()
        ]
        rows.append(
            f"| {name} ({run['courses']} × {run['students']}) | {run['changed']['requests']} / "
            f"{run['cold']['requests']} | {r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f}) | "
            f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f}) | {'; '.join(met) or 'none'} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller shapes, one run each")
    parser.add_argument("--only", nargs="+", help="the shapes to measure, by name")
    args = parser.parse_args()
    results = {}
    for shape in SHAPES:
        if args.only and shape.name not in args.only:
            continue
        courses, students = QUICK[shape.name] if args.quick else (shape.courses, shape.students)
        runs = [one_run(shape, courses, students, seed) for seed in range(1 if args.quick else 3)]
        for run in runs:
            print(f"  {shape.name}: {run['changed']['requests']} requests against {run['cold']['requests']}, "
                  f"{run['changed']['seconds']:.1f} s against {run['cold']['seconds']:.1f} s")  # fmt: skip
        results[shape.name] = {
            "targets": shape.targets,
            "runs": runs,
            "requests": spread([r["requests_ratio"] for r in runs]),
            "seconds": spread([r["seconds_ratio"] for r in runs]),
        }
    if not args.quick and not args.only:
        (HERE / "refresh-results.json").write_text(
            json.dumps({"commit": commit(), "machine": machine(), "shapes": results}, indent=2) + "\n"
        )
    print(table(results))


if __name__ == "__main__":
    main()
