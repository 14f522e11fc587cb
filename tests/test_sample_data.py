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


def test_the_sample_cache_never_outlives_a_change_to_the_sandbox(tmp_path):
    """A cached sample frame is reused across runs, but not once the code that makes the data changed."""
    import shutil
    from importlib.resources import files

    from canvasframe._sample import generator_digest, sample_config, sample_namespace

    copy = tmp_path / "sandbox"
    shutil.copytree(str(files("canvasframe") / "sandbox"), copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = generator_digest(copy)
    assert before == generator_digest()
    views = copy / "views.py"
    views.write_text(views.read_text() + "\n# a change to how the data is made\n")
    after = generator_digest(copy)
    assert after != before
    config = sample_config()
    assert sample_namespace(config, before) != sample_namespace(config, after)
    assert cf.sample(quiet=True).cache_namespace == sample_namespace(config, before)


def test_connect_or_sample_says_once_which_data_it_uses(capsys):
    cf.connect_or_sample()
    out, err = capsys.readouterr()
    assert out.count("sample institution") == 1 and err == ""  # no second notice in a red stderr box


def test_no_notebook_shows_the_sample_notice_as_an_error_or_a_stray_repr():
    import nbformat

    for path in sorted(Path(__file__).resolve().parent.parent.joinpath("notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in (c for c in notebook.cells if c.cell_type == "code"):
            for output in cell.get("outputs", []):
                text = output.get("text", "") if output.get("output_type") == "stream" else ""
                assert not (output.get("name") == "stderr" and "SAMPLE institution" in text), path.name
                plain = output.get("data", {}).get("text/plain", "")
                assert not plain.startswith("<Axes"), f"{path.name}: a stray Axes repr"
