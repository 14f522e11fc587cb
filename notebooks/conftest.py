"""Environment for the notebooks under nbval: set before any kernel starts, inherited by each.

Progress bars are turned off so saved outputs stay stable (users running the notebooks see
them), and the cache lives in a fresh folder so no run depends on an earlier one.
"""

import os
import tempfile

os.environ["CANVASFRAME_PROGRESS"] = "0"
os.environ["CANVASFRAME_CACHE_DIR"] = tempfile.mkdtemp(prefix="canvasframe-nbval-cache-")
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
for name in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID", "CANVASFRAME_OFFLINE"):
    os.environ.pop(name, None)  # the committed outputs are the sample institution's
