"""The course explorer's Instructor view: weekly activity, the student table, and "message students who…"."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as ipw
import pandas as pd

from .. import loaders, messages, plots, reports
from .._palette import HIGHLIGHT
from .._sample import SampleCanvas
from .._time import readable_duration
from ..client import default_canvas
from ..errors import CanvasframeError, MessagesNotSent
from ._base import Explorer, coloured

TABLE_FILTERS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all students": lambda t: pd.Series(True, index=t.index),
    "missing ≥ 2": lambda t: t["missing"] >= 2,
    "late ≥ 2": lambda t: t["late"] >= 2,
    "no activity in 7 days": lambda t: t["days_since_activity"].fillna(10**6) >= 7,
    "current score < 70": lambda t: t["current_score"] < 70,
}
"""The Instructor view's filters, as New Analytics offers them: name -> rule over a student table."""
TABLE_COLUMNS = [
    "sortable_name", "student_id", "current_score", "current_grade", "on_time", "late", "missing", "excused",
    "page_views", "participations", "last_activity_at", "days_since_activity", "total_activity_time",
]  # fmt: skip
DEFAULT_SUBJECT = "Checking in"
DEFAULT_BODY = "Hello, Canvas shows {missing} missing assignment(s) for you in this course. Can I help?"


def styled_table(table: pd.DataFrame, tz: str = "UTC", *, names: bool = True) -> str:
    """The student table as HTML, names first (``names=False``: ids only), times in ``tz``, durations as
    people read them, and the numbers an instructor acts on shaded."""
    columns = [c for c in TABLE_COLUMNS if c in table and (names or c != "sortable_name")]
    shown = table[columns].rename(columns={"sortable_name": "name", "last_activity_at": f"last activity ({tz})"})
    styler = shown.style.hide(axis="index").format(
        {
            "current_score": "{:.1f}",
            f"last activity ({tz})": lambda t: "" if pd.isna(t) else f"{t.tz_convert(tz):%a %d %b %H:%M}",
            "total_activity_time": readable_duration,
        },
        na_rep="",
        escape="html",  # a grade or name is whatever Canvas holds: text, never markup
    )
    styler = styler.map(lambda v: f"background-color: {HIGHLIGHT}" if v >= 2 else "", subset=["missing", "late"])
    styler = styler.map(
        lambda v: f"background-color: {HIGHLIGHT}" if pd.notna(v) and v >= 7 else "", subset=["days_since_activity"]
    )
    return styler.set_uuid("cf-students").set_table_attributes('class="cf-table"').to_html()


