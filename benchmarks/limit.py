"""Pulls at the throttle's limit, from one course to a term: each shape three times, against its bound.

Run:  python benchmarks/limit.py            (about 30 minutes on 2 cores)
      python benchmarks/limit.py --quick    (smaller shapes, a few minutes)
      python benchmarks/limit.py --only "export 60x10" ...

Writes benchmarks/limit-results.json and prints a Markdown table.

The sandbox runs in its own process (Canvas is another machine), with Canvas's throttle: a
bucket of 800 units, refusal at 600, a leak of 10 units a second, and a 50-unit pre-flight
charge per request in flight, added before the request is judged, so an empty bucket admits
11. Every request takes a fixed server time (100 ms; 1.5 s in the costly shape), which is
also its cost in units. A shape's **bound** is the larger of two floors, both measured or
known in the same run:

* the in-flight floor, ``R x L / 11``: R the requests Canvas accepted (a throttled one is
  the client's loss, so it is not in R), L the median time of one request with the bucket empty;
* the leak floor, ``(R x c - 600) / 10``: the cost Canvas accepts beyond the bucket's headroom,
  at 10 units a second.

The ratio of each run's wall time to the bound is reported, with the spread of the three runs
(min to max). Memory: peak RSS growth of the pulling process against the final frame's size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from canvasframe.sandbox import Config, Institution, SandboxServer, SandboxSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run.py: the shared helpers
from run import FULL_PULL, THROTTLE, Served, commit, frozen, in_child, lower_bound, machine, measure_latency

HERE = Path(__file__).resolve().parent
RUNS = 3


@dataclass(frozen=True)
class Shape:
    courses: int
    students: int
    # "export" (page views of every course), "full" (load_course, 7 frames), "cells" (the same 7 frames, one
    # loader call each, one after another, as notebook cells load them), "two" (two "full" processes),
    # "page_views" (page views, then participations: the frames one activity request per student makes)
    work: str
    server_time: float = 0.1


@dataclass(frozen=True)
class Target:
    """What issue #21 asks of a shape: its median ratio at most ``ratio``, and the rest."""

    ratio: float
    unthrottled: bool = False  # no request refused in any run
    memory: float | None = None  # peak RSS growth at most this many times the final frames

    def judge(self, result: dict) -> str:
        runs = result["runs"]
        met = result["ratio_median"] <= self.ratio
        text = f"≤ {self.ratio}"
        if self.unthrottled:
            met = met and all(run["throttled"] == 0 for run in runs)
            text += ", 0 throttled"
        if self.memory is not None:
            met = met and all(run["peak_growth_mb"] <= self.memory * run["frame_mb"] for run in runs)
            text += f", RSS ≤ {self.memory:g}× frames"
        return f"{text}: {'met' if met else '**not met**'}"


@dataclass(frozen=True)
class Case:
    """One shape of issue #21, the smaller one ``--quick`` runs instead, and its target."""

    shape: Shape
    quick: Shape
    target: Target


CASES = {
    "export 60x10": Case(Shape(60, 10, "export"), Shape(12, 10, "export"), Target(1.2, unthrottled=True)),
    "export 20x30": Case(Shape(20, 30, "export"), Shape(4, 30, "export"), Target(1.2, unthrottled=True)),
    "full pull, 200 students": Case(Shape(1, 200, "full"), Shape(1, 40, "full"), Target(1.15)),
    # The same frames as the README and the notebooks load them: one loader call per cell.
    "cell by cell, 200 students": Case(Shape(1, 200, "cells"), Shape(1, 40, "cells"), Target(1.2)),
    "costly requests, 200 students": Case(  # and no error: a pull that raised has no result
        Shape(1, 200, "full", server_time=1.5), Shape(1, 40, "full", server_time=0.5), Target(1.3)
    ),
    "two processes, one token, 2x100": Case(Shape(2, 100, "two"), Shape(2, 30, "two"), Target(1.3)),
    "export 2000x5": Case(Shape(2000, 5, "export"), Shape(100, 5, "export"), Target(1.2)),
    "one 10,000-student course": Case(
        Shape(1, 10_000, "page_views"), Shape(1, 500, "page_views"), Target(1.2, memory=3.0)
    ),
}


# -- the sandbox, in its own process ------------------------------------------------------------------


def _serve(shape: Shape, ready: Any, stop: Any) -> None:
    config = Config(seed=31, subaccounts=1, courses_per_subaccount=shape.courses, students_per_course=shape.students,
                    weeks=6, assignments_per_course=4)  # fmt: skip
    inst = frozen(Institution(config))
    ids = [c.id for c in inst.courses.values() if c.term_id == inst.default_term.id and c.enrollments]
    settings = SandboxSettings(server_time=shape.server_time)
    with SandboxServer(inst, throttle=THROTTLE, settings=settings) as server:
        first = inst.courses[ids[0]]
        ready.put((server.url, server.token, ids, next(iter(first.enrollments))))
        stop.wait()


def drain(seconds: float) -> None:
    time.sleep(seconds)  # the bucket leaks what the last run left in it


# -- one run, in a fresh process ----------------------------------------------------------------------

