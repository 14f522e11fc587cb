"""A cache written by an earlier release reads back as today's frames, or is refused as a clear miss.

``tests/fixtures/cache-<version>/`` holds the cache a release wrote (``make_cache_fixture.py``
beside it, run once per release) for one small sandbox course. Every later version must read
each entry whose schema it still has as exactly the frame it would fetch today, and treat an
entry of a changed schema as absent (offline: ``CacheMiss`` naming the frame), never as data
of the wrong shape.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas.testing as pdt
import pyarrow.ipc as ipc
import pytest

import canvasframe as cf
from canvasframe.sandbox import Config, Institution, SandboxServer
from canvasframe.schemas import SCHEMAS, fingerprint

FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures").glob("cache-*"))


def _written_fingerprints(cache: Path) -> dict[str, str]:
    found = {}
    for path in cache.rglob("*.arrow"):
        with ipc.open_file(path) as reader:
            meta = json.loads(reader.schema.metadata[b"canvasframe"])
        found[meta["frame"]] = meta["fingerprint"]
    return found


def _load(frame: str, course_id: int, canvas: cf.Canvas):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        return cf.LOADERS[frame].function(course_id, canvas=canvas, progress=False)


def test_there_is_a_fixture_of_the_current_release():
    assert any(f.name == f"cache-{cf.__version__}" for f in FIXTURES), "run python tests/fixtures/make_cache_fixture.py"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_an_earlier_releases_cache_reads_as_todays_frames(fixture, tmp_path):
    spec = json.loads((fixture / "fixture.json").read_text())
    cache = tmp_path / "cache"
    shutil.copytree(fixture / "cache", cache)
    written = _written_fingerprints(cache)
    assert set(written) == set(spec["frames"])
    offline = cf.connect(
        "https://canvas.example.edu", "not-a-real-token-1234", cache_dir=cache, cache_namespace=spec["namespace"],
        offline=True,
    )  # fmt: skip
    with SandboxServer(Institution(Config(**spec["config"]))) as server:
        fresh = cf.connect(server.url, server.token, cache_dir=tmp_path / "fresh")
        for frame in spec["frames"]:
            if written[frame] != fingerprint(SCHEMAS[frame]):  # the schema changed since: a miss, never old data
                with pytest.raises(cf.CacheMiss, match=frame):
                    _load(frame, spec["course_id"], offline)
                continue
            pdt.assert_frame_equal(_load(frame, spec["course_id"], offline), _load(frame, spec["course_id"], fresh))
