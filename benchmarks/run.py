"""canvasframe's benchmarks, each comparison measured side by side in one run on the sandbox.

Run:  python benchmarks/run.py            (about 12 minutes on 2 cores)
      python benchmarks/run.py --quick    (smaller N, for a smoke test)

Writes benchmarks/results.json and prints a table. Needs the [bench] extra
(canvasapi, requests-cache): pip install -e ".[bench]".

1. Full course pull: 3 course endpoints + 3 per-student endpoints x N students, against a
   sandbox with Canvas's throttle (bucket 800, high-water 600, leak 10 units/s, 50 pre-flight
   per in-flight request) and 100 ms of server time per request, which is also its cost.
   canvasframe (``load_course``, one pass) vs the same pull written with canvasapi vs plain
   sequential requests at N=200, three runs each; canvasframe alone at larger N. The lower
   bound the throttle allows for R accepted requests of cost c and latency L is
   max((R*c - 600)/leak, R*L/11) (see ``lower_bound``).
2. Warm cache: the same pull again from the Arrow cache, vs cold and vs replaying the same
   HTTP responses through requests-cache's SQLite backend.
3. Transform throughput: page-view JSON for 500 students x 16 weeks (about 470,000 hourly rows)
   -> typed frame, vs json.loads alone and vs the obvious pandas approach.
4. Cache footprint: Arrow bytes vs the raw JSON bytes, and read time.
5. Memory: peak RSS growth during (3), vs the final frame's memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

import canvasframe as cf
from canvasframe.sandbox import Config, Institution, SandboxServer, SandboxSettings, ThrottleConfig, views

HERE = Path(__file__).resolve().parent
SERVER_TIME = 0.1
THROTTLE = ThrottleConfig()  # Canvas's defaults
MAX_IN_FLIGHT = 11  # what an empty bucket admits: 11 charges of 50 stay below the 600-unit mark
PER_STUDENT = ("activity", "assignments", "communication")


def institution(students: int) -> tuple[Institution, int]:
    inst = Institution(
        Config(
            seed=12,
            subaccounts=1,
            courses_per_subaccount=1,
            students_per_course=students,
            assignments_per_course=8,
            weeks=16,
        )
    )
    return inst, next(c.id for c in inst.courses.values() if len(c.enrollments) == students)


@dataclass(frozen=True)
class Served:
    """Where a sandbox in another process answers, and what it holds."""

    url: str
    token: str
    course_id: int
    student_id: int


def frozen(inst: Institution) -> Institution:
    """The generated institution moved out of the garbage collector's sight, in a process that only serves it.

    Canvas is another machine and does not pause its answers to traverse a Python heap. A sandbox
    process holding a 10,000-student institution would: each full collection walks millions of
    objects that never change, with every request thread waiting.
    """
    gc.collect()
    gc.freeze()
    return inst


def _serve_in_child(students: int, ready: Any, stop: Any) -> None:
    inst, course_id = institution(students)
    frozen(inst)
    settings = SandboxSettings(server_time=SERVER_TIME)
    with SandboxServer(inst, throttle=THROTTLE, settings=settings) as server:
        ready.put(Served(server.url, server.token, course_id, next(iter(inst.courses[course_id].enrollments))))
        stop.wait()


@contextmanager
def in_child(target: Any, argument: Any, *, timeout: float) -> Iterator[Any]:
    """Run ``target(argument, ready, stop)`` in its own process; yield what it puts on ``ready``.

    Canvas is another machine: serving from this process would make its request handling
    compete with the client under one GIL and slow every client by the same artefact.
    """
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    child = context.Process(target=target, args=(argument, ready, stop), daemon=True)
    child.start()
    try:
        yield ready.get(timeout=timeout)
    finally:
        stop.set()
        child.join(timeout=60)


@contextmanager
def serve(students: int) -> Iterator[Served]:
    """A throttled sandbox of one N-student course, in its own process."""
    with in_child(_serve_in_child, students, timeout=300) as served:
        yield served


def lower_bound(accepted: int, latency: float, cost: float = SERVER_TIME) -> tuple[float, str]:
    """The least time Canvas's throttle allows for ``accepted`` requests, and which floor binds.

    The in-flight floor ``R x L / 11``: at most 11 requests run at once. The leak floor
    ``(R x c - 600) / 10``: the bucket accepts 600 units at once, then 10 a second. A refused
    request is the client's loss, not the work's, so only accepted requests count.
    """
    in_flight = accepted * latency / MAX_IN_FLIGHT
    leak = max(0.0, (accepted * cost - THROTTLE.high_water) / THROTTLE.leak_rate)
    return (leak, "leak") if leak > in_flight else (in_flight, "in-flight")


FULL_PULL = ["course_activity", "course_assignments", "student_summaries", "page_views", "participations",
             "student_assignments", "communication"]  # fmt: skip


def pull_course(canvas: cf.Canvas, course_id: int) -> None:
    """The course endpoints and, per student, activity, assignments and communication, in one pass."""
    cf.load_course(course_id, frames=FULL_PULL, canvas=canvas, progress=False)


def pull_canvasframe(server: Served, cache_dir: Path) -> dict:
    """The full pull with canvasframe: every frame of the course in one scheduled pass."""
    canvas = cf.Canvas(server.url, server.token, cache_dir=cache_dir)
    start = time.perf_counter()
    pull_course(canvas, server.course_id)
    return {
        "seconds": time.perf_counter() - start,
        "requests": canvas.stats["requests"],
        "throttled": canvas.stats["throttled"],
        "retries": canvas.stats["retries"],
    }


def pull_canvasapi(server: Served, cache_dir: Path | None = None) -> dict:
    """The same pull the way canvasapi users write it (canvasapi has no cache: ``cache_dir`` is unused)."""
    from canvasapi import Canvas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # canvasapi warns about http:// (the sandbox is local)
        canvas = Canvas(server.url, server.token)
        start = time.perf_counter()
        course = canvas.get_course(server.course_id)
        activity = pd.DataFrame(course.get_course_level_participation_data())
        assignments = pd.DataFrame(course.get_course_level_assignment_data())
        summaries = [s.__dict__ for s in course.get_course_level_student_summary_data()]
        frames = []
        for summary in summaries:
            sid = summary["id"]
            frames.append(course.get_user_in_a_course_level_participation_data(sid))
            frames.append(course.get_user_in_a_course_level_assignment_data(sid))
            frames.append(course.get_user_in_a_course_level_messaging_data(sid))
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "requests": 4 + -(-len(summaries) // 10) + 3 * len(summaries),
        "throttled": 0,
        "retries": 0,
        "rows": len(activity) + len(assignments),
    }


def pull_requests(server: Served, cache_dir: Path | None = None) -> dict:
    """The same pull as plain sequential requests (no cache)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.token}"
    base = f"{server.url}/api/v1/courses/{server.course_id}/analytics"
    start = time.perf_counter()
    count = 0
    for path in ("activity", "assignments"):
        session.get(f"{base}/{path}", timeout=60).json()
        count += 1
    url, students = f"{base}/student_summaries?per_page=100", []
    while url:
        response = session.get(url, timeout=60)
        students += [s["id"] for s in response.json()]
        url = response.links.get("next", {}).get("url")
        count += 1
    for sid in students:
        for path in PER_STUDENT:
            session.get(f"{base}/users/{sid}/{path}", timeout=60).json()
            count += 1
    return {"seconds": time.perf_counter() - start, "requests": count, "throttled": 0, "retries": 0}


