"""Every plot drawn from deterministic sandbox data: used by the gallery, the demo and the image tests.

Each entry of :data:`FIGURES` takes a :class:`GalleryData` and returns a Figure,
so the image tests and ``docs/gallery.md`` always show the same pictures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .. import clickstream, discussions, loaders, network, plots, reports
from ..client import Canvas
from ..endpoints import TERM_SELECTORS
from ..localtime import display_zone

STYLE: dict[str, Any] = {
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
}


@dataclass
class GalleryData:
    """The frames the gallery draws, all from one course and its account."""

    assignments: pd.DataFrame
    student_assignments: pd.DataFrame
    summaries: pd.DataFrame
    activity: pd.DataFrame
    page_views: pd.DataFrame
    participations: pd.DataFrame
    communication: pd.DataFrame
    grades: pd.DataFrame
    categories: pd.DataFrame
    subaccounts: pd.DataFrame
    topics: pd.DataFrame
    entries: pd.DataFrame
    enrollments: pd.DataFrame
    submissions: pd.DataFrame
    page_view_log: pd.DataFrame
    conversations: pd.DataFrame
    comments: pd.DataFrame
    reviews: pd.DataFrame
    staff: pd.DataFrame
    quiz_items: pd.DataFrame
    quiz_responses: pd.DataFrame
    quiz_options: pd.DataFrame
    tz: str  # the course's time zone, as Canvas states it: every figure shows times in it

    @classmethod
    def load(cls, canvas: Canvas, course_id: int, account_id: int, terms: tuple = TERM_SELECTORS) -> GalleryData:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a term without courses is fine for a gallery
            by_term = {
                name: pd.concat(
                    [loaders.LOADERS[name](account_id, term=t, canvas=canvas, progress=False) for t in terms],
                    ignore_index=True,
                )
                for name in ("department_grades", "department_categories", "subaccount_statistics")
            }
        return cls(
            assignments=loaders.load_course_assignments(course_id, canvas=canvas, progress=False),
            student_assignments=loaders.load_student_assignments(course_id, canvas=canvas, progress=False),
            summaries=loaders.load_student_summaries(course_id, canvas=canvas, progress=False),
            activity=loaders.load_course_activity(course_id, canvas=canvas, progress=False),
            page_views=loaders.load_page_views(course_id, canvas=canvas, progress=False),
            participations=loaders.load_participations(course_id, canvas=canvas, progress=False),
            communication=loaders.load_communication(course_id, canvas=canvas, progress=False),
            grades=by_term["department_grades"],
            categories=by_term["department_categories"],
            subaccounts=by_term["subaccount_statistics"],
            topics=loaders.load_discussion_topics(course_id, canvas=canvas, progress=False),
            entries=loaders.load_discussion_entries(course_id, canvas=canvas, progress=False),
            enrollments=loaders.load_enrollments(course_id, canvas=canvas, progress=False),
            submissions=loaders.load_submissions(course_id, canvas=canvas, progress=False),
            page_view_log=loaders.load_page_view_log(course_id, canvas=canvas, progress=False),
            conversations=loaders.load_conversations(course_id, canvas=canvas, progress=False),
            comments=loaders.load_submission_comments(course_id, canvas=canvas, progress=False),
            reviews=loaders.load_peer_reviews(course_id, canvas=canvas, progress=False),
            staff=loaders.load_staff(course_id, canvas=canvas, progress=False),
            quiz_items=loaders.load_quiz_items(course_id, canvas=canvas, progress=False),
            quiz_responses=loaders.load_quiz_responses(course_id, canvas=canvas, progress=False),
            quiz_options=loaders.load_quiz_options(course_id, canvas=canvas, progress=False),
            tz=display_zone(course_id=course_id, canvas=canvas),
        )

    @property
    def first_student(self) -> int:
        return int(self.summaries["student_id"].min())

    @property
    def edges(self) -> pd.DataFrame:
        return discussions.reply_edges(self.entries, self.topics)

    @property
    def metrics(self) -> pd.DataFrame:
        return discussions.discussion_metrics(self.entries, self.topics, roster=self.summaries)

    @property
    def sessions(self) -> pd.DataFrame:
        return clickstream.sessions(self.page_view_log)

    @property
    def time_on_task(self) -> pd.DataFrame:
        return clickstream.time_on_task(self.page_view_log, tz=self.tz)

    @property
    def resource_use(self) -> pd.DataFrame:
        return clickstream.resource_use(self.page_view_log)

    @property
    def feedback(self) -> pd.DataFrame:
        return reports.feedback_summary(self.submissions, self.comments)

    @property
    def channels(self) -> pd.DataFrame:
        """Every channel's ties, with roles."""
        return network.edges(replies=self.entries, topics=self.topics, messages=self.conversations,
                             comments=self.comments, reviews=self.reviews,
                             enrollments=[self.enrollments, self.staff])  # fmt: skip

    @property
    def first_quiz(self) -> int:
        """The course's first quiz (its graded one in the sample)."""
        return int(self.quiz_items["quiz_id"].iloc[0])

    @property
    def telling_question(self) -> str:
        """The first quiz's multiple-choice question whose options drew most differently: some wrong options
        chosen, one chosen by nobody if any question has that."""
        options = self.quiz_options[(self.quiz_options["quiz_id"] == self.first_quiz)
                                    & (self.quiz_options["question_type"] == "multiple_choice_question")]  # fmt: skip
        chosen = options["answer_id"].isin(set(self.quiz_responses["answer_id"]))
        wrong = ~options["correct"].astype(bool)
        per_question = options.assign(live=wrong & chosen, dead=wrong & ~chosen).groupby("question_id", sort=False)
        score = per_question["live"].sum() * 10 + per_question["dead"].any()
        return str(score.idxmax())

    @property
    def first_quiz_responses(self) -> pd.DataFrame:
        return self.quiz_responses[self.quiz_responses["quiz_id"] == self.first_quiz]

    @property
    def telling_responses(self) -> pd.DataFrame:
        return self.quiz_responses[self.quiz_responses["question_id"] == self.telling_question]

    @property
    def weekly(self) -> pd.DataFrame:
        """Weekly activity of the course and its first student, in the institution's zone."""
        return reports.weekly_activity(self.page_views, self.participations, enrollments=self.enrollments,
                                       student_id=self.first_student, tz=self.tz)  # fmt: skip