PULL = """
import json, sys, tempfile, time
import canvasframe as cf

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field))

url, token, work, ids = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
with tempfile.TemporaryDirectory() as tmp:
    canvas = cf.Canvas(url, token, cache_dir=tmp + "/cache")
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # measure the pull's own peak RSS
    before = status("VmRSS:")
    start = time.monotonic()  # one clock for every process of the machine (Linux), so two pulls can be joined
    if work == "export":
        report = cf.export_dataset(cf.load_page_views, ids, tmp + "/export", canvas=canvas, progress=False)
        frame_bytes = 0
    elif work == "page_views":  # one request per student feeds both frames; participations come from the cache
        frames = {"page_views": cf.load_page_views(ids, canvas=canvas, progress=False)}
        frames["participations"] = cf.load_participations(ids, canvas=canvas, progress=False)
        frame_bytes = sum(int(f.memory_usage(deep=True).sum()) for f in frames.values())
    elif work == "cells":  # one loader per notebook cell, one after another
        frames = {frame: getattr(cf, "load_" + frame)(ids, canvas=canvas, progress=False)
                  for frame in json.loads(sys.argv[5])}
        frame_bytes = sum(int(f.memory_usage(deep=True).sum()) for f in frames.values())
    else:
        frames = cf.load_course(ids, frames=json.loads(sys.argv[5]), canvas=canvas, progress=False)
        frame_bytes = sum(int(f.memory_usage(deep=True).sum()) for f in frames.values())
    end = time.monotonic()
    print(json.dumps({"seconds": end - start, "start": start, "end": end, "requests": canvas.stats["requests"],
                      "throttled": canvas.stats["throttled"], "peak_growth_mb": (status("VmHWM:") - before) / 1024,
                      "frame_mb": frame_bytes / 2**20}))
"""


def _start(url: str, token: str, work: str, ids: list[int]) -> subprocess.Popen:
    args = [sys.executable, "-c", PULL, url, token, work, json.dumps(ids), json.dumps(FULL_PULL)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the pull failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def one_run(url: str, token: str, shape: Shape, ids: list[int]) -> dict:
    if shape.work != "two":
        return _result(_start(url, token, shape.work, ids))
    pulls = [_start(url, token, "full", [course]) for course in ids[:2]]  # one token, one bucket
    results = [_result(p) for p in pulls]
    return {
        # From the first pull's start to the last one's end: Python's start-up is not the pull's.
        "seconds": max(r["end"] for r in results) - min(r["start"] for r in results),
        "requests": sum(r["requests"] for r in results),
        "throttled": sum(r["throttled"] for r in results),
        "peak_growth_mb": max(r["peak_growth_mb"] for r in results),
        "frame_mb": sum(r["frame_mb"] for r in results),
    }


def measure(name: str, shape: Shape) -> dict:
    with in_child(_serve, shape, timeout=1800) as (url, token, ids, student):
        ids = ids[: shape.courses]
        single = measure_latency(Served(url, token, ids[0], student))
        drain(5)
        runs = []
        for _ in range(RUNS):
            run = one_run(url, token, shape, ids)
            # The work is the requests Canvas accepted: a refused one is the client's loss, not the work's.
            bound, kind = lower_bound(run["requests"] - run["throttled"], single, shape.server_time)
            run |= {"bound": bound, "bound_kind": kind}
            run["ratio"] = run["seconds"] / run["bound"]
            runs.append(run)
            print(f"  {name}: {run['seconds']:.1f} s, {run['requests']} requests, ratio {run['ratio']:.2f}, "
                  f"{run['throttled']} throttled", flush=True)  # fmt: skip
            drain(min(60.0, run["requests"] * shape.server_time / THROTTLE.leak_rate))
    ratios = [r["ratio"] for r in runs]
    return {"shape": asdict(shape), "latency": single, "runs": runs, "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios), "ratio_max": max(ratios)}  # fmt: skip


def table(results: dict) -> str:
    lines = [
        "| shape | requests | bound (kind) | wall s | ratio, median (min–max) | throttled | peak RSS / frames "
        "| target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        mid = sorted(r["runs"], key=lambda run: run["ratio"])[len(r["runs"]) // 2]
        memory = f"{mid['peak_growth_mb']:.0f} MB"
        if mid["frame_mb"]:
            memory += f" / {mid['frame_mb']:.0f} MB"
        lines.append(
            f"| {name} | {mid['requests']} | {mid['bound']:.1f} s ({mid['bound_kind']}) | {mid['seconds']:.1f} | "
            f"{r['ratio_median']:.2f} ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) | "
            f"{max(run['throttled'] for run in r['runs'])} | {memory} | {CASES[name].target.judge(r)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    shapes = {name: case.quick if args.quick else case.shape for name, case in CASES.items()}
    out = HERE / ("limit-results-quick.json" if args.quick else "limit-results.json")
    # --only re-measures some shapes and keeps the others' last results.
    results: dict[str, dict] = json.loads(out.read_text())["results"] if args.only and out.exists() else {}
    for name, shape in shapes.items():
        if args.only and name not in args.only:
            continue
        print(f"{name}: {shape}", flush=True)
        results[name] = measure(name, shape) | {"date": date.today().isoformat(), "commit": commit()}
        # Written after every shape: a long run interrupted keeps what it measured.
        record = {"machine": machine(), "date": date.today().isoformat(), "results": results}
        out.write_text(json.dumps(record, indent=1))
    header = f"Machine: {machine()}; {date.today().isoformat()}; {RUNS} runs per shape"
    print(header + "\n\n" + table(results))


if __name__ == "__main__":
    main()