def measure_latency(server: Served) -> float:
    """Median time of one typical (per-student) request, unthrottled."""
    session = requests.Session()
    url = f"{server.url}/api/v1/courses/{server.course_id}/analytics/users/{server.student_id}/communication"
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        session.get(url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30).json()
        samples.append(time.perf_counter() - start)
    time.sleep(1)  # let the bucket leak the samples' cost
    return statistics.median(samples)


RUNS = 3


def _runs(pull: Any, server: Served) -> dict:
    """``pull(server, cache)`` three times, each with an empty cache: the median run, and the spread of all."""
    runs = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as cache:
            runs.append(pull(server, Path(cache)))
        time.sleep(3)  # the bucket leaks what the run left in it
    seconds = sorted(r["seconds"] for r in runs)
    median = next(r for r in runs if r["seconds"] == seconds[len(seconds) // 2])
    return median | {"seconds_min": seconds[0], "seconds_max": seconds[-1]}


def full_pull(n_compare: int, n_alone: list[int], results: dict) -> None:
    rows = []
    clients = {"canvasframe": pull_canvasframe, "canvasapi": pull_canvasapi, "requests (sequential)": pull_requests}
    for name, pull in clients.items():
        with serve(n_compare) as server:
            latency = measure_latency(server)
            result = _runs(pull, server)
            if pull is pull_canvasframe:
                with tempfile.TemporaryDirectory() as cache:
                    cold = pull_canvasframe(server, Path(cache))
                    results["warm_cache"] = warm_cache(server, Path(cache), cold["seconds"])
            rows.append({"client": name, "students": n_compare, **result, "latency": latency})
            print(f"  {name:<22} N={n_compare:<5} {result['seconds']:7.1f} s", flush=True)
    for n in n_alone:
        with serve(n) as server, tempfile.TemporaryDirectory() as cache:
            latency = measure_latency(server)
            result = pull_canvasframe(server, Path(cache))
            result |= {"seconds_min": result["seconds"], "seconds_max": result["seconds"]}
            rows.append({"client": "canvasframe", "students": n, **result, "latency": latency})
            print(f"  {'canvasframe':<22} N={n:<5} {result['seconds']:7.1f} s", flush=True)
    for row in rows:
        row["lower_bound"], row["bound_kind"] = lower_bound(row["requests"] - row["throttled"], row["latency"])
        row["vs_bound"] = row["seconds"] / row["lower_bound"]
    ours = next(r for r in rows if r["client"] == "canvasframe" and r["students"] == n_compare)
    for row in rows:
        compared = row["students"] == n_compare and row is not ours  # canvasframe against itself is no comparison
        row["canvasframe_speedup"] = row["seconds"] / ours["seconds"] if compared else None
        # The spread of the speed-up: its slowest runs against our fastest, and the other way round.
        row["speedup_range"] = (
            [row["seconds_min"] / ours["seconds_max"], row["seconds_max"] / ours["seconds_min"]] if compared else None
        )
    results["full_pull"] = rows


def warm_cache(server: Served, cache: Path, cold_seconds: float) -> dict:
    """The same pull from the Arrow cache, and the same responses replayed from requests-cache's SQLite."""
    import requests_cache

    canvas = cf.Canvas(server.url, server.token, cache_dir=cache)
    start = time.perf_counter()
    pull_course(canvas, server.course_id)
    warm = time.perf_counter() - start
    assert canvas.stats["requests"] == 0, "a warm pull must not touch the network"
    # requests-cache: record every response once, then replay the pull from SQLite with the network off.
    with tempfile.TemporaryDirectory() as tmp:
        session = requests_cache.CachedSession(str(Path(tmp) / "http"), backend="sqlite", expire_after=-1)
        recording = cf.Canvas(server.url, server.token, cache_dir=Path(tmp) / "recording", session=session)
        pull_course(recording, server.course_id)  # records every response in SQLite
        # A second, empty canvasframe cache: every frame is fetched, and SQLite answers. (refresh=True
        # would keep what the recording pull wrote in the same second as fresh, and replay almost nothing.)
        replaying = cf.Canvas(server.url, server.token, cache_dir=Path(tmp) / "replaying", session=session)
        start = time.perf_counter()
        pull_course(replaying, server.course_id)
        replay = time.perf_counter() - start
        assert replaying.stats["requests"] == recording.stats["requests"], "the replay must make every request"
    return {
        "cold_seconds": cold_seconds,
        "warm_seconds": warm,
        "replay_seconds": replay,
        "cold_over_warm": cold_seconds / warm,
        "replay_over_warm": replay / warm,
    }


def page_view_bodies(students: int = 500) -> list[tuple[int, bytes]]:
    inst = Institution(
        Config(seed=3, subaccounts=1, courses_per_subaccount=1, students_per_course=students, weeks=16, activity=2.6)
    )
    course = next(c for c in inst.courses.values() if len(c.enrollments) == students)
    return [
        (sid, json.dumps({"page_views": views.student_activity(e)["page_views"], "participations": []}).encode())
        for sid, e in course.enrollments.items()
    ]


def obvious_pandas(bodies: list[tuple[int, bytes]]) -> pd.DataFrame:
    records = [
        {"student_id": sid, "hour": key, "views": count}
        for sid, body in bodies
        for key, count in json.loads(body)["page_views"].items()
    ]
    frame = pd.DataFrame.from_records(records)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True, format="ISO8601")
    return frame


def canvasframe_transform(bodies: list[tuple[int, bytes]]) -> pd.DataFrame:
    import orjson

    # A generator: each body is parsed as the transform reaches it, so only one is held as Python objects.
    return cf.transforms.page_views(((sid, orjson.loads(body)) for sid, body in bodies), course_id=1)


def best_of(func, *args, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def transform(results: dict) -> None:
    bodies = page_view_bodies()
    frame = canvasframe_transform(bodies)
    size = sum(len(b) for _, b in bodies)
    loads = best_of(lambda: [json.loads(b) for _, b in bodies])
    ours = best_of(canvasframe_transform, bodies)
    naive = best_of(obvious_pandas, bodies)
    results["transform"] = {
        "rows": len(frame),
        "json_mb": size / 1e6,
        "json_loads_seconds": loads,
        "canvasframe_seconds": ours,
        "pandas_seconds": naive,
        "canvasframe_over_loads": ours / loads,
        "pandas_over_canvasframe": naive / ours,
        "rows_per_second": len(frame) / ours,
    }
    with tempfile.TemporaryDirectory() as tmp:
        from canvasframe.cache import Cache
        from canvasframe.schemas import SCHEMAS, fingerprint, to_frame, to_table

        cache = Cache(tmp)
        path = cache.path("bench", "page_views", {"course_id": 1}, fingerprint(SCHEMAS["page_views"]))
        cache.write(
            path,
            to_table({c: frame[c] for c in frame.columns}, "page_views"),
            {
                "frame": "page_views",
                "fingerprint": fingerprint(SCHEMAS["page_views"]),
                "fetched_at": "2026-01-01T00:00:00+00:00",
            },
        )
        read = best_of(
            lambda: to_frame(
                cache.read("bench", "page_views", {"course_id": 1}, fingerprint(SCHEMAS["page_views"])).table
            )
        )
        results["footprint"] = {
            "json_bytes": size,
            "arrow_bytes": path.stat().st_size,
            "arrow_over_json": path.stat().st_size / size,
            "read_seconds": read,
            "parse_json_seconds": ours,
        }
    results["memory"] = memory_of_transform(bodies)


MEMORY_PROBE = """
import gc, json, pickle, sys
sys.path.insert(0, {here!r})
from run import canvasframe_transform

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field))  # kB

with open({bodies!r}, "rb") as handle:
    bodies = pickle.load(handle)  # the input bytes
gc.collect()
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # Linux: reset the peak-RSS mark (VmHWM) to the current RSS
before = status("VmRSS:")
frame = canvasframe_transform(bodies)
peak = status("VmHWM:")
print(json.dumps({{"peak_growth_mb": (peak - before) / 1024, "frame_mb": frame.memory_usage(deep=True).sum() / 2**20}}))
"""


def memory_of_transform(bodies: list[tuple[int, bytes]]) -> dict:
    """Peak RSS growth of the transform in a fresh process (ru_maxrss is a high-water mark)."""
    import pickle

    with tempfile.NamedTemporaryFile(suffix=".pickle") as handle:
        pickle.dump(bodies, handle)
        handle.flush()
        probe = MEMORY_PROBE.format(here=str(HERE), bodies=handle.name)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_over_frame"] = result["peak_growth_mb"] / result["frame_mb"]
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def commit() -> str:
    """The commit measured, marked ``-dirty`` when tracked code differs from it (result files aside)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        # The results this script writes as it goes are tracked files too: they do not make the code dirty.
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ":/", ":(top,exclude)benchmarks/*.json")
    except OSError:  # no git on this machine
        return "unknown"
    return (head or "unknown") + ("-dirty" if changed else "")


def report(results: dict) -> str:
    lines = [
        f"Machine: {results['machine']}",
        "",
        "| client | N | wall s, median (min–max) | requests | throttled | vs canvasframe | vs lower bound |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["full_pull"]:
        low, high = r["speedup_range"] or (0, 0)
        speed = f"{r['canvasframe_speedup']:.1f}x ({low:.1f}–{high:.1f})" if r["canvasframe_speedup"] else ""
        wall = f"{r['seconds']:.1f} ({r['seconds_min']:.1f}–{r['seconds_max']:.1f})"
        lines.append(
            f"| {r['client']} | {r['students']} | {wall} | {r['requests']} | {r['throttled']} | "
            f"{speed} | {r['vs_bound']:.2f} (bound {r['lower_bound']:.1f} s, {r['bound_kind']}) |"
        )
    w, t, f, m = results["warm_cache"], results["transform"], results["footprint"], results["memory"]
    lines += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| warm cache: cold / warm | {w['cold_over_warm']:.0f}x ({w['warm_seconds']:.2f} s warm) | >= 50x |",
        f"| warm cache: requests-cache replay / warm | {w['replay_over_warm']:.1f}x "
        f"({w['replay_seconds']:.2f} s replay) | >= 10x |",
        f"| transform: canvasframe / json.loads ({t['rows']:,} rows, {t['json_mb']:.1f} MB) | "
        f"{t['canvasframe_over_loads']:.2f}x ({t['rows_per_second'] / 1e6:.1f} M rows/s) | <= 1.5x |",
        f"| transform: obvious pandas / canvasframe | {t['pandas_over_canvasframe']:.1f}x | >= 2.5x |",
        f"| cache footprint: Arrow / JSON bytes | {f['arrow_over_json']:.2f} "
        f"(read {f['read_seconds'] * 1000:.0f} ms) | |",
        f"| memory: peak RSS growth / frame | {m['peak_over_frame']:.2f}x ({m['peak_growth_mb']:.0f} MB / "
        f"{m['frame_mb']:.0f} MB) | <= 3x |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N for a smoke test")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args()
    n_compare, n_alone = (20, [50]) if args.quick else (200, [500, 2000])
    results: dict = {"machine": machine(), "commit": commit(), "quick": args.quick, "date": time.strftime("%Y-%m-%d")}
    print("1-2. full course pull and warm cache", flush=True)
    full_pull(n_compare, n_alone, results)
    Path(args.out).write_text(json.dumps(results, indent=1, default=float) + "\n")  # kept if a later part fails
    print("3-5. transform, footprint, memory", flush=True)
    transform(results)
    text = report(results)
    results["table"] = text
    Path(args.out).write_text(json.dumps(results, indent=1, default=float) + "\n")
    print(text)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
