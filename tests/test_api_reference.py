"""The API reference: each public name once, no internals, links that resolve, defaults that are true.

The site is built here with mkdocs (as ``.ci/run`` builds it) and its rendered pages are compared
with the code itself: ``inspect.signature`` for defaults, ``__all__`` for what is public.
"""

from __future__ import annotations

import html
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("api_reference", ROOT / "docs" / "api_reference.py")
assert _spec is not None and _spec.loader is not None
api = importlib.util.module_from_spec(_spec)
sys.modules["api_reference"] = api
_spec.loader.exec_module(api)

HEADING = re.compile(r'<h([2-4]) id="([^"]+)" class="doc doc-heading">')
PARAMETER_LINE = re.compile(r"^\s{4}(\w+(?:,\s*\w+)+)(\s*:.*)?$")


def _objects() -> dict[str, object]:
    """Every documented path and its object, with the public methods and properties of documented classes."""
    found: dict[str, object] = {}
    for path in api.documented():
        module, _, name = path.rpartition(".")
        value = getattr(importlib.import_module(module), name)
        found[path] = value
        if inspect.isclass(value):
            for member, attribute in vars(value).items():
                if not member.startswith("_") and (inspect.isfunction(attribute) or isinstance(attribute, property)):
                    found[f"{path}.{member}"] = getattr(value, member)
    return found


def test_the_pages_are_generated_from_the_public_names():
    for page in api.PAGES:
        written = (ROOT / "docs" / "api" / f"{page.slug}.md").read_text()
        assert written == api.render(page), "run: python docs/api_reference.py"


def test_a_page_set_that_leaves_a_name_out_or_repeats_one_is_refused(monkeypatch):
    first = api.PAGES[0]
    monkeypatch.setattr(api, "PAGES", (first, *api.PAGES))
    with pytest.raises(ValueError, match="documented twice"):
        api.documented()
    monkeypatch.setattr(api, "PAGES", api.PAGES[2:])
    with pytest.raises(ValueError, match="not documented"):
        api.documented()


def test_every_role_in_a_public_docstring_names_a_documented_name():
    unresolved = {}
    modules = {s.module: importlib.import_module(s.module) for page in api.PAGES for s in page.sections}
    for path, value in {**_objects(), **modules}.items():
        doc = inspect.getdoc(value.fget if isinstance(value, property) else value) or ""
        module = getattr(value, "__module__", None) or path.rpartition(".")[0]
        missing = api.link_roles(doc, module)[1]
        if missing:
            unresolved[path] = missing
    assert unresolved == {}


def test_a_role_becomes_a_link_to_the_path_users_type():
    text, missing = api.link_roles(":func:`load_page_views` and :class:`~canvasframe.client.Canvas`", "canvasframe")
    assert text == "[`load_page_views`][canvasframe.load_page_views] and [`Canvas`][canvasframe.Canvas]"
    assert missing == []
    assert api.link_roles(":func:`_posts`", "canvasframe.discussions") == ("`_posts`", ["_posts"])
    assert api.link_roles(":mod:`zoneinfo`", "canvasframe.localtime") == ("`zoneinfo`", [])
    titled = api.link_roles(":func:`cf.pseudonymize <canvasframe.pseudonymize>`", "canvasframe.share")
    assert titled == ("[`cf.pseudonymize`][canvasframe.pseudonymize]", [])


def test_each_parameter_has_its_own_line():
    shared = {}
    for path, value in _objects().items():
        doc = inspect.getdoc(value.fget if isinstance(value, property) else value) or ""
        lines = [line for line in ("    " + doc.replace("\n", "\n    ")).splitlines() if PARAMETER_LINE.match(line)]
        if lines:
            shared[path] = lines
    assert shared == {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {path.parent.name: path.read_text() for path in (out / "api").glob("*/index.html")}


def _sections(page: str) -> dict[str, str]:
    """Each documented object's rendered HTML, from its heading to the next one."""
    marks = [(m.start(), m.group(2)) for m in HEADING.finditer(page)]
    return {ident: page[start : (marks[i + 1][0] if i + 1 < len(marks) else len(page))] for i, (start, ident) in
            enumerate(marks)}  # fmt: skip


def _parameter_rows(section: str) -> list[tuple[str, str]]:
    """(name, default) of each row of the section's parameter table (the table with a Default column)."""
    for table in re.findall(r"<table>(.*?)</table>", section, flags=re.S):
        if "<th>Default</th>" not in table:
            continue
        rows = []
        for row in re.findall(r'<tr class="doc-section-item">(.*?)</tr>', table, flags=re.S):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            rows.append((cells[0], re.sub(r"\s+", "", cells[-1])))
        return rows
    return []


def test_the_site_shows_each_public_name_once_and_nothing_internal(site):
    objects = _objects()
    shown = [ident for page in site.values() for ident in _sections(page)]
    shown += [i for page in site.values() for i in re.findall(r'<h3 id="([^"]+)">', page) if i in api.documented()]
    assert sorted(set(shown)) == sorted(shown), "a name is shown twice"
    assert set(api.documented()) <= set(shown)
    internal = [i for i in shown if i not in objects and not any(i.startswith(f"{p}.") for p in objects)]
    assert internal == []
    text = "".join(site.values())
    assert not re.search(r":(func|meth|class|attr|mod|data|exc):", text)
    # Inspection would hand a constant or a field its type's docstring; none is shown.
    builtin_docs = [t.__doc__.strip().splitlines()[0] for t in (tuple, dict, bool, int, float, str, list, frozenset)]
    assert [d for d in ["Represent a PEP 604 union type", *builtin_docs] if html.escape(d) in text] == []


def _shown_default(text: str) -> str:
    return re.sub(r"\s+", "", text).replace('"', "'")


def test_every_rendered_parameter_has_its_own_row_and_its_true_default(site):
    """Where a docstring documents parameters, its table lists each one once with the signature's default.

    (Every entry also shows the whole signature, which inspection reads from the code itself.)
    """
    wrong = []
    checked = set()
    for page in site.values():
        for ident, section in _sections(page).items():
            value = _objects().get(ident)
            rows = _parameter_rows(section)
            if value is None or not rows:
                continue
            signature = inspect.signature(value)
            stars = {
                p.kind: name for name, p in signature.parameters.items() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            }
            expected = {
                name: "required" if p.default is p.empty else _shown_default(repr(p.default))
                for name, p in signature.parameters.items()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and name not in ("self", "cls")
            }
            expected |= {f"*{stars[k]}" if k is inspect.Parameter.VAR_POSITIONAL else f"**{stars[k]}": "required"
                         for k in stars}  # fmt: skip
            shown = {name: _shown_default(default) for name, default in rows}
            if len(rows) != len(shown) or shown != {
                k: v for k, v in expected.items() if not k.startswith("*") or k in shown
            }:
                wrong.append((ident, rows, expected))
            checked.add(ident)
    assert wrong == []
    # Every loader and every plot documents its parameters, so every one was checked here.
    assert {p for p in api.documented() if re.match(r"canvasframe\.(load_|plots\.plot_)", p)} <= checked
