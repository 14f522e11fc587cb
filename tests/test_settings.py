"""_settings: one rule per kind of environment variable, defaults written once, a page generated from both."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

import canvasframe as cf
from canvasframe import _settings
from canvasframe._http import Limits, RetryPolicy
from canvasframe._settings import DEFAULTS, VARIABLES, Environment

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [v for v in VARIABLES if v.kind == "flag"]


@pytest.mark.parametrize("variable", FLAGS, ids=lambda v: v.name)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
    ],
)
def test_every_flag_follows_one_truthiness_rule(variable, text, expected):
    assert getattr(Environment.read({variable.name: text}), variable.attribute) is expected


@pytest.mark.parametrize("variable", FLAGS, ids=lambda v: v.name)
def test_an_unset_or_empty_flag_is_its_documented_default(variable):
    assert getattr(Environment.read({}), variable.attribute) is variable.default
    assert getattr(Environment.read({variable.name: "  "}), variable.attribute) is variable.default


@pytest.mark.parametrize("variable", FLAGS, ids=lambda v: v.name)
def test_a_flag_that_is_neither_yes_nor_no_names_the_variable(variable):
    with pytest.raises(cf.ConfigError, match=f"{variable.name}='maybe' is not a yes/no value"):
        Environment.read({variable.name: "maybe"})


def test_the_session_takes_offline_and_progress_from_the_environment_once(monkeypatch):
    monkeypatch.setenv("CANVASFRAME_OFFLINE", "on")  # "on" was not accepted by the old rule for OFFLINE
    monkeypatch.setenv("CANVASFRAME_PROGRESS", "off")  # "off" was the only word of PROGRESS's own rule
    canvas = cf.Canvas("https://canvas.example.edu", token="not-a-real-token-1234")
    monkeypatch.setenv("CANVASFRAME_OFFLINE", "0")
    assert canvas.offline is True and canvas.environment.progress is False
    assert canvas.environment.token is None  # the session keeps what it read, never the token


def test_the_environment_never_shows_the_token():
    env = Environment.read({"CANVAS_API_TOKEN": "a-secret-token-value-9876"})
    assert env.token == "a-secret-token-value-9876" and "a-secret-token-value-9876" not in repr(env)


def test_ids_and_paths_are_read_by_their_kind(tmp_path):
    env = Environment.read({"CANVAS_COURSE_ID": " 42 ", "CANVASFRAME_CACHE_DIR": str(tmp_path), "CURL_CA_BUNDLE": "b"})
    assert (env.course_id, env.cache_dir, env.ca_bundle) == (42, tmp_path, Path("b"))
    with pytest.raises(cf.ConfigError, match="CANVAS_ACCOUNT_ID='4x' is not a Canvas id"):
        Environment.read({"CANVAS_ACCOUNT_ID": "4x"})


def test_every_variable_the_code_reads_is_in_the_table():
    """No module reads os.environ for a setting of its own: the names in the code are the table's."""
    import re

    known = {n for v in VARIABLES for n in v.names}
    for path in (ROOT / "canvasframe").rglob("*.py"):
        if path.name == "_settings.py" or "sandbox" in path.parts:
            continue
        text = path.read_text()
        assert not re.search(r"os\.environ(\.get)?\s*[\[(]\s*[\"']", text), f"{path.name} reads the environment itself"
        assert not re.search(r"getenv\(", text), path.name
        for name in re.findall(r"[\"'`](CANVAS(?:FRAME)?_[A-Z_]+)\b", text):  # in a string or a docstring
            if not re.search(rf"^{name}\b", text, flags=re.MULTILINE):  # a constant of the module is no variable
                assert name in known, f"{path.name} names {name}, which _settings.VARIABLES does not list"


def _signature_default(parameter: str):
    owners = {"Limits": Limits, "RetryPolicy": RetryPolicy}
    if "." in parameter:
        owner, name = parameter.split(".")
        return inspect.signature(owners[owner]).parameters[name].default
    return inspect.signature(cf.connect).parameters[parameter].default


@pytest.mark.parametrize(
    "parameter",
    [d.parameter for d in DEFAULTS if d.parameter in inspect.signature(cf.connect).parameters or "." in d.parameter],
)
def test_documented_defaults_are_the_signatures_defaults(parameter):
    documented = next(d.value for d in DEFAULTS if d.parameter == parameter)
    if parameter == "max_workers":  # None in the signature: the session fills it in
        assert cf.Canvas("https://canvas.example.edu", token="not-a-real-token-1234").max_workers == documented
        return
    assert _signature_default(parameter) == documented
    for function in (cf.Canvas, cf.connect):
        if "." not in parameter:
            assert inspect.signature(function).parameters[parameter].default == documented, function.__name__


def test_retry_policy_and_limits_defaults_come_from_the_settings():
    assert RetryPolicy() == RetryPolicy(_settings.RETRIES, _settings.THROTTLE_RETRIES, _settings.BACKOFF,
                                        _settings.MAX_BACKOFF)  # fmt: skip
    assert Limits().max_body == _settings.MAX_BODY and Limits().deadline == _settings.DEADLINE


def test_the_settings_page_is_generated_from_the_code():
    spec = importlib.util.spec_from_file_location("generate_settings_doc", ROOT / "docs" / "generate_settings_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "settings.md").read_text() == module.render(), "run python docs/generate_settings_doc.py"


def test_other_pages_link_to_the_defaults_instead_of_repeating_them():
    for page in ("SECURITY.md", "docs/security.md", "docs/guide/connecting.md"):
        text = (ROOT / page).read_text()
        for stale in ("32 MiB", "10 s / 60 s", "default 11", "| 300 s |", "| 60 s |"):
            assert stale not in text, f"{page} repeats the default {stale!r}; link docs/settings.md instead"


def test_a_bad_variable_a_call_does_not_use_stops_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("CANVAS_COURSE_ID", "not-an-id")  # read only where a course id is wanted
    canvas = cf.Canvas("https://canvas.example.edu", token="not-a-real-token-1234", cache_dir=tmp_path)
    assert canvas.offline is False and cf.cache.info(tmp_path).empty
    with pytest.raises(cf.ConfigError, match="CANVAS_COURSE_ID='not-an-id' is not a Canvas id"):
        cf.connect_or_sample()
