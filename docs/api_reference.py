"""The API reference: which public name is documented on which page, and how its docstring links.

One home for three things, so they cannot disagree:

- ``PAGES``: the reference's pages and their sections. Each section names a module whose
  ``__all__`` lists the names it documents; :func:`public_paths` is every public name as users
  type it (``canvasframe.load_page_views``, ``canvasframe.plots.plot_tardiness``), and
  :func:`render` fails unless each appears exactly once.
- ``python docs/api_reference.py`` writes ``docs/api/*.md`` (``tests/test_api_reference.py``
  fails when they are out of date).
- :class:`SphinxRoles`, a griffe extension that mkdocs loads (``mkdocs.yml``): docstrings keep
  the ``:func:`name``` roles that read well in ``help()``, and the site shows each as a link to
  the name's one entry. A role naming something outside the public surface stays plain code;
  the test says which public docstrings do that.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import griffe

DOCS = Path(__file__).resolve().parent
ROLE = re.compile(r":(?:py:)?(func|meth|class|attr|mod|data|exc|obj):`([^`]+)`")


@dataclass(frozen=True)
class Section:
    """A heading on a page: the module whose ``__all__`` it documents, under the prefix users type."""

    title: str
    module: str
    prefix: str = "canvasframe"
    names: tuple[str, ...] | None = None  # None: the module's whole __all__


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    intro: str
    sections: tuple[Section, ...]


def _namespace(title: str, name: str) -> Section:
    return Section(title, f"canvasframe.{name}", prefix=f"canvasframe.{name}")


LOADER_MODULES = (
    "courses",
    "page_view_log",
    "enrollments",
    "feedback",
    "quizzes",
    "discussions",
    "departments",
    "accounts",
)
PAGES = (
    Page(
        "session",
        "Sessions and local time",
        "Open a session once; every loader, plot and report uses it unless given another.",
        (
            Section("Connecting", "canvasframe.client"),
            Section("The sample institution", "canvasframe._sample"),
            Section("Local time", "canvasframe.localtime"),
        ),
    ),
    Page(
        "loaders",
        "Loaders",
        "Every loader takes one id or a list, and `canvas=`, `refresh=`, `max_age=` and `progress=`; each "
        "returns one plain pandas DataFrame whose columns are listed in its docstring and in "
        "[Frames](../frames.md).",
        (
            *(Section("", f"canvasframe.loaders.{name}") for name in LOADER_MODULES),
            Section("A whole course at once", "canvasframe.loaders.passes"),
            Section("The registry", "canvasframe.loaders", names=("LOADERS", "LoaderSpec")),
        ),
    ),
    Page(
        "analysis",
        "Analysis",
        "Pure functions of frames: they fetch nothing.",
        (
            _namespace("Sessions and time on task", "clickstream"),
            _namespace("Discussion networks", "discussions"),
            _namespace("Every channel of communication", "network"),
            _namespace("Course reports", "reports"),
            _namespace("Quiz items", "assessment"),
            _namespace("Messages to students", "messages"),
        ),
    ),
    Page("plots", "Plots", "Each takes a frame and `ax=None` and returns the Axes.", (_namespace("", "plots"),)),
    Page("widgets", "Widgets", "ipywidgets explorers for Jupyter and the dashboard.", (_namespace("", "widgets"),)),
    Page(
        "data",
        "Exports, Excel, sharing, xAPI and LTI",
        "Getting frames out of canvasframe, and other data in.",
        (
            Section("Datasets and pseudonyms", "canvasframe.datasets"),
            Section("Excel", "canvasframe.excel"),
            _namespace("Sharing with a paper", "share"),
            _namespace("xAPI", "xapi"),
            _namespace("LTI", "lti"),
        ),
    ),
    Page("cache", "Cache", "The Arrow cache every loader reads and writes.", (_namespace("", "cache"),)),
    Page(
        "errors",
        "Errors",
        "Every failure is one of these; each names what to do.",
        (Section("", "canvasframe.errors"),),
    ),
)


def _names(section: Section) -> tuple[str, ...]:
    if section.names is not None:
        return section.names
    return tuple(importlib.import_module(section.module).__all__)


@cache
def public_paths() -> tuple[str, ...]:
    """Every public name as users type it: the package's own, and each namespace's."""
    import canvasframe

    paths = [f"canvasframe.{n}" for n in canvasframe.__all__ if n not in canvasframe._NAMESPACES and n != "__version__"]
    for namespace in canvasframe._NAMESPACES:
        module = importlib.import_module(f"canvasframe.{namespace}")
        paths += [f"canvasframe.{namespace}.{n}" for n in module.__all__]
    return tuple(sorted(paths))


def documented() -> dict[str, str]:
    """Each documented path and its page's slug; a ValueError if a public name is missing or repeated."""
    where: dict[str, str] = {}
    for page in PAGES:
        for section in page.sections:
            for name in _names(section):
                path = f"{section.prefix}.{name}"
                if path in where:
                    raise ValueError(f"{path} is documented twice ({where[path]} and {page.slug})")
                where[path] = page.slug
    missing = sorted(set(public_paths()) - set(where))
    extra = sorted(set(where) - set(public_paths()))
    if missing or extra:
        raise ValueError(f"not documented: {missing}; documented but not public: {extra}")
    return where


