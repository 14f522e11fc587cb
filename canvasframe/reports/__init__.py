"""Instructor reports from public APIs: weekly activity, the student table, missing/late/excused work,
last academic activity with its evidence, and feedback on submitted work. Pure functions on loaded frames.

**Which "late" wins.** Two sources say whether work is late or missing: each submission's own
``late``/``missing``/``excused`` flags (``load_submissions``) and the Analytics tardiness
(``load_student_summaries``, ``load_student_assignments``). The reports count the submission
flags: they are Canvas's current decision for that submission, and they know about extensions,
excused work and a teacher's ``late_policy_status`` overrides, while the Analytics figures are
cached for up to 12 hours and use rules of their own. :func:`student_table` shows the
Analytics counts beside them (``analytics_late``, ``analytics_missing``), so a disagreement is
visible rather than hidden.

Every report carries ``attrs["canvasframe_report"]`` with ``report`` (its name) and ``sources``:
for each frame it was made from, when that frame was fetched and whether it came from the cache.
(A loaded frame's own ``attrs["canvasframe"]``, which pandas would copy along, is dropped: a
report is not that frame.)
"""

from .activity import weekly_activity
from .evidence import last_activity
from .export import export_report
from .feedback import feedback_summary
from .students import missing_late_excused, student_table

__all__ = [
    "export_report",
    "feedback_summary",
    "last_activity",
    "missing_late_excused",
    "student_table",
    "weekly_activity",
]