class InstructorTab(ipw.VBox):
    """Weekly activity against a student or section, the student table, and drafted messages.

    Sending takes two clicks (*Send…*, then *Confirm*) and is off for the sample institution
    unless the explorer was made with ``allow_send=True``.
    """

    children: tuple[ipw.Widget, ...]  # a traitlet of VBox; declared for type checkers

    def __init__(self, explorer: Explorer, course_id: int, summaries: pd.DataFrame, allow_send: bool | None) -> None:
        self.explorer, self.course_id, self.summaries = explorer, course_id, summaries
        self.allow_send = allow_send
        self.loaded = False
        self.draft: pd.DataFrame | None = None
        self.compare = ipw.Dropdown(options=[("course only", None)], description="Compare")
        self.table_filter = ipw.Dropdown(options=list(TABLE_FILTERS), description="Students")
        self.weekly_area = explorer._area()
        self.table_html = ipw.HTML()
        self.subject = ipw.Text(value=DEFAULT_SUBJECT, description="Subject")
        self.body = ipw.Textarea(value=DEFAULT_BODY, description="Message", layout=ipw.Layout(width="90%"))
        self.preview = ipw.HTML()
        self.send_button = ipw.Button(description="Send…", icon="envelope")
        self.cancel_button = ipw.Button(description="Cancel", layout=ipw.Layout(display="none"))
        self.send_status = ipw.HTML()
        for widget, name in (
            (self.table_filter, "table-filter"),
            (self.table_html, "student-table-report"),
            (self.preview, "message-preview"),
            (self.send_button, "send"),
            (self.send_status, "send-status"),
        ):
            widget.add_class(f"cf-{name}")
        self.send_button.on_click(lambda _: self._send_clicked())
        self.cancel_button.on_click(lambda _: self._disarm())
        super().__init__(
            [
                self.compare,
                self.weekly_area,
                self.table_filter,
                self.table_html,
                ipw.HTML("<b>Message the students shown</b> (fields such as {missing} come from the table)"),
                self.subject,
                self.body,
                self.preview,
                ipw.HBox([self.send_button, self.cancel_button]),
                self.send_status,
            ]
        )

    def activate(self) -> None:
        """Load enrollments, submissions and activity once, then draw."""
        if self.loaded:
            return
        canvas, course_id = self.explorer.canvas, self.course_id
        frames = self.explorer._load_course_frames(
            f"the instructor view of course {course_id}", course_id,
            ("enrollments", "submissions", "page_views", "participations"),
        )  # fmt: skip
        if frames is None:
            return
        self.enrollments, self.submissions, self.page_views, self.participations = frames
        self.loaded = True
        session = canvas or default_canvas()
        # The sample's data stops on a fixed day: count "days since activity" up to it, not up to today.
        as_of = session.sample_as_of if isinstance(session, SampleCanvas) else None
        self.table = reports.student_table(self.enrollments, self.submissions, self.summaries, as_of=as_of)
        sections = loaders.load_sections(course_id, canvas=canvas, refresh=self.explorer.refresh, progress=False)
        self.compare.options = [
            ("course only", None),
            *((f"section: {name}", ("section", int(sid)))
              for sid, name in zip(sections["section_id"], sections["name"], strict=True)),
            *((f"student {sid}" + (f" ({name})" if self.explorer.show_names and name != "nan" else ""),
               ("student", int(sid))) for sid, name in zip(self.table["student_id"], self.table["sortable_name"],
                                                           strict=True)),
        ]  # fmt: skip
        if self.allow_send is None:
            self.allow_send = not isinstance(session, SampleCanvas)
        self.send_button.disabled = not self.allow_send
        if not self.allow_send:
            self.send_status.value = "<i>Sending is off here (the sample institution); drafts still preview.</i>"
        self.compare.observe(lambda _: self._draw_weekly(), names="value")
        for control in (self.table_filter, self.subject, self.body):
            control.observe(lambda _: self._draw_table(), names="value")
        self._draw_weekly()
        self._draw_table()

    def _draw_weekly(self) -> None:
        choice = self.compare.value
        selection: dict[str, Any] = {} if choice is None else {f"{choice[0]}_id": choice[1]}
        self.weekly = reports.weekly_activity(self.page_views, self.participations, enrollments=self.enrollments,
                                              **selection)  # fmt: skip
        self.explorer._draw(
            self.weekly_area, "weekly_activity", lambda ax: plots.plot_weekly_activity(self.weekly, ax=ax)
        )

    def _draw_table(self) -> None:
        self._disarm()
        self.shown_table = self.table[TABLE_FILTERS[self.table_filter.value](self.table)].reset_index(drop=True)
        self.table_html.value = styled_table(self.shown_table, self.explorer.tz, names=self.explorer.show_names)
        try:
            self.draft = messages.draft(self.shown_table, self.subject.value, self.body.value, course_id=self.course_id)
        except CanvasframeError as exc:
            self.draft = None
            self.preview.value = coloured(str(exc))
            return
        preview = self.draft[["student_id", "subject", "body"]]
        if self.explorer.show_names:  # who each message goes to, by name; the draft itself holds ids only
            named = self.shown_table.set_index("student_id")["sortable_name"]
            preview = preview.assign(name=preview["student_id"].map(named))[["name", "student_id", "subject", "body"]]
        self.preview.value = preview.to_html(index=False)

    # -- sending: two clicks ------------------------------------------------------------------

    def _send_clicked(self) -> None:
        if self.draft is None or self.draft.empty or not self.allow_send:
            return
        if self.send_button.description.startswith("Confirm"):
            self._send()
            return
        self.send_button.description = f"Confirm: send {len(self.draft)} message(s)"
        self.send_button.button_style = "danger"
        self.cancel_button.layout.display = None
        self.send_status.value = f"Click again to send {len(self.draft)} message(s) through Canvas, or Cancel."

    def _disarm(self) -> None:
        self.send_button.description, self.send_button.button_style = "Send…", ""
        self.cancel_button.layout.display = "none"

    def _send(self) -> None:
        self._disarm()
        self.send_status.value = "⏳ Sending …"
        try:
            self.sent = messages.send(self.draft, canvas=self.explorer.canvas, confirm=True)
        except MessagesNotSent as exc:
            self.sent = exc.results
            self.send_status.value = coloured(str(exc))
            return
        except CanvasframeError as exc:
            self.send_status.value = coloured(str(exc))
            return
        counts = self.sent["status"].value_counts()
        self.send_status.value = html.escape(", ".join(f"{n} {status}" for status, n in counts.items()))
