"""What both explorers share: a status line, figure areas drawn as PNG, errors shown in place."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as ipw
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .. import loaders
from .._palette import ERROR, MUTED
from .._pipeline import Refresh
from ..client import Canvas
from ..errors import CanvasframeError
from ..localtime import session_or_none

FIGURE_DPI = 90
SHARPNESS = 2  # pixels drawn per pixel shown


def coloured(text: str, colour: str = ERROR) -> str:
    """``text`` as escaped HTML in ``colour`` (by default the error colour)."""
    return f'<span style="color:{colour}">{html.escape(text)}</span>'


class Explorer(ipw.VBox):
    """Status line, figure areas and error handling shared by both explorers (and their tabs)."""

    children: tuple[Any, ...]  # a traitlet of VBox; declared for type checkers

    def __init__(self, canvas: Canvas | None, title: str) -> None:
        self.canvas = canvas
        self.tz = "UTC"  # the zone times are shown in (an explorer of one course sets its course's)
        self.refresh: Refresh = False  # how the explorer's first load of each frame asks Canvas (see CourseExplorer)
        session = session_or_none(canvas)
        self.show_names = session is None or session.names  # cf.connect(..., names=False): ids only
        self.status = ipw.HTML()
        self.figures: dict[str, plt.Figure] = {}  # the last figure drawn in each area, for tests and export
        super().__init__([ipw.HTML(f"<h3>{html.escape(title)}</h3>"), self.status])

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.value = coloured(text, ERROR if error else MUTED)

    def _load_course_frames(self, what: str, course_id: int, frames: Sequence[str]) -> tuple[Any, ...] | None:
        """These frames of one course, loaded with the explorer's session (None, and the message, on failure)."""
        return self._load(what, lambda: tuple(
            loaders.LOADERS[name].function(course_id, canvas=self.canvas, refresh=self.refresh, progress=False)
            for name in frames
        ))  # fmt: skip

    def _load(self, what: str, load: Callable[[], Any]) -> Any:
        """Run one loader with a visible 'loading' line; None (and the message) when it fails."""
        self._say(f"⏳ Loading {what} …")
        try:
            result = load()
        except CanvasframeError as exc:
            self._say(f"Could not load {what}: {exc}", error=True)
            return None
        self._say("")
        return result

    def _draw(self, area: ipw.Image, name: str, draw: Callable[[Axes], Any], size: tuple[float, float] = (8, 3.5)):
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        try:
            draw(ax)
        except CanvasframeError as exc:
            self._say(str(exc), error=True)
        buffer = io.BytesIO()
        # Drawn at twice the pixels it is shown at, so it stays crisp on high-density screens and when
        # the page stretches it; the shown width is the figure's own.
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI * SHARPNESS)
        plt.close(fig)
        area.value = buffer.getvalue()
        area.layout.width = f"{round(size[0] * FIGURE_DPI)}px"
        self.figures[name] = fig

    @staticmethod
    def _area() -> ipw.Image:
        return ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
