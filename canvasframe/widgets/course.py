"""One course: overview, assignments, students, communication and an instructor view."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as ipw
import pandas as pd

from .. import clickstream, loaders, plots
from .._pipeline import Refresh
from ..client import Canvas
from ..localtime import course_facts, display_zone, session_or_none
from ..schemas import empty_frame
from ._base import Explorer
from .communication import CommunicationTab
from .instructor import InstructorTab
from .quizzes import QuizzesTab

__all__ = ["ENGAGEMENT_FILTERS", "CourseExplorer"]

TAB_TITLES = ("Overview", "Assignments", "Students", "Communication", "Instructor", "Quizzes")
COURSE_LEVEL = ("course_activity", "course_assignments", "student_summaries", "enrollments")  # loaded at once

ENGAGEMENT_FILTERS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all students": lambda s: pd.Series(True, index=s.index),
    "missing ≥ 2": lambda s: s["missing"] >= 2,
    "late ≥ 2": lambda s: s["late"] >= 2,
    "low participation (level ≤ 1)": lambda s: s["participations_level"].fillna(0) <= 1,
    "never opened the course": lambda s: s["page_views"] == 0,
}
"""The Students tab's filters: name -> rule over the student summaries."""


class CourseExplorer(Explorer):
    """Click through one course: overview, assignments, students, communication, an instructor view, quizzes.

    The Communication tab loads every channel the first time it is opened (Canvas builds each
    discussion's view on demand): one toggle per channel (discussion replies, inbox messages,
    feedback on work, peer reviews) picks what the communication network, its summary and each
    student's mix of channels show. Below, the discussions in detail: the reply network, posts
    over time and the discussion metrics of the topics picked; the person picked in its
    *Highlight* list, or in the Students tab, is ringed in the reply network. The Instructor tab
    (loaded when first opened too) shows weekly activity against a section or student, the
    student table with filters, and drafts a message to the students shown. The Quizzes tab (loaded
    when first opened: a request per quiz) maps which questions of the quiz picked work, with
    Canvas's and the textbook's numbers in a table, and shows how the options of the question
    picked drew.

    Parameters
    ----------
    course_id : int
        The course.
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).
    tz : str, optional
        The time zone times are shown in (default: the session's, else the course's own, else UTC).
    allow_send : bool, optional
        Whether the Instructor view may send messages (always after a second, confirming
        click). Default: yes on your Canvas, no on the sample institution.
    refresh : bool or "changed"
        How each frame's first load in this explorer asks Canvas, as the loaders' ``refresh=``
        (a student's frames when first picked, a tab's when first opened); later ones read the
        cache. The dashboard's *Refresh what changed* builds an explorer with ``"changed"``.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> explorer = CourseExplorer(canvas.sample_course_id)
    >>> [explorer.tabs.get_title(i) for i in range(6)]
    ['Overview', 'Assignments', 'Students', 'Communication', 'Instructor', 'Quizzes']
    >>> explorer.student_picker.value = explorer.student_picker.options[0][1]  # as if picked in the list
    >>> explorer.status.value
    '<span style="color:#555"></span>'
    >>> explorer.tabs.selected_index = 3  # as if the tab were clicked: every channel loads now
    >>> explorer.communication.highlight.value == explorer.shown_student
    True
    """

    def __init__(
        self,
        course_id: int,
        canvas: Canvas | None = None,
        *,
        tz: str | None = None,
        allow_send: bool | None = None,
        refresh: Refresh = False,
    ) -> None:
        session = session_or_none(canvas)
        name = course_facts(session, course_id).get("name") if session is not None else None
        super().__init__(canvas, name if isinstance(name, str) and name else f"Course {course_id}")
        self.course_id, self.tz = course_id, display_zone(tz, course_id=course_id, canvas=canvas)
        self.refresh = refresh
        self._asked: set[int] = set()  # the students whose frames this explorer has loaded once
        frames = self._load_course_frames(f"course {course_id}", course_id, COURSE_LEVEL)
        if frames is None:
            return  # the status line says what failed
        self.activity, self.assignments, self.summaries, enrollments = frames
        # Names where people look (the sortable "Last, First" Canvas sends with each enrollment), ids beside them.
        named = enrollments.dropna(subset=["sortable_name"]).drop_duplicates("student_id")
        self.names: dict[int, str] = (
            dict(zip(named["student_id"].astype(int), named["sortable_name"], strict=True)) if self.show_names else {}
        )
        self.communication = CommunicationTab(self, course_id, roster=self.summaries)  # before the Students tab picks
        self.instructor = InstructorTab(self, course_id, self.summaries, allow_send)
        self.quizzes = QuizzesTab(self, course_id)
        tabs = [self._overview(), self._assignments_tab(), self._students_tab(), self.communication, self.instructor,
                self.quizzes]  # fmt: skip
        self.tabs = ipw.Tab(tabs)
        for i, title in enumerate(TAB_TITLES):
            self.tabs.set_title(i, title)
        self.tabs.observe(self._tab_opened, names="selected_index")
        self.children = (*self.children, self.tabs)

    def _tab_opened(self, change: dict) -> None:
        # The last three tabs load their data when first opened: each costs requests the others never need.
        title = self.tabs.get_title(change["new"])
        if title == "Communication":
            self.communication.activate(student_id=self.shown_student)
        elif title == "Instructor":
            self.instructor.activate()
        elif title == "Quizzes":
            self.quizzes.activate()

    # -- overview -----------------------------------------------------------------------

    def _overview(self) -> ipw.Widget:
        dates = sorted(self.activity["date"].dt.date.unique())
        # Short labels on the slider (its readout has room for about twenty characters); the whole
        # range, with weekdays and years, on a line of its own below it.
        self.date_range = ipw.SelectionRangeSlider(
            options=[(f"{d:%d %b}", d) for d in dates] or [("-", None)],
            index=(0, max(len(dates) - 1, 0)),
            description="Dates",
            layout=ipw.Layout(width="95%"),
        )
        self.range_readout = ipw.HTML()
        self.range_readout.add_class("cf-range-readout")
        self.rolling = ipw.Checkbox(value=True, description="7-day mean")
        self.overview_area = self._area()
        for control in (self.date_range, self.rolling):
            control.observe(lambda _: self._draw_overview(), names="value")
        self._draw_overview()
        return ipw.VBox([self.date_range, ipw.HBox([self.range_readout, self.rolling]), self.overview_area])

    def _draw_overview(self) -> None:
        frame = self.activity
        if len(frame):
            start, end = (pd.Timestamp(d) for d in self.date_range.value)
            frame = frame[(frame["date"] >= start) & (frame["date"] <= end)]
            self.range_readout.value = f"Showing {start:%a %d %b %Y} – {end:%a %d %b %Y}"
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
        self.search = ipw.Text(placeholder="name or id", description="Search")
        self.engagement = ipw.Dropdown(options=list(ENGAGEMENT_FILTERS), description="Show")
        self.student_picker = ipw.Select(rows=8, description="Student")
        names = ("heatmap", "sessions", "participations", "scores", "messages")
        self.student_areas = {name: self._area() for name in names}
        self.student_table = ipw.HTML()
        # Stable CSS hooks for browser tests and for users who style the explorer.
        self.student_picker.add_class("cf-student-picker")
        self.student_table.add_class("cf-student-table")
        self.student_areas["heatmap"].add_class("cf-student-heatmap")
        self.student_areas["sessions"].add_class("cf-student-sessions")
        self.search.observe(lambda _: self._filter_students(), names="value")
        self.engagement.observe(lambda _: self._filter_students(), names="value")
        self.student_picker.observe(lambda change: self._show_student(change["new"]), names="value")
        self._filter_students()
        controls = ipw.HBox([ipw.VBox([self.search, self.engagement]), self.student_picker])
        return ipw.VBox([controls, self.student_table, *self.student_areas.values()])

    def _filter_students(self) -> None:
        summaries = self.summaries[ENGAGEMENT_FILTERS[self.engagement.value](self.summaries)]
        text = self.search.value.strip().casefold()
        if text:
            ids = summaries["student_id"].astype(int)
            found = [text in str(sid) or text in self.names.get(sid, "").casefold() for sid in ids]
            summaries = summaries[found]
        options = []
        for sid, missing, views in zip(
            summaries["student_id"], summaries["missing"], summaries["page_views"], strict=True
        ):
            name = [self.names.get(int(sid), "no name")] if self.show_names else []
            options.append((" — ".join([str(sid), *name, f"{missing} missing, {views} views"]), int(sid)))
        self.student_picker.options = options
        self.student_picker.value = options[0][1] if options else None

    def _show_student(self, student_id: int | None) -> None:
        self.shown_student = student_id
        self.communication.pick(student_id)
        if student_id is None:
            self.student_table.value = "<i>No student matches.</i>"
            for area in self.student_areas.values():
                area.value = b""
            return
        refresh = self.refresh if student_id not in self._asked else False
        self._asked.add(student_id)
        views = self._load(
            f"student {student_id}",
            lambda: tuple(
                loaders.LOADERS[frame].function(
                    self.course_id, student_id=student_id, canvas=self.canvas, refresh=refresh, progress=False
                )
                for frame in ("page_views", "participations", "student_assignments", "communication")
            ),
        )
        if views is None:
            return
        page_views, participations, results, messages = views
        areas = self.student_areas
        self._draw(
            areas["heatmap"], "student_heatmap", lambda ax: plots.plot_page_view_heatmap(page_views, tz=self.tz, ax=ax)
        )
        self._show_sessions(student_id, refresh)
        self._draw(
            areas["participations"],
            "student_participations",
            lambda ax: plots.plot_participation_timeline(participations, names=self.names, ax=ax),
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

    def _show_sessions(self, student_id: int, refresh: Refresh = False) -> None:
        """The student's sessions per week, from the page-view log; a token that may not read it leaves a note."""
        log = self._load(
            f"the page views of student {student_id}",
            lambda: loaders.load_page_view_log(
                self.course_id, student_id=student_id, canvas=self.canvas, refresh=refresh, progress=False
            ),
        )
        sessions = clickstream.sessions(log) if log is not None else clickstream.sessions(empty_frame("page_view_log"))
        self._draw(
            self.student_areas["sessions"],
            "student_sessions",
            lambda ax: plots.plot_sessions(sessions, tz=self.tz, ax=ax),
            (8, 2.5),
        )
