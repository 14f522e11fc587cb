"""The course explorer's Quizzes tab: pick a quiz, see which questions work, pick a question, see its options."""

from __future__ import annotations

import html

import ipywidgets as ipw

from .. import assessment, plots
from ._base import Explorer

# The item table's columns, Canvas's numbers first, then the textbook's.
ITEM_COLUMNS = ["position", "question_type", "answered", "difficulty", "point_biserial", "point_biserial_corrected",
                "discrimination"]  # fmt: skip


class QuizzesTab(ipw.VBox):
    """Classic quizzes of one course, loaded the first time the tab is opened (a request per quiz).

    The quiz picker lists the quizzes; the item map and the table show each question's difficulty
    and discrimination (Canvas's and the textbook's); the question picker shows how its options drew.
    """

    children: tuple[ipw.Widget, ...]  # a traitlet of VBox; declared for type checkers

    def __init__(self, explorer: Explorer, course_id: int) -> None:
        self.explorer, self.course_id = explorer, course_id
        self.loaded = False
        self.quiz_picker = ipw.Dropdown(description="Quiz", layout=ipw.Layout(width="60%"))
        self.question_picker = ipw.Dropdown(description="Question", layout=ipw.Layout(width="60%"))
        self.item_area, self.option_area = explorer._area(), explorer._area()
        self.item_table = ipw.HTML()
        for widget, name in ((self.quiz_picker, "quiz-picker"), (self.question_picker, "question-picker"),
                             (self.item_table, "quiz-items"), (self.item_area, "item-map"),
                             (self.option_area, "quiz-options")):  # fmt: skip
            widget.add_class(f"cf-{name}")
        super().__init__([self.quiz_picker, self.item_area, self.item_table, self.question_picker, self.option_area])

    def activate(self) -> None:
        """Load the quizzes, their items, responses and options once, then draw the first quiz."""
        if self.loaded:
            return
        frames = self.explorer._load_course_frames(
            f"the quizzes of course {self.course_id}", self.course_id,
            ("quizzes", "quiz_items", "quiz_responses", "quiz_options"),
        )  # fmt: skip
        if frames is None:
            return
        self.quizzes, self.items, self.responses, self.options = frames
        self.loaded = True
        self.quiz_picker.options = [(f"{row.title} ({_kind(row.quiz_type, row.engine)})", int(row.quiz_id))
                                    for row in self.quizzes.itertuples(index=False)]  # fmt: skip
        if not len(self.quizzes):
            self.item_table.value = "<i>This course has no quizzes.</i>"
            return
        self.quiz_picker.value = self.quiz_picker.options[0][1]  # a Dropdown picks nothing by itself
        self._show_quiz()
        self.quiz_picker.observe(lambda _: self._show_quiz(), names="value")
        self.question_picker.observe(lambda _: self._show_question(), names="value")

    def _show_quiz(self) -> None:
        quiz_id = self.quiz_picker.value
        items = self.items[self.items["quiz_id"] == quiz_id]
        responses = self.responses[self.responses["quiz_id"] == quiz_id]
        self.analysis = assessment.item_analysis(responses, items) if len(responses) else items.iloc[0:0]
        self.explorer._draw(self.item_area, "item_map", lambda ax: plots.plot_item_map(items, ax=ax), (7, 4.5))
        shown = items[["question_id", "position", "question_type", "answered", "difficulty", "point_biserial"]]
        if len(self.analysis):
            shown = shown.merge(self.analysis[["question_id", "point_biserial_corrected", "discrimination"]],
                                on="question_id", how="left")  # fmt: skip
        self.item_table.value = shown.reindex(columns=ITEM_COLUMNS).to_html(
            index=False, float_format="{:.3f}".format, na_rep="", escape=True
        )
        choice = items[items["question_type"].isin(assessment.CHOICE_TYPES)]
        options = [
            (f"Q{position}: {html.unescape(str(text))[:60]}", str(question))
            for question, position, text in choice[["question_id", "position", "question_text"]].itertuples(index=False)
        ]
        self.question_picker.options = options
        self.question_picker.value = options[0][1] if options else None
        self._show_question()

    def _show_question(self) -> None:
        question = self.question_picker.value
        if question is None:
            return
        self.explorer._draw(
            self.option_area,
            "distractors",
            lambda ax: plots.plot_distractors(self.responses, question_id=question, options=self.options, ax=ax),
            (7, 3),
        )


def _kind(quiz_type: object, engine: str) -> str:
    """How the picker names a quiz's kind: Canvas's quiz type, or "New Quiz" (its assignment says none)."""
    return quiz_type.replace("_", " ") if isinstance(quiz_type, str) else ("New Quiz" if engine == "new" else "quiz")
