"""canvasframe: Canvas LMS learning analytics as tidy pandas DataFrames.

>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)          # or cf.connect("https://canvas.example.edu", token)
>>> cf.load_student_summaries(canvas.sample_course_id).shape
(36, 13)
"""

from . import _sample, client, datasets, errors, excel, loaders, localtime
from . import assessment as assessment
from . import cache as cache
from . import clickstream as clickstream
from . import discussions as discussions
from . import lti as lti
from . import messages as messages
from . import network as network
from . import plots as plots
from . import reports as reports
from . import share as share
from . import xapi as xapi
from ._sample import *  # noqa: F403
from ._version import __version__ as __version__
from .client import *  # noqa: F403
from .datasets import *  # noqa: F403
from .errors import *  # noqa: F403
from .excel import *  # noqa: F403
from .loaders import *  # noqa: F403
from .localtime import *  # noqa: F403


def __getattr__(name: str) -> object:
    # ipywidgets is imported only when an explorer is used: plain loading stays light.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'canvasframe' has no attribute {name!r}")


# Each module lists its own public names; this package exports them, plus the namespaces users call into
# (cf.assessment.item_analysis(), cf.cache.info(), cf.clickstream.sessions(),
# cf.discussions.reply_edges(), cf.network.edges(),
# cf.plots.plot_tardiness(), cf.share.bundle(),
# cf.reports.student_table(), cf.xapi.read_statements(),
# cf.widgets.CourseExplorer).
_NAMESPACES = (
    "assessment",
    "cache",
    "clickstream",
    "discussions",
    "lti",
    "messages",
    "network",
    "plots",
    "reports",
    "share",
    "widgets",
    "xapi",
)
__all__ = sorted(
    {
        "__version__",
        *_NAMESPACES,
        *_sample.__all__,
        *client.__all__,
        *datasets.__all__,
        *errors.__all__,
        *excel.__all__,
        *loaders.__all__,
        *localtime.__all__,
    }
)
