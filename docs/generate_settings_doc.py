"""Regenerate docs/settings.md from canvasframe/_settings.py: every environment variable and every default.

Run: python docs/generate_settings_doc.py (tests/test_settings.py fails when the page is out of date).
"""

from __future__ import annotations

from pathlib import Path

from canvasframe._settings import DEFAULTS, VARIABLES

PAGE = Path(__file__).resolve().parent / "settings.md"
_KIND = {
    "flag": "yes/no",
    "text": "text",
    "secret": "secret (never shown)",
    "path": "folder or file",
    "id": "Canvas id",
}


def render() -> str:
    lines = [
        "# Settings and defaults",
        "",
        "Every environment variable canvasframe reads and every default it uses, generated from",
        "`canvasframe/_settings.py` by `python docs/generate_settings_doc.py` (a test fails when this",
        "page and the code differ). Other pages link here instead of repeating a number.",
        "",
        "## Environment variables",
        "",
        "A session reads them once, when it is made (`cf.connect()`, `cf.sample()`); functions that",
        "work without a session (`cf.cache.info()`, the messages journal) read them when called.",
        "Each reads only the variables it uses, so a bad value elsewhere stops nothing it does.",
        "**A yes/no variable** is on for `1`, `true`, `yes` or `on` and off for `0`, `false`, `no`,",
        "`off` or empty, in any case; any other value is a `ConfigError` naming the variable.",
        "An empty variable counts as unset.",
        "",
        "| variable | kind | when unset | meaning |",
        "|---|---|---|---|",
    ]
    for v in VARIABLES:
        names = " or ".join(f"`{n}`" for n in v.names)
        default = {None: "—", True: "on", False: "off"}.get(v.default, str(v.default))
        lines.append(f"| {names} | {_KIND[v.kind]} | {default} | {v.meaning} |")
    lines += [
        "",
        "## Defaults",
        "",
        "Arguments of `cf.connect()` / `cf.Canvas()` (and `cf.Limits`, `cf.lti.ClientCredentials`,",
        "`cf.xapi.send_to_canvas`) when you do not pass them.",
        "",
        "| parameter | default | what it bounds |",
        "|---|---|---|",
    ]
    lines += [f"| `{d.parameter}` | {d.text} | {d.meaning} |" for d in DEFAULTS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    PAGE.write_text(render())
    print("wrote", PAGE)
