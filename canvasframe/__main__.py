"""``python -m canvasframe``: the same as the ``canvasframe`` command."""

from canvasframe.app.cli import main

if __name__ == "__main__":  # not on import (documentation tools import every module)
    raise SystemExit(main())
