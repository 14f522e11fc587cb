"""Read by the type checker in CI (``mypy``), never run: the public API as an editor sees it.

The first function must type-check. Each line of the second is a mistake a user makes, and
carries a ``# type: ignore[...]`` naming the error the signature must raise; mypy runs with
``warn_unused_ignores``, so if a signature stops catching the mistake (say a loader becomes a
bare ``Callable`` again), its ignore is unused and the check fails.
"""

from __future__ import annotations

import pandas as pd

import canvasframe as cf


def calls_that_type_check(canvas: cf.Canvas) -> list[pd.DataFrame]:
    sample = cf.sample(quiet=True)
    return [
        cf.load_page_views(1, canvas=canvas),
        cf.load_page_views([1, 2], student_id=[3, 4], refresh=True, max_age=3600, progress=False),
        cf.load_department_grades(1, "completed"),
        cf.load_department_grades([1, 2], 20261),
        cf.load_courses(sample.sample_account_id, term=5),
        cf.load_external_tools(sample.sample_account_id, canvas=sample),
        cf.LOADERS["page_views"](sample.sample_course_id, canvas=sample),
    ]


def sessions_that_type_check() -> list[cf.Canvas]:
    return [
        cf.connect("https://canvas.example.edu", "token", offline=True, timeout=(5, 30), retries=2),
        cf.connect("https://canvas.example.edu", token=lambda: "fresh", max_workers=4),
        cf.Canvas("https://canvas.example.edu", cf.lti.ClientCredentials("1", b"key", "https://canvas.example.edu")),
    ]


def mistakes() -> None:
    cf.load_page_views(1, nonsense=1)  # type: ignore[call-arg]
    cf.load_page_views("1001")  # type: ignore[arg-type]
    cf.load_course_activity(1, refresh="yes")  # type: ignore[arg-type]
    cf.load_department_grades(1, "last")  # type: ignore[arg-type]
    cf.load_courses(1, term="current")  # type: ignore[arg-type]
    cf.connect("https://canvas.example.edu", token=3)  # type: ignore[arg-type]
    cf.connect("https://canvas.example.edu", timeout="slow")  # type: ignore[arg-type]
    cf.connect("https://canvas.example.edu", offline="yes")  # type: ignore[arg-type]
    cf.sample().sample_course_idx  # type: ignore[attr-defined]  # noqa: B018