def _figure(draw: Callable[[GalleryData, plt.Axes], object], size: tuple[float, float] = (8, 4)):
    def make(data: GalleryData) -> Figure:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        draw(data, ax)
        return fig

    return make


FIGURES: dict[str, tuple[str, Callable[[GalleryData], Figure]]] = {
    "assignment_quartiles": (
        "Score quartiles per assignment, normalised, with one student's scores",
        _figure(lambda d, ax: plots.plot_assignment_quartiles(
            d.assignments, student=d.student_assignments, student_id=d.first_student, normalize=True, ax=ax)),
    ),
    "tardiness_assignments": (
        "Timeliness per assignment (fractions)",
        _figure(lambda d, ax: plots.plot_tardiness(d.assignments, ax=ax)),
    ),
    "tardiness_students": (
        "Timeliness per student (counts), most missing first",
        _figure(lambda d, ax: plots.plot_tardiness(d.summaries, sort="missing", ax=ax), (10, 4)),
    ),
    "course_activity": (
        "Daily activity with a 7-day mean and due dates",
        _figure(lambda d, ax: plots.plot_course_activity(d.activity, rolling=7, due_dates=d.assignments, ax=ax)),
    ),
    "page_view_heatmap": (
        "Page-view rhythm, weekday × hour, in the course's time zone",
        _figure(lambda d, ax: plots.plot_page_view_heatmap(d.page_views, tz=d.tz, ax=ax)),
    ),
    "participation_timeline": (
        "Participation timeline of ten students",
        _figure(lambda d, ax: plots.plot_participation_timeline(
            d.participations, student_id=sorted(d.summaries["student_id"])[:10], tz=d.tz, ax=ax)),
    ),
    "engagement": (
        "Page views against participations, coloured by usual timeliness",
        _figure(lambda d, ax: plots.plot_engagement(d.summaries, ax=ax), (6, 4.5)),
    ),
    "communication": (
        "Instructor and student messages per week",
        _figure(lambda d, ax: plots.plot_communication(d.communication, ax=ax)),
    ),
    "grade_distribution": (
        "Department grade distribution, current and completed courses side by side",
        _figure(lambda d, ax: plots.plot_grade_distribution(d.grades, bin_width=5, ax=ax)),
    ),
    "category_views": (
        "Page views by category, both terms",
        _figure(lambda d, ax: plots.plot_category_views(d.categories, ax=ax), (7, 5)),
    ),
    "subaccounts": (
        "Students per subaccount, both terms",
        _figure(lambda d, ax: plots.plot_subaccounts(d.subaccounts, metric="students", ax=ax), (7, 3)),
    ),
    "reply_network": (
        "Reply network of every discussion, node size by posts, the instructor as a square",
        _figure(lambda d, ax: plots.plot_reply_network(
            d.edges, metrics=d.metrics, highlight=d.first_student, ax=ax), (8, 6)),
    ),
    "discussion_timeline": (
        "Discussion posts per week per topic, with the graded topic's due date",
        _figure(lambda d, ax: plots.plot_discussion_timeline(d.entries, topics=d.topics, freq="W", tz=d.tz, ax=ax)),
    ),
    "reply_matrix": (
        "Who replies to whom",
        _figure(lambda d, ax: plots.plot_reply_matrix(d.edges, ax=ax), (7, 6)),
    ),
    "weekly_activity": (
        "Weekly page views and participations per student: the course's mean and one student",
        _figure(lambda d, ax: plots.plot_weekly_activity(d.weekly, ax=ax)),
    ),
    "sessions": (
        "Session lengths per week (a session ends after 30 idle minutes), in the course's time zone",
        _figure(lambda d, ax: plots.plot_sessions(d.sessions, tz=d.tz, ax=ax)),
    ),
    "time_on_task": (
        "Estimated time on task per week: the course's median student, its middle half, and one student",
        _figure(lambda d, ax: plots.plot_time_on_task(d.time_on_task, student_id=d.first_student, ax=ax)),
    ),
    "resource_use": (
        "The fifteen most visited resources of the course",
        _figure(lambda d, ax: plots.plot_resource_use(d.resource_use, ax=ax), (8, 5)),
    ),
    "feedback_latency": (
        "Median days from handing in to the first instructor comment and to the grade, per assignment",
        _figure(lambda d, ax: plots.plot_feedback_latency(d.feedback, ax=ax), (8, 4.5)),
    ),
    "channel_network": (
        "Who reaches whom through replies, messages, feedback and peer review, by role",
        _figure(lambda d, ax: plots.plot_channel_network(d.channels, ax=ax), (8, 6)),
    ),
    "channel_mix": (
        "Each student's acts on every channel (sent and received); a student reached by none has no bar",
        _figure(lambda d, ax: plots.plot_channel_mix(d.channels, students=d.summaries["student_id"].tolist(),
                                                     ax=ax), (10, 4.5)),
    ),
    "item_map": (
        "Which questions of the graded quiz work: difficulty against Canvas's point-biserial, flagged items labelled",
        _figure(lambda d, ax: plots.plot_item_map(d.quiz_items[d.quiz_items["quiz_id"] == d.first_quiz], ax=ax),
                (7, 5)),
    ),
    "distractors": (
        "One multiple-choice question: the share choosing each option, a distractor nobody chose",
        _figure(lambda d, ax: plots.plot_distractors(d.quiz_responses, question_id=d.telling_question,
                                                     options=d.quiz_options, ax=ax), (7, 3)),
    ),
    "score_distribution": (
        "Points on the graded quiz's automatically scored questions",
        _figure(lambda d, ax: plots.plot_score_distribution(d.quiz_responses, quiz_id=d.first_quiz, ax=ax), (7, 3.5)),
    ),
}  # fmt: skip


def render(data: GalleryData, folder: Path) -> dict[str, Path]:
    """Draw every figure to ``folder/<name>.png``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    with plt.rc_context(STYLE):  # type: ignore[arg-type]  # matplotlib types rc keys as a Literal of every name
        for name, (_, make) in FIGURES.items():
            fig = make(data)
            paths[name] = folder / f"{name}.png"
            fig.savefig(paths[name], metadata={"Software": None})
            plt.close(fig)
    return paths
