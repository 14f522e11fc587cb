"""``python -m canvasframe``: the same as the ``canvasframe`` command."""

from canvasframe.app.cli import main

raise SystemExit(main())
