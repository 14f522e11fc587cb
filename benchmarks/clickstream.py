"""The page-view log at the throttle's physical limit: units spent against the least, wall time against the bound.

Run:  python benchmarks/clickstream.py            (200 students, three runs; about 12 minutes on 2 cores)
      python benchmarks/clickstream.py --runs 1
      python benchmarks/clickstream.py --quick    (40 students, one run)

Writes benchmarks/clickstream-results.json and prints a Markdown table.

The sandbox runs in this process (the pull is bound by the bucket's leak, not by either side's
CPU, and the sandbox's own records give the units charged) with Canvas's throttle (800-unit bucket, refusal at 600, a
leak of 10 units a second, 50 units pre-flight) and 100 ms per request. Its page-view service
charges Canvas's per-action costs (150 a history query, 5 a poll, 50 a results file,
``ceil(per_page × 0.0723) × 2`` a list page), **all scaled by one factor** (``COST_SCALE``):
at Canvas's own costs a 200-student pull is over an hour of bucket time, and only the ratios
matter. The course has four months of history before the current month and the 30 days of
the list.

- **Units**: what the pull was charged (the sum of ``X-Request-Cost``), against the least that
  can fetch the same data: one history query per student, the polls the service needs before
  it says ``finished``, one results file, and each student's list rows in the cheapest pages
  (known after the fact, from the rows each list held). Target ≤ 1.05.
- **Wall time** against the bound: the larger of the in-flight floor (``R × L / 11``) and the
  leak floor (units beyond the bucket's 600 of headroom, at 10 a second). Target ≤ 1.15.
- The page-view service's own 429s (a few scripted) are waited out with no error.
- **A month rolling over**: the clock moves into the next month and the pull runs again; it
  must ask one history query per student, for that month only.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import canvasframe as cf
from canvasframe.sandbox import Config, FaultPlan, Institution, SandboxServer, SandboxSettings, ThrottleConfig
from canvasframe.sandbox.page_view_views import POLL_COST, QUERY_COST, RESULTS_COST, list_cost

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import commit, machine

HERE = Path(__file__).resolve().parent
COST_SCALE = 0.05  # every page-view cost, scaled (see the module's notes)
SERVER_TIME = 0.1
MAX_IN_FLIGHT = 11
THROTTLE = ThrottleConfig()


def institution(students: int) -> Institution:
    # 16 weeks from 2026-08-31: the clock stands in December, after four months (Aug 31 to Nov 30).
    config = Config(seed=41, subaccounts=1, courses_per_subaccount=1, students_per_course=students, weeks=16,
                    assignments_per_course=4)  # fmt: skip
    return Institution(config)


def least_units(server: SandboxServer, students: list[int], list_rows: dict[int, int]) -> float:
    """The fewest units that fetch the data: per student a query, its polls, one file; the cheapest list pages."""
    service = server.page_views
    per_student = QUERY_COST + (service.polls + 1) * POLL_COST + RESULTS_COST
    history = len(students) * per_student * COST_SCALE
    return history + sum(_cheapest_list(rows) for rows in list_rows.values()) * COST_SCALE


def _cheapest_list(rows: int) -> float:
    """The cheapest pages that hold ``rows`` rows (at least one page, even for none)."""
    # Only the largest size of each price can be in a cheapest choice.
    sizes = sorted({min(200, int(k / 0.0723)) for k in range(1, 16)})
    best = [0.0] + [math.inf] * rows
    for n in range(1, rows + 1):
        best[n] = min(best[max(0, n - size)] + list_cost(size) for size in sizes)
    return best[rows] if rows else list_cost(1)


def one_pull(server: SandboxServer, course_id: int, cache: Path) -> dict[str, Any]:
    canvas = cf.connect(server.url, server.token, cache_dir=cache)
    charged_before = server.page_views.charged
    start = time.monotonic()
    log = cf.load_page_view_log(course_id, canvas=canvas, progress=False)
    seconds = time.monotonic() - start
    return {
        "seconds": seconds,
        "rows": len(log),
        "requests": canvas.stats["requests"],
        "throttled": canvas.stats["throttled"],
        "units": server.page_views.charged - charged_before,
    }


def measure(students: int, runs: int) -> dict[str, Any]:
    inst = institution(students)
    course = next(c for c in inst.courses.values() if c.term_id == inst.default_term.id and c.enrollments)
    settings = SandboxSettings(server_time=SERVER_TIME, page_view_cost_scale=COST_SCALE, page_view_duplicates=False)
    results = []
    for _ in range(runs):
        with SandboxServer(inst, throttle=THROTTLE, settings=settings, faults=FaultPlan()) as server, \
                tempfile.TemporaryDirectory() as tmp:  # fmt: skip
            for student in course.enrollments:  # the sandbox makes each log on first use: not the pull's time
                server.page_views.log(student)
            server.faults.script(r"/page_views", "page-views-429", times=5, after=50)
            run = one_pull(server, course.id, Path(tmp))
            list_rows = _list_rows(server, sorted(course.enrollments))
            run["least_units"] = least_units(server, sorted(course.enrollments), list_rows)
            run["units_ratio"] = run["units"] / run["least_units"]
            accepted = run["requests"] - run["throttled"]
            in_flight = accepted * SERVER_TIME / MAX_IN_FLIGHT
            leak = max(0.0, run["units"] - THROTTLE.high_water) / THROTTLE.leak_rate
            run["bound"], run["bound_kind"] = max((in_flight, "in flight"), (leak, "leak"))
            run["time_ratio"] = run["seconds"] / run["bound"]
            run["pv429"] = sum(kind == "page-views-429" for kind, _ in server.faults.fired)
            # A month later (the bucket long drained): only the month that ended is asked of the history API.
            _drain(server)
            before = len(server.page_views.queries)
            server.page_views.now = server.page_views.clock() + timedelta(days=31)
            again = one_pull(server, course.id, Path(tmp))
            spans = {(q.start, q.end) for q in list(server.page_views.queries.values())[before:]}
            run["rollover_queries"] = len(server.page_views.queries) - before
            run["rollover_months"] = sorted({f"{a:%Y-%m}..{b:%Y-%m}" for a, b in spans})
            run["rollover_seconds"] = again["seconds"]
            results.append(run)
            print(f"  {students} students: {run['seconds']:.1f} s (bound {run['bound']:.1f} s, {run['bound_kind']}), "
                  f"units ×{run['units_ratio']:.3f}, time ×{run['time_ratio']:.2f}, rollover "
                  f"{run['rollover_queries']} queries {run['rollover_months']}", flush=True)  # fmt: skip
    return {"students": students, "runs": results, **_spread(results, "units_ratio"), **_spread(results, "time_ratio")}


def _drain(server: SandboxServer) -> None:
    bucket = server.throttle.bucket(server.token)
    while bucket.remaining() < THROTTLE.high_water - 1:
        time.sleep(0.5)


def _list_rows(server: SandboxServer, students: list[int]) -> dict[int, int]:
    """Rows each student's list part held: the log from the current month's start to the clock."""
    now = server.page_views.clock()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return {s: sum(start <= r.created_at <= now for r in server.page_views.served(s)) for s in students}


def _spread(runs: list[dict], key: str) -> dict[str, float]:
    values = [r[key] for r in runs]
    return {f"{key}_median": statistics.median(values), f"{key}_min": min(values), f"{key}_max": max(values)}


def table(result: dict) -> str:
    r = result
    return "\n".join(
        [
            "| measure | median (min–max) | target |",
            "|---|---|---|",
            f"| units ÷ least units | {r['units_ratio_median']:.3f} ({r['units_ratio_min']:.3f}–"
            f"{r['units_ratio_max']:.3f}) | ≤ 1.05: {'met' if r['units_ratio_median'] <= 1.05 else '**not met**'} |",
            f"| wall time ÷ bound | {r['time_ratio_median']:.2f} ({r['time_ratio_min']:.2f}–"
            f"{r['time_ratio_max']:.2f}) | ≤ 1.15: {'met' if r['time_ratio_median'] <= 1.15 else '**not met**'} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    students, runs = (40, 1) if args.quick else (200, args.runs)
    result = measure(students, runs) | {"date": date.today().isoformat(), "commit": commit(), "scale": COST_SCALE}
    out = HERE / ("clickstream-results-quick.json" if args.quick else "clickstream-results.json")
    out.write_text(json.dumps({"machine": machine(), "result": result}, indent=1, default=str))
    print(f"Machine: {machine()}; {date.today().isoformat()}; {runs} runs; costs × {COST_SCALE}\n\n{table(result)}")


if __name__ == "__main__":
    main()
