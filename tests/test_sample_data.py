"""The committed snapshot in data/sample equals what the sandbox serves for the sample institution."""

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    import sys

    sys.path.insert(0, str(SNAPSHOT.parent))
    try:
        from build_sample import sample_frames
    finally:
        sys.path.pop(0)
    return sample_frames(cf.sample(quiet=True, cache_dir=tmp_path_factory.mktemp("sample-cache")))


def test_snapshot_has_every_frame(frames):
    assert {p.stem for p in SNAPSHOT.glob("*.parquet")} == set(frames)


@pytest.mark.parametrize("name", sorted(cf.LOADERS))
def test_snapshot_equals_a_fresh_pull(frames, name):
    snapshot = pd.read_parquet(SNAPSHOT / f"{name}.parquet")
    fresh = frames[name]
    fresh.attrs.clear()
    pdt.assert_frame_equal(snapshot, fresh)
