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

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import ipywidgets as ipw
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from . import loaders, plots
from .client import Canvas
from .errors import CanvasframeError
from .loaders._registry import Term

__all__ = ["ENGAGEMENT_FILTERS", "CourseExplorer", "DepartmentExplorer"]

FIGURE_DPI = 90

# name -> rule over a student_summaries row set; shown in the Students tab's filter.
ENGAGEMENT_FILTERS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all students": lambda s: pd.Series(True, index=s.index),
    "missing ≥ 2": lambda s: s["missing"] >= 2,
    "late ≥ 2": lambda s: s["late"] >= 2,
    "low participation (level ≤ 1)": lambda s: s["participations_level"].fillna(0) <= 1,
    "never opened the course": lambda s: s["page_views"] == 0,
}


class _Explorer(ipw.VBox):
    children: tuple[Any, ...]  # a traitlet of VBox; declared for type checkers
    """Status line, figure areas and error handling shared by both explorers."""

    def __init__(self, canvas: Canvas | None, title: str) -> None:
        self.canvas = canvas
        self.status = ipw.HTML()
        self.figures: dict[str, plt.Figure] = {}  # the last figure drawn in each area, for tests and export
        super().__init__([ipw.HTML(f"<h3>{html.escape(title)}</h3>"), self.status])

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#D55E00" if error else "#555"
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

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
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
        plt.close(fig)
        area.value = buffer.getvalue()
        self.figures[name] = fig

    @staticmethod
    def _area() -> ipw.Image:
        return ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))


class CourseExplorer(_Explorer):
    """Click through one course: overview, assignments and students.

    Parameters
    ----------
    course_id : int
        The course.
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).
    tz : str
        Time zone for the students' page-view heatmaps.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> explorer = CourseExplorer(canvas.sample_course_id)
    >>> [explorer.tabs.get_title(i) for i in range(3)]
    ['Overview', 'Assignments', 'Students']
    >>> explorer.student_picker.value = explorer.student_picker.options[0][1]  # as if picked in the list
    >>> explorer.status.value
    '<span style="color:#555"></span>'
    """

    def __init__(self, course_id: int, canvas: Canvas | None = None, *, tz: str = "UTC") -> None:
        super().__init__(canvas, f"Course {course_id}")
        self.course_id, self.tz = course_id, tz
        frames = self._load(
            f"course {course_id}",
            lambda: (
                loaders.load_course_activity(course_id, canvas=canvas),
                loaders.load_course_assignments(course_id, canvas=canvas),
                loaders.load_student_summaries(course_id, canvas=canvas),
            ),
        )
        if frames is None:
            return  # the status line says what failed
        self.activity, self.assignments, self.summaries = frames
        self.tabs = ipw.Tab([self._overview(), self._assignments_tab(), self._students_tab()])
        for i, title in enumerate(("Overview", "Assignments", "Students")):
            self.tabs.set_title(i, title)
        self.children = (*self.children, self.tabs)

    # -- overview -----------------------------------------------------------------------

    def _overview(self) -> ipw.Widget:
        dates = sorted(self.activity["date"].dt.date.unique())
        self.date_range = ipw.SelectionRangeSlider(
            options=dates or ["-"],
            index=(0, max(len(dates) - 1, 0)),
            description="Dates",
            layout=ipw.Layout(width="90%"),
        )
        self.rolling = ipw.Checkbox(value=True, description="7-day mean")
        self.overview_area = self._area()
        for control in (self.date_range, self.rolling):
            control.observe(lambda _: self._draw_overview(), names="value")
        self._draw_overview()
        return ipw.VBox([ipw.HBox([self.date_range, self.rolling]), self.overview_area])

    def _draw_overview(self) -> None:
        frame = self.activity
        if len(frame):
            start, end = (pd.Timestamp(d) for d in self.date_range.value)
            frame = frame[(frame["date"] >= start) & (frame["date"] <= end)]
        self.shown_activity = frame
        self._draw(
            self.overview_area,
            "activity",
            lambda ax: plots.plot_course_activity(
                frame, rolling=7 if self.rolling.value else None, due_dates=self.assignments, ax=ax
            ),
        )

    # -- assignments ----------------------------------------------------------------------

    def _assignments_tab(self) -> ipw.Widget:
        options = [
            (title, aid)
            for title, aid in zip(self.assignments["title"], self.assignments["assignment_id"], strict=True)
        ]
        self.assignment_picker = ipw.SelectMultiple(
            options=options, value=[a for _, a in options], rows=8, description="Assignments"
        )
        self.assignment_sort = ipw.Dropdown(options=["due date", "missing", "late", "on_time"], description="Sort by")
        self.normalize = ipw.Checkbox(value=True, description="% of points")
        self.quartile_area, self.tardiness_area = self._area(), self._area()
        for control in (self.assignment_picker, self.assignment_sort, self.normalize):
            control.observe(lambda _: self._draw_assignments(), names="value")
        self._draw_assignments()
        controls = ipw.VBox([self.assignment_picker, self.assignment_sort, self.normalize])
        return ipw.VBox([controls, self.quartile_area, self.tardiness_area])

    def _draw_assignments(self) -> None:
        chosen = self.assignments[self.assignments["assignment_id"].isin(self.assignment_picker.value)]
        self.shown_assignments = chosen
        sort = None if self.assignment_sort.value == "due date" else self.assignment_sort.value
        self._draw(
            self.quartile_area,
            "quartiles",
            lambda ax: plots.plot_assignment_quartiles(chosen, normalize=self.normalize.value, ax=ax),
        )
        self._draw(self.tardiness_area, "tardiness", lambda ax: plots.plot_tardiness(chosen, sort=sort, ax=ax))

    # -- students -----------------------------------------------------------------------------

    def _students_tab(self) -> ipw.Widget:
        self.search = ipw.Text(placeholder="student id", description="Search")
        self.engagement = ipw.Dropdown(options=list(ENGAGEMENT_FILTERS), description="Show")
        self.student_picker = ipw.Select(rows=8, description="Student")
        self.student_areas = {name: self._area() for name in ("heatmap", "participations", "scores", "messages")}
        self.student_table = ipw.HTML()
        # Stable CSS hooks for browser tests and for users who style the explorer.
        self.student_picker.add_class("cf-student-picker")
        self.student_table.add_class("cf-student-table")
        self.student_areas["heatmap"].add_class("cf-student-heatmap")
        self.search.observe(lambda _: self._filter_students(), names="value")
        self.engagement.observe(lambda _: self._filter_students(), names="value")
        self.student_picker.observe(lambda change: self._show_student(change["new"]), names="value")
        self._filter_students()
        controls = ipw.HBox([ipw.VBox([self.search, self.engagement]), self.student_picker])
        return ipw.VBox([controls, self.student_table, *self.student_areas.values()])

    def _filter_students(self) -> None:
        summaries = self.summaries[ENGAGEMENT_FILTERS[self.engagement.value](self.summaries)]
        text = self.search.value.strip()
        if text:
            summaries = summaries[summaries["student_id"].astype(str).str.contains(text, regex=False)]
        options = [
            (f"{sid} — {missing} missing, {views} views", int(sid))
            for sid, missing, views in zip(
                summaries["student_id"], summaries["missing"], summaries["page_views"], strict=True
            )
        ]
        self.student_picker.options = options
        self.student_picker.value = options[0][1] if options else None

    def _show_student(self, student_id: int | None) -> None:
        self.shown_student = student_id
        if student_id is None:
            self.student_table.value = "<i>No student matches.</i>"
            for area in self.student_areas.values():
                area.value = b""
            return
        views = self._load(
            f"student {student_id}",
            lambda: (
                loaders.load_page_views(self.course_id, student_id, canvas=self.canvas, progress=False),
                loaders.load_participations(self.course_id, student_id, canvas=self.canvas, progress=False),
                loaders.load_student_assignments(self.course_id, student_id, canvas=self.canvas, progress=False),
                loaders.load_communication(self.course_id, student_id, canvas=self.canvas, progress=False),
            ),
        )
        if views is None:
            return
        page_views, participations, results, messages = views
        areas = self.student_areas
        self._draw(
            areas["heatmap"], "student_heatmap", lambda ax: plots.plot_page_view_heatmap(page_views, tz=self.tz, ax=ax)
        )
        self._draw(
            areas["participations"],
            "student_participations",
            lambda ax: plots.plot_participation_timeline(participations, ax=ax),
            (8, 1.8),
        )
        self._draw(
            areas["scores"],
            "student_scores",
            lambda ax: plots.plot_assignment_quartiles(
                self.assignments, student=results, student_id=student_id, normalize=True, ax=ax
            ),
        )
        self._draw(areas["messages"], "student_messages", lambda ax: plots.plot_communication(messages, ax=ax))
        # Last, so a table showing this student means every figure above is this student's.
        row = self.summaries[self.summaries["student_id"] == student_id]
        self.student_table.value = row.drop(columns=["course_id"]).to_html(index=False)


