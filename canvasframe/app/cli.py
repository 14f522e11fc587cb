"""The ``canvasframe`` command: ``demo``, ``report``, ``dashboard``, ``serve``, ``fetch``, ``share`` and ``cache``."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .. import cache as cache_module
from .._atomic import atomic_write
from .._csv import write_csv
from .._pipeline import CHANGED, Refresh
from .._version import __version__
from ..endpoints import DEFAULT_TERM, TERM_SELECTORS
from ..errors import CanvasframeError, ConfigError
from ..excel import to_excel
from ..loaders import LOADERS, LoaderSpec
from ..transforms import is_digits


def _serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .._sample import sample_config, sample_settings
    from ..sandbox import Config, SandboxServer, SandboxSettings, ThrottleConfig

    if args.sample and args.config:
        raise ConfigError("serve: --sample serves the sample institution; leave out --config (or --sample).")
    if args.config and not Path(args.config).is_file():
        raise ConfigError(
            f"serve: --config {args.config}: no such file (a sandbox config is a JSON file of Config's fields)."
        )
    config = sample_config() if args.sample else Config.from_file(args.config) if args.config else Config()
    config = replace(config, seed=args.seed if args.seed is not None else config.seed)
    if args.students is not None:
        config = replace(config, students_per_course=args.students)
    settings = SandboxSettings(shape=args.shape, page_view_buckets=args.buckets, server_time=args.server_time)
    if args.sample:  # served as cf.sample() serves it
        settings = sample_settings(settings)
    throttle = ThrottleConfig(enabled=not args.no_throttle, legacy_403=args.legacy_throttle)
    tokens = {args.token: "admin", "no-analytics-token": "no-analytics"}
    try:
        server = SandboxServer(
            config=config, host=args.host, port=args.port, tokens=tokens, throttle=throttle, settings=settings
        )
    except OSError as exc:
        raise ConfigError(
            f"serve: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); pick another --port, "
            "or --port 0 for a free one."
        ) from None
    inst = server.institution
    print(f"canvasframe sandbox (synthetic data) at {server.url}/api/v1  token: {args.token}")
    print(f"root account {inst.root_account.id}; terms " + ", ".join(f"{t.id} {t.name}" for t in inst.terms.values()))
    for course in inst.courses.values():
        print(f"  course {course.id:>6}  {course.name:<32} {len(course.enrollments):>4} students  ({course.state})")
    print("Ctrl-C stops it.", flush=True)
    with server:
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.out), lab=args.lab)


def _report(args: argparse.Namespace) -> int:
    from .. import connect, sample
    from ..client import Canvas
    from .report import write_report

    canvas: Canvas
    if args.sample:
        canvas = sample(quiet=True, offline=args.offline, tz=args.tz, names=not args.no_names)
        course = _parse_ids([args.course_id], "course_id")[0] if args.course_id else canvas.sample_course_id
        as_of = canvas.sample_as_of
    else:
        if not args.course_id:
            raise ConfigError("report: give a course id (or --sample for the sample course).")
        course = _parse_ids([args.course_id], "course_id")[0]
        canvas = connect(offline=args.offline, tz=args.tz, names=not args.no_names)
        as_of = None
    path = write_report(canvas, course, Path(args.out), as_of=as_of)
    print(f"wrote {path} (one file: open it in any browser, no network needed)")
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    from .dashboard import run_dashboard

    course = _parse_ids([args.course_id], "course_id")[0] if args.course_id else None
    account = _parse_ids([args.account], "account_id")[0] if args.account else None
    return run_dashboard(course, account, sample=args.sample, host=args.host, port=args.port)


def _parse_ids(values: Sequence[str], name: str) -> list[int]:
    ids = []
    for value in values:
        if not is_digits(value):
            raise ConfigError(f"{value!r} is not a Canvas {name.replace('_', ' ')}; pass one or more integers.")
        ids.append(int(value))
    return ids


def _term_argument(spec: LoaderSpec, term: str | None) -> dict[str, object]:
    """The loader's ``term`` keyword from ``--term``, by what the loader says it takes."""
    if term is None:
        return {}
    if spec.term is None:
        raise ConfigError(f"{spec.function.__name__} takes no term; leave out --term.")
    if spec.term == "enrollment":
        return {"term": _parse_ids([term], "enrollment term id")[0]}
    return {"term": term if term in TERM_SELECTORS else _parse_ids([term], "term id")[0]}


_REFRESH: dict[str | None, Refresh] = {None: False, "all": True, "changed": CHANGED}  # --refresh [changed]


