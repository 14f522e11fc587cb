"""Token hygiene end to end: after a full pull with failures and DEBUG logging, the token is nowhere."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest

import canvasframe as cf
from canvasframe.sandbox import SAMPLE_COST_SCALE, FaultPlan, SandboxSettings

from .conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent


def _all_text(exc: BaseException) -> str:
    """The exception, its whole chain and context, as a user would see them printed."""
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(getattr(exc, "__dict__", ""))


def test_full_pull_with_failures_leaks_the_token_nowhere(make_server, connect, institution, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's request lines included
    course = next(c for c in institution.courses.values() if c.enrollments)
    plan = FaultPlan(seed=3, rates={"500": 0.15, "reset": 0.05, "truncate": 0.05})
    quiet = SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, page_view_duplicates=False)
    server = make_server(faults=plan, settings=quiet)
    canvas = connect(server, retries=8)
    frames = []
    for spec in cf.LOADERS.values():
        frames.append(spec(institution.root_account.id if spec.ids == "account_id" else course.id, canvas=canvas))
    errors = []
    plan.script("/analytics/activity$", "500", times=None)
    with pytest.raises(cf.ServerError) as info:
        cf.load_course_activity(course.id, canvas=connect(server, retries=1, cache_dir=canvas.cache_dir / "x"))
    errors.append(info.value)
    with pytest.raises(cf.AuthenticationError) as info:
        revoked = cf.Canvas(server.url, TOKEN + "-revoked", cache_dir=canvas.cache_dir)
        cf.load_course_activity(course.id, canvas=revoked, refresh=True)
    errors.append(info.value)
    with pytest.raises(cf.ConfigError) as info:
        canvas.get_json(f"courses/1/analytics/activity?access_token={TOKEN}")
    errors.append(info.value)

    assert plan.fired, "faults should have fired during the pull"
    assert TOKEN not in caplog.text
    assert all(TOKEN not in _all_text(e) for e in errors)
    assert all(TOKEN not in repr(f.attrs) for f in frames)
    assert TOKEN not in repr(canvas) and TOKEN not in str(vars(canvas).get("stats"))
    for path in Path(canvas.cache_dir).rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert "access_token=[secure]" in str(errors[-1])


def test_no_committed_notebook_output_holds_a_token():
    from canvasframe.sandbox import DEFAULT_TOKEN

    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        text = notebook.read_text()
        assert DEFAULT_TOKEN not in text and "Bearer " not in text, notebook.name


def test_redact_masks_credentials_in_any_text():
    text = cf.errors.redact("GET https://x/api?access_token=abc123&page=2 with Authorization: Bearer abc123")
    assert "abc123" not in text and text.count("[secure]") == 2