class DepartmentExplorer(_Explorer):
    """An account across terms: grade distribution, views by category, subaccounts.

    Parameters
    ----------
    account_id : int
        The account.
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> explorer = DepartmentExplorer(canvas.sample_account_id)
    >>> explorer.term.value = "completed"
    >>> explorer.subaccounts[["name", "courses"]]
                        name  courses
    0     Sandbox University        0
    1  Department of Biology        0
    2  Department of History        1
    """

    def __init__(self, account_id: int, canvas: Canvas | None = None) -> None:
        super().__init__(canvas, f"Account {account_id}")
        self.account_id = account_id
        self.term = ipw.ToggleButtons(options=["current", "completed", "term id"], description="Term")
        self.term_id = ipw.BoundedIntText(min=0, max=2**63 - 1, description="Term id", disabled=True)
        self.grades_area, self.categories_area = self._area(), self._area()
        self.subaccount_table = ipw.HTML()
        self.term.observe(lambda _: self._refresh(), names="value")
        self.term_id.observe(lambda _: self._refresh(), names="value")
        self.children = (
            *self.children,
            ipw.HBox([self.term, self.term_id]),
            self.grades_area,
            self.categories_area,
            self.subaccount_table,
        )
        self._refresh()

    @property
    def selected_term(self) -> Term:
        return int(self.term_id.value) if self.term.value == "term id" else self.term.value

    def _refresh(self) -> None:
        self.term_id.disabled = self.term.value != "term id"
        term = self.selected_term
        frames = self._load(
            f"term {term}",
            lambda: (
                loaders.load_department_grades(self.account_id, term, canvas=self.canvas),
                loaders.load_department_categories(self.account_id, term, canvas=self.canvas),
                loaders.load_subaccount_statistics(self.account_id, term, canvas=self.canvas),
            ),
        )
        if frames is None:
            return
        self.grades, self.categories, self.subaccounts = frames
        self._draw(
            self.grades_area, "grades", lambda ax: plots.plot_grade_distribution(self.grades, bin_width=5, ax=ax)
        )
        self._draw(
            self.categories_area, "categories", lambda ax: plots.plot_category_views(self.categories, ax=ax), (7, 4.5)
        )
        table = self.subaccounts[["subaccount_id", "name", "courses", "teachers", "students"]]
        self.subaccount_table.value = table.to_html(index=False)
