"""Write data/sample/*.parquet: every frame of the sample institution's first course and root account.

Run: python data/build_sample.py. tests/test_sample_data.py checks the files still equal a fresh
pull from the sandbox, so the generator stays deterministic across machines and releases.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import canvasframe as cf

OUT = Path(__file__).resolve().parent / "sample"


def sample_frames(canvas: cf.SampleCanvas) -> dict:
    frames = {}
    for name, spec in cf.LOADERS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frames[name] = spec(canvas.sample_ids[spec.ids], canvas=canvas, progress=False)
    return frames


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:
        for name, frame in sample_frames(cf.sample(quiet=True, cache_dir=cache)).items():
            frame.attrs.clear()
            frame.to_parquet(OUT / f"{name}.parquet", index=False, compression="zstd")


if __name__ == "__main__":
    main()
