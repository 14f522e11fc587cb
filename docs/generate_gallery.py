"""Regenerate docs/gallery.md, its PNGs, and the image-test baselines from the sample institution.

Run: python docs/generate_gallery.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import canvasframe as cf
from canvasframe.app.gallery import FIGURES, GalleryData, render

DOCS = Path(__file__).resolve().parent
BASELINES = DOCS.parent / "tests" / "baseline"


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        canvas = cf.sample(quiet=True, cache_dir=cache)
        data = GalleryData.load(canvas, canvas.sample_course_id, canvas.sample_account_id)
        paths = render(data, DOCS / "gallery")
    BASELINES.mkdir(parents=True, exist_ok=True)
    for path in paths.values():
        shutil.copy(path, BASELINES / path.name)
    lines = [
        "# Gallery",
        "",
        "Every plot in `canvasframe.plots`, drawn from the bundled sample institution",
        "(synthetic data). Regenerate with `python docs/generate_gallery.py`; the same figures",
        "are the baselines of `tests/test_plots.py`.",
        "",
    ]
    for name, (caption, _) in FIGURES.items():
        lines += [f"## {caption}", "", f"![{name}](gallery/{name}.png)", ""]
    (DOCS / "gallery.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
