"""Institution-scale export: 200 courses x 50 students on the sandbox, streamed to Parquet.

Run:  python benchmarks/scale.py            (about 2 minutes on 2 cores)
      python benchmarks/scale.py --quick

Reports throughput (courses, requests and rows per second) and the peak RSS growth of
the export at 50 and at 200 courses, each in a fresh process: bounded memory means the
two are about the same, because export_dataset holds only the courses in flight.
Writes benchmarks/scale-results.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = """
import json, sys, tempfile, time
import canvasframe as cf
from canvasframe.sandbox import Config, SandboxServer

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field))

courses = int(sys.argv[1])
config = Config(seed=21, subaccounts=10, courses_per_subaccount=courses // 10, students_per_course=50, weeks=4)
with SandboxServer(config=config) as server, tempfile.TemporaryDirectory() as tmp:
    canvas = cf.Canvas(server.url, server.token, cache_dir=tmp + "/cache")
    ids = [c.id for c in server.institution.courses.values() if len(c.enrollments) == 50]
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # reset the peak-RSS mark: measure the export only
    before = status("VmRSS:")
    start = time.perf_counter()
    report = cf.export_dataset(cf.load_page_views, ids, tmp + "/export", canvas=canvas, progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"courses": len(ids), "rows": int(report["rows"].sum()), "seconds": seconds,
                      "requests": canvas.stats["requests"], "peak_growth_mb": (status("VmHWM:") - before) / 1024}))
"""


def run(courses: int) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(courses)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (20, 50) if args.quick else (50, 200)
    rows = []
    for n in sizes:
        result = run(n)
        result |= {
            "courses_per_s": result["courses"] / result["seconds"],
            "rows_per_s": result["rows"] / result["seconds"],
            "requests_per_s": result["requests"] / result["seconds"],
        }
        rows.append(result)
        print(
            f"{result['courses']:>4} courses: {result['seconds']:6.1f} s, {result['requests_per_s']:5.0f} req/s, "
            f"{result['rows_per_s']:8.0f} rows/s, peak RSS growth {result['peak_growth_mb']:.0f} MB",
            flush=True,
        )
    ratio = rows[1]["peak_growth_mb"] / max(rows[0]["peak_growth_mb"], 1e-9)
    small, large = rows[0]["courses"], rows[1]["courses"]
    print(f"peak RSS growth at {large} courses / at {small} courses: {ratio:.2f}x (courses x{large / small:.1f})")
    (HERE / "scale-results.json").write_text(json.dumps({"runs": rows, "memory_ratio": ratio}, indent=1) + "\n")


if __name__ == "__main__":
    main()