def _module_title(module: str) -> str:
    doc = inspect.getdoc(importlib.import_module(module)) or module
    return doc.splitlines()[0].rstrip(".").replace("``", "`")


def _is_type_alias(value: Any) -> bool:
    return isinstance(value, types.UnionType) or typing.get_origin(value) is not None


def _entry(section: Section, name: str) -> list[str]:
    """A name's entry: mkdocstrings renders it, except a type alias, which inspection cannot describe
    (it would show ``typing``'s own docstring): that is written here, from its source."""
    path = f"{section.prefix}.{name}"
    module = importlib.import_module(section.module)
    value = getattr(module, name)
    if not _is_type_alias(value):
        if " at 0x" in repr(value):  # a value whose repr holds addresses tells a reader nothing
            return [f"::: {path}", "    options:", "      show_attribute_values: false", ""]
        return [f"::: {path}", ""]
    home = importlib.import_module(section.module if name in vars(module) else value.__module__)
    doc = _static_docstring(home, name) or ""
    shown = re.sub(r"\b(typing|collections\.abc|builtins)\.", "", repr(value))
    return [f"### `{path}` {{ #{path} }}", "", f"Type alias: `{shown}`.", "", doc, ""]


def render(page: Page) -> str:
    """One page's markdown: a section per module, each public name once, by the path users type."""
    documented()  # refuses a page set that leaves a name out or shows one twice
    lines = [f"# {page.title}", "", "<!-- Generated by docs/api_reference.py: edit it, not this page. -->", ""]
    lines += [page.intro, ""]
    for section in page.sections:
        title = section.title or _module_title(section.module)
        lines += [f"## {title} {{ #{section.module} }}", ""]  # the anchor a :mod: role links to
        lines += [f"::: {section.module}", "    options:", "      members: false", "      show_root_heading: false", ""]
        for name in _names(section):
            lines += _entry(section, name)
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Sphinx roles -> links


@cache
def _public_objects() -> dict[int, str]:
    """id(object) -> the path it is documented under (classes, functions, modules with a section)."""
    found: dict[int, str] = {}
    for path in public_paths():
        module, _, name = path.rpartition(".")
        value = getattr(importlib.import_module(module), name)
        if inspect.isclass(value) or inspect.isroutine(value):
            found.setdefault(id(value), path)
    for page in PAGES:
        for section in page.sections:
            found.setdefault(id(importlib.import_module(section.module)), section.module)
    return found


