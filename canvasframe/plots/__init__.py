"""matplotlib views of canvasframe's frames.

Every function takes a loader's frame as it is, draws on ``ax`` (the current
Axes when ``None``), returns that Axes and never calls ``plt.show()``. An empty
frame gives a labelled Axes that says there is no data. Colours come from one
colour-blind-safe palette (Okabe & Ito), so on time, late, missing and
floating look the same in every figure.

>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)
>>> ax = cf.plots.plot_tardiness(cf.load_course_assignments(canvas.sample_course_id))
>>> ax.get_ylabel()
'share of students'
"""

from ._base import PALETTE
from .activity import (
    plot_communication,
    plot_course_activity,
    plot_engagement,
    plot_page_view_heatmap,
    plot_participation_timeline,
)
from .assignments import plot_assignment_quartiles, plot_tardiness
from .clickstream import plot_resource_use, plot_sessions, plot_time_on_task
from .communication import plot_channel_mix, plot_channel_network, plot_feedback_latency
from .departments import plot_category_views, plot_grade_distribution, plot_subaccounts
from .discussions import plot_discussion_timeline, plot_reply_matrix, plot_reply_network
from .quizzes import ITEM_FLAGS, plot_distractors, plot_item_map, plot_score_distribution
from .reports import plot_weekly_activity

__all__ = [
    "ITEM_FLAGS",
    "PALETTE",
    "plot_assignment_quartiles",
    "plot_category_views",
    "plot_channel_mix",
    "plot_channel_network",
    "plot_communication",
    "plot_course_activity",
    "plot_discussion_timeline",
    "plot_distractors",
    "plot_engagement",
    "plot_feedback_latency",
    "plot_grade_distribution",
    "plot_item_map",
    "plot_page_view_heatmap",
    "plot_participation_timeline",
    "plot_reply_matrix",
    "plot_reply_network",
    "plot_resource_use",
    "plot_score_distribution",
    "plot_sessions",
    "plot_subaccounts",
    "plot_tardiness",
    "plot_time_on_task",
    "plot_weekly_activity",
]
