"""ipywidgets explorers for a course and a department, built on the loaders and the plots.

Figures are rendered to PNG and shown in ``ipywidgets.Image`` widgets rather
than with ipympl or ``Output`` capture: the image bytes live in the widget's
kernel-side state, so it works the same in JupyterLab, classic Notebook and
Voila with no extra front-end extension, and in a kernel with no front end at
all (tests, nbval); every redraw is a plain matplotlib figure the tests can
read back. Data is loaded once per
course (and once per student when one is picked) through the loaders, so it
comes from the Arrow cache after the first time; the kernel is busy only while
a fetch runs, and a status line says so. Errors appear in that line as a
readable message, not a traceback.

>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)
>>> explorer = cf.widgets.CourseExplorer(canvas.sample_course_id)  # shows itself as a notebook cell's last line
"""

from .course import ENGAGEMENT_FILTERS, CourseExplorer
from .department import DepartmentExplorer
from .instructor import TABLE_FILTERS

__all__ = ["ENGAGEMENT_FILTERS", "TABLE_FILTERS", "CourseExplorer", "DepartmentExplorer"]