def _attributes(value: Any, names: list[str]) -> Any:
    for name in names:
        value = getattr(value, name, None)
    return value


def _lookup(parts: list[str], module: str) -> Any:
    """The object a dotted name means: an import path, or a name in ``module``, or in canvasframe."""
    for cut in range(len(parts), 0, -1):  # the longest prefix that imports, then its attributes
        try:
            return _attributes(importlib.import_module(".".join(parts[:cut])), parts[cut:])
        except ImportError:
            continue
    for scope in (module, "canvasframe"):
        value = _attributes(importlib.import_module(scope), parts)
        if value is not None:
            return value
    return None


def resolve(target: str, module: str) -> str | None:
    """The documented path a role's target names (``Canvas.request`` -> ``canvasframe.Canvas.request``)."""
    parts = target.strip().lstrip("~").lstrip(".").removesuffix("()").split(".")
    objects = _public_objects()
    for cut in range(len(parts), 0, -1):
        value = _lookup(parts[:cut], module)
        if value is not None and id(value) in objects:
            rest = parts[cut:]
            owner = value
            for attribute in rest:  # a method or attribute of a documented class must exist
                owner = getattr(owner, attribute, None)
                if owner is None or attribute.startswith("_"):
                    return None
            return ".".join([objects[id(value)], *rest])
    return None


def link_roles(text: str, module: str) -> tuple[str, list[str]]:
    """``text`` with each role a link where its target is documented; and the targets that are not."""
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        titled = re.fullmatch(r"(.+?)\s*<([^>]+)>", target)  # Sphinx's "title <target>"
        if titled:
            shown, target = titled.groups()
        else:
            shown = target.lstrip("~.").rsplit(".", 1)[-1] if target.startswith("~") else target.lstrip(".")
        path = resolve(target, module)
        if path is None:
            named = target.lstrip("~.").split(".")
            value = _lookup(named, module)
            ours = getattr(value, "__module__", None) or getattr(value, "__name__", "")
            if named[0] in ("canvasframe", "cf") or str(ours).startswith("canvasframe"):
                unresolved.append(target)
            return f"`{shown}`"
        return f"[`{shown}`][{path}]"

    return ROLE.sub(replace, text), unresolved


def _static_docstring(module: ModuleType, name: str, hops: int = 3) -> str | None:
    """A module constant's docstring: the string literal right after its assignment in the source,
    following ``from .x import name`` to the module that assigns it."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return None
    for node, after in itertools.pairwise([*tree.body, ast.Pass()]):
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return inspect.cleandoc(str(after.value.value))
            return None
    for node in tree.body:
        if hops and isinstance(node, ast.ImportFrom) and any(alias.name in (name, "*") for alias in node.names):
            package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
            source = importlib.import_module("." * node.level + (node.module or ""), package)
            if name in vars(source) and (found := _static_docstring(source, name, hops - 1)):
                return found
    return None


class SphinxRoles(griffe.Extension):
    """Docstring roles become links to the documented names; constants keep their own docstrings."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if obj.is_alias or not obj.path.startswith("canvasframe"):
            return
        module = obj.module.path
        if obj.is_attribute and "property" not in obj.labels:
            # Inspection hands a constant its type's docstring ("Built-in immutable sequence...", "bool(x) ->
            # bool"): never show that. A module constant's own docstring is read from the source; a class's
            # fields are described in the class's own Attributes section.
            at_module = obj.parent is not None and obj.parent.is_module
            own = _static_docstring(importlib.import_module(module), obj.name) if at_module else None
            obj.docstring = griffe.Docstring(own, parent=obj) if own else None
        if obj.docstring is not None:
            obj.docstring.value = link_roles(obj.docstring.value, module)[0]


if __name__ == "__main__":
    for page in PAGES:
        (DOCS / "api" / f"{page.slug}.md").write_text(render(page))
        print(f"wrote docs/api/{page.slug}.md")
