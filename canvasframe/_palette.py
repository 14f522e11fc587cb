"""The one palette: Okabe & Ito's eight colours, and what canvasframe uses each for.

Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
deficiency. Plots, widgets, the dashboard and the HTML reports take their colours from here.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ERROR", "HIGHLIGHT", "MUTED", "NOTICE", "OKABE_ITO", "ROLES", "SERIES"]

OKABE_ITO: Final = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_C = OKABE_ITO

# What a colour means wherever it is drawn: tardiness, activity, messages.
ROLES: Final = {
    "on_time": _C["bluish_green"],
    "late": _C["orange"],
    "missing": _C["vermillion"],
    "floating": _C["sky_blue"],
    "views": _C["blue"],
    "participations": _C["reddish_purple"],
    "instructor_messages": _C["blue"],
    "student_messages": _C["orange"],
    "student": _C["black"],
    "box": "#999999",  # a neutral grey for distributions, behind the coloured marks
    # The channels of communication (cf.network), and who is at either end of a tie.
    "reply": _C["blue"],
    "message": _C["orange"],
    "feedback": _C["bluish_green"],
    "peer_review": _C["reddish_purple"],
    "teacher": _C["vermillion"],
    "ta": _C["yellow"],
    "designer": _C["sky_blue"],
    "role_unknown": "#999999",
}
# Series without a meaning of their own (terms, topics), in the order they are given out.
SERIES: Final = tuple(
    _C[n] for n in ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "vermillion", "yellow")
)

ERROR: Final = _C["vermillion"]  # an error line in a widget
MUTED: Final = "#555"  # a status line
NOTICE: Final = _C["orange"]  # the border of a "synthetic data" notice
HIGHLIGHT: Final = "#fbe3d6"  # a light vermillion: a table cell that needs attention