def _fetch(args: argparse.Namespace) -> int:
    from .. import connect, sample

    spec = LOADERS[args.frame]
    arguments = {spec.ids: _parse_ids(args.ids, spec.ids)} | _term_argument(spec, args.term)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in (".csv", ".parquet", ".xlsx"):  # said before anything is fetched
        raise ConfigError(f"--out must end in .csv, .parquet or .xlsx, got {out.name!r}.")
    canvas = sample(quiet=True, offline=args.offline) if args.sample else connect(offline=args.offline)
    frame = spec.function(**arguments, canvas=canvas, refresh=_REFRESH[args.refresh])
    if out is None:
        print(printable(frame.to_string(max_rows=args.rows)))
        return 0
    if out.suffix == ".csv":
        write_csv(frame, out)
    elif out.suffix == ".xlsx":
        to_excel({args.frame: frame}, out, tz=args.tz)
    else:
        atomic_write(out, lambda handle: frame.to_parquet(handle, index=False))
    print(f"wrote {len(frame)} rows to {out}")
    return 0


# What `canvasframe share` bundles by default: the row-level frames a paper on a course usually needs.
SHARE_FRAMES = ("student_summaries", "enrollments", "submissions", "submission_comments", "peer_reviews")


def _share(args: argparse.Namespace) -> int:
    from .. import connect, sample, share
    from ..datasets import key_fingerprint
    from ..errors import DisclosureError

    unknown = sorted(set(args.frames) - set(LOADERS))
    if unknown:
        raise ConfigError(f"--frames: {unknown} are not frames; choose from {sorted(LOADERS)}.")
    try:
        key = Path(args.key_file).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(
            f"--key-file {args.key_file}: {exc.strerror or exc}; make one with a secret of 32 random bytes."
        ) from None
    key_fingerprint(key)  # a key too short to protect anything is refused before anything is fetched
    out = Path(args.out)
    if out.exists():
        raise ConfigError(f"--out {out} exists; give a new folder.")
    ids = _parse_ids(args.course_ids, "course_id")
    canvas = sample(quiet=True) if args.sample else connect()
    frames = {name: LOADERS[name](ids, canvas=canvas) for name in args.frames}
    try:
        written = share.bundle(frames, out, key=key, canvas=canvas, min_cell=args.min_cell, zip=args.zip)
    except DisclosureError as exc:
        print(f"canvasframe: {exc}", file=sys.stderr)
        for finding in exc.findings:
            print(f"  {printable(finding)}", file=sys.stderr)
        return 1
    print(
        f"wrote {written} ({len(frames)} frames); check it with: frictionless validate {written / 'datapackage.json'}"
    )
    return 0


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN``: a post's ESC or BEL never reaches the terminal raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _cache(args: argparse.Namespace) -> int:
    if args.action == "info":
        entries = cache_module.info(args.cache_dir)
        if args.frame is not None:
            entries = entries[entries["frame"] == args.frame]
        if args.namespace is not None:
            entries = entries[entries["namespace"] == args.namespace]
        where = Path(args.cache_dir) if args.cache_dir else cache_module.default_cache_dir()
        size = int(entries["bytes"].sum()) if len(entries) else 0
        print(f"cache at {where}: {len(entries)} entries, {size / 1e6:.1f} MB")
        if len(entries):
            print(printable(entries.drop(columns="path").to_string()))
    else:
        count = cache_module.clear(args.cache_dir, frame=args.frame, namespace=args.namespace)
        print(f"removed {count} cache entries")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canvasframe",
        description="Canvas LMS learning analytics as tidy DataFrames: fetch frames, serve the sandbox, "
        "open the dashboard, write a research bundle. Also runs as python -m canvasframe.",
        epilog="examples:\n  canvasframe demo\n  canvasframe fetch student_summaries 1078 --sample\n"
        "  canvasframe dashboard --sample\n  canvasframe serve --sample --port 8765",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"canvasframe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="fetch the sample course from the sandbox and write an HTML report")
    demo.add_argument("--out", default="canvasframe-demo", help="report folder (default ./canvasframe-demo)")
    demo.add_argument("--lab", action="store_true", help="open JupyterLab on the example notebooks instead")
    demo.set_defaults(run=_demo)

    report = sub.add_parser(
        "report",
        help="write one self-contained interactive HTML page about a course (opens offline)",
        epilog="examples:\n  canvasframe report --sample\n  canvasframe report 1234 --out reports/ --tz Europe/Berlin",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "course_id", nargs="?", help="the course (your Canvas: CANVAS_BASE_URL, CANVAS_API_TOKEN); --sample: optional"
    )
    report.add_argument("--sample", action="store_true", help="use the bundled sample institution")
    report.add_argument(
        "--out", default="canvasframe-report", help="a folder (writes course-<id>.html) or an .html path"
    )
    report.add_argument("--tz", default=None, help="time zone of every time shown (default: the course's own)")
    report.add_argument("--no-names", action="store_true", help="show student ids, not names (a shared screen)")
    report.add_argument("--offline", action="store_true", help="read only the cache")
    report.set_defaults(run=_report)

    dashboard = sub.add_parser(
        "dashboard", help="serve the course and department explorers as a web page (Voila) until Ctrl-C"
    )
    dashboard.add_argument("course_id", nargs="?", help="the course (your Canvas: CANVAS_BASE_URL, CANVAS_API_TOKEN)")
    dashboard.add_argument("--account", help="an account id, for the department explorer")
    dashboard.add_argument("--sample", action="store_true", help="use the bundled sample institution")
    dashboard.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback only)")
    dashboard.add_argument("--port", type=int, default=0, help="default: a free port")
    dashboard.set_defaults(run=_dashboard)

    serve = sub.add_parser("serve", help="run the sandbox Canvas (synthetic data) until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback only)")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--sample", action="store_true", help="serve the sample institution, as cf.sample() does")
    serve.add_argument("--seed", type=int, default=None, help="the generator's seed (default: the config's, 7)")
    serve.add_argument("--students", type=int, default=None, help="students per course")
    serve.add_argument("--config", help="a sandbox config JSON file (Config's fields; --sample for the sample's)")
    serve.add_argument("--token", default="sandbox-token", help="the token it accepts (default sandbox-token)")
    serve.add_argument(
        "--shape",
        choices=["real", "documented"],
        default="real",
        help="payloads as Canvas sends them, or as documented",
    )
    serve.add_argument("--buckets", choices=["hour", "day"], default="hour", help="per-student page-view keys")
    serve.add_argument(
        "--server-time", type=float, default=0.0, help="seconds each request takes, the sandbox's own work included"
    )
    serve.add_argument("--no-throttle", action="store_true", help="never refuse a request for the rate limit")
    serve.add_argument("--legacy-throttle", action="store_true", help="answer 403 instead of 429 when throttled")
    serve.set_defaults(run=_serve)

    fetch = sub.add_parser("fetch", help="load one frame and print it or save it")
    fetch.add_argument("frame", choices=sorted(LOADERS), metavar="FRAME", help=f"one of: {', '.join(sorted(LOADERS))}")
    fetch.add_argument("ids", nargs="+", help="course or account ids, as the frame takes")
    fetch.add_argument(
        "--term",
        default=None,
        help=f"department frames: {' or '.join(TERM_SELECTORS)} (default {DEFAULT_TERM}) or a term id; "
        "courses: an enrollment term id",
    )
    fetch.add_argument("--sample", action="store_true", help="use the bundled sample institution")
    fetch.add_argument("--offline", action="store_true", help="read only the cache")
    fetch.add_argument(
        "--refresh",
        nargs="?",
        const="all",
        choices=("all", "changed"),
        default=None,
        help="fetch again even what is cached; --refresh changed: only what Canvas's change signals say "
        "may have changed",
    )
    fetch.add_argument("--out", help="write to .csv, .parquet or .xlsx (Excel: times in --tz)")
    fetch.add_argument(
        "--tz", default=None, help="the time zone of an Excel file's times (default: the course's own, else UTC)"
    )
    fetch.add_argument("--rows", type=int, default=20, help="rows printed without --out (default 20)")
    fetch.set_defaults(run=_fetch)

    shared = sub.add_parser("share", help="write a research bundle of courses: pseudonymised, checked, citable")
    shared.add_argument("course_ids", nargs="+", help="the course ids")
    shared.add_argument("--out", required=True, help="the bundle's folder (must not exist)")
    shared.add_argument("--key-file", required=True, help="a file holding the pseudonymisation key (never shared)")
    shared.add_argument("--min-cell", type=int, default=10, help="the smallest group a number may describe (10)")
    shared.add_argument("--frames", nargs="+", default=list(SHARE_FRAMES), help=f"default: {' '.join(SHARE_FRAMES)}")
    shared.add_argument("--zip", action="store_true", help="also write <out>.zip")
    shared.add_argument("--sample", action="store_true", help="use the bundled sample institution")
    shared.set_defaults(run=_share)

    cache = sub.add_parser("cache", help="show or clear the Arrow cache")
    cache.add_argument(
        "action", choices=["info", "clear"], help="info: where it is, what it holds; clear: remove entries"
    )
    cache.add_argument(
        "--cache-dir", default=None, help="the cache folder (default: CANVASFRAME_CACHE_DIR or the user's)"
    )
    cache.add_argument("--frame", default=None, help="only this frame's entries (e.g. page_views)")
    cache.add_argument(
        "--namespace", default=None, help="only this Canvas's entries (its host, e.g. canvas.example.edu)"
    )
    cache.set_defaults(run=_cache)
    for listed in sub._choices_actions:  # each command's page opens with what it does
        sub.choices[listed.dest].description = listed.help
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CanvasframeError as exc:
        print(f"canvasframe: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
