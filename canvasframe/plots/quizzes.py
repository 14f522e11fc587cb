"""Quiz items: which questions work (difficulty x discrimination), how each option drew, how scores spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..assessment import CHOICE_TYPES, distractors
from ._base import PALETTE, axes, canvas_text, chosen_value, doc, empty, require

__all__ = ["ITEM_FLAGS", "plot_distractors", "plot_item_map", "plot_score_distribution"]

ITEM_FLAGS = {"too_hard": 0.3, "too_easy": 0.9, "weak": 0.2}
"""The rules of thumb ``plot_item_map`` flags items by: difficulty below ``too_hard`` or above
``too_easy``, discrimination below ``weak`` (Ebel's and the common item-writing guides' bounds)."""


@doc
def plot_item_map(items: pd.DataFrame, *, discrimination: str = "point_biserial", ax: Axes | None = None) -> Axes:
    """Each question as a point: difficulty (share correct) against discrimination; flagged items labelled.

    The shaded box is where items usually work (:data:`ITEM_FLAGS`); an item outside it is labelled
    with its position in the quiz ("Q13"). A negative discrimination (the stronger students got it
    wrong) often means a miskeyed question.

    Parameters
    ----------
    items : DataFrame
        ``load_quiz_items`` (Canvas's numbers) or ``cf.assessment.item_analysis`` (with the
        textbook's too); only questions with a difficulty are drawn.
    discrimination : str
        The column on the vertical axis: ``point_biserial`` (Canvas's), or from
        ``item_analysis``, ``point_biserial_corrected`` or ``discrimination``.
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> items = cf.load_quiz_items(canvas.sample_course_id)
    >>> plot_item_map(items[items["quiz_id"] == items["quiz_id"].iloc[0]]).get_xlabel()
    'difficulty (share answering correctly)'
    """
    require(items, ["question_id", "difficulty", discrimination], "plot_item_map", "load_quiz_items")
    ax = axes(ax)
    xlabel, ylabel = "difficulty (share answering correctly)", f"discrimination ({discrimination.replace('_', ' ')})"
    shown = items.dropna(subset=["difficulty", discrimination])
    if shown.empty:
        return empty(ax, xlabel, ylabel, "Which questions work")
    low, high, weak = ITEM_FLAGS["too_hard"], ITEM_FLAGS["too_easy"], ITEM_FLAGS["weak"]
    ax.add_patch(Rectangle((low, weak), high - low, 1 - weak, color=PALETTE["on_time"], alpha=0.12, lw=0))
    x, y = shown["difficulty"].to_numpy(float), shown[discrimination].to_numpy(float)
    flagged = (x < low) | (x > high) | (y < weak)
    ax.scatter(x[~flagged], y[~flagged], color=PALETTE["views"], label="works", zorder=3)
    ax.scatter(x[flagged], y[flagged], color=PALETTE["missing"], marker="D", label="look again", zorder=3)
    labels = shown["position"] if "position" in shown else shown["question_id"]
    for xi, yi, label in zip(x[flagged], y[flagged], labels[flagged], strict=True):
        ax.annotate(f"Q{label}", (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize="small")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set(xlim=(-0.02, 1.02), xlabel=xlabel, ylabel=ylabel, title="Which questions work")
    ax.legend(loc="lower left", fontsize="small")
    return ax


@doc
def plot_distractors(
    responses: pd.DataFrame,
    *,
    question_id: str | None = None,
    options: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One choice question: the share of its respondents choosing each option, the correct one marked.

    Parameters
    ----------
    responses : DataFrame
        From ``load_quiz_responses``.
    question_id : str, optional
        The question (ids are text, as Canvas sends them); needed when the frame holds several
        choice questions.
    options : DataFrame, optional
        ``load_quiz_options``: every option is drawn, so a distractor nobody chose shows as an
        empty bar marked "nobody".
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> responses = cf.load_quiz_responses(canvas.sample_course_id)
    >>> first = responses.loc[responses["question_type"] == "multiple_choice_question", "question_id"].iloc[0]
    >>> plot_distractors(responses, question_id=first).get_xlabel()
    "share of the question's students"
    """
    require(responses, ["question_id", "question_type", "answer_id", "correct"], "plot_distractors",
            "load_quiz_responses")  # fmt: skip
    ax = axes(ax)
    choice = responses[responses["question_type"].isin(CHOICE_TYPES)]
    question_id = chosen_value(choice, "question_id", question_id, "plot_distractors", "choice questions")
    xlabel, title = "share of the question's students", f"Question {question_id}: options chosen"
    mine = choice[choice["question_id"] == str(question_id)]
    listed = None if options is None else options[options["question_id"] == str(question_id)]
    table = distractors(mine, listed) if len(mine) or (listed is not None and len(listed)) else None
    if table is None or table.empty:
        return empty(ax, xlabel, "option", title)
    rows = np.arange(len(table), dtype=float)
    correct = table["correct"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    colours = np.where(correct, PALETTE["on_time"], PALETTE["box"])
    share = table["share"].fillna(0.0).to_numpy(float)
    ax.barh(rows, share, color=colours)
    for row, value, dead, right in zip(rows, share, table["dead"], correct, strict=True):
        note = "correct" if right else ("nobody" if dead else "")
        ax.text(value + 0.01, row, f"{value:.0%} {note}".strip(), va="center", fontsize="small")
    texts = table["answer_text"].fillna(table["answer_id"]).map(canvas_text)
    ax.set_yticks(rows, texts.tolist())
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.15), xlabel=xlabel, title=title)
    return ax


@doc
def plot_score_distribution(responses: pd.DataFrame, *, quiz_id: int | None = None, ax: Axes | None = None) -> Axes:
    """One quiz: how many students scored how many points on its automatically scored questions.

    Points come from ``load_quiz_responses`` (Canvas's scoring); essays and other hand-graded
    questions are not in it, so a quiz with them can score higher in the gradebook.

    Parameters
    ----------
    responses : DataFrame
        From ``load_quiz_responses``.
    quiz_id : int, optional
        The quiz; needed when the frame holds several.
    {ax}

    {returns}

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> responses = cf.load_quiz_responses(canvas.sample_course_id)
    >>> plot_score_distribution(responses, quiz_id=responses["quiz_id"].iloc[0]).get_ylabel()
    'students'
    """
    require(responses, ["quiz_id", "question_id", "student_id", "points"], "plot_score_distribution",
            "load_quiz_responses")  # fmt: skip
    ax = axes(ax)
    quiz_id = chosen_value(responses, "quiz_id", quiz_id, "plot_score_distribution", "quizzes")
    mine = responses[responses["quiz_id"] == quiz_id]
    xlabel, title = "points on automatically scored questions", f"Scores on quiz {quiz_id or ''}".strip()
    if mine.empty:
        return empty(ax, xlabel, "students", title)
    per_question = mine.drop_duplicates(["student_id", "question_id"])
    totals = per_question.groupby("student_id")["points"].sum(min_count=1).dropna()
    bins = np.histogram_bin_edges(totals, bins=min(20, max(5, totals.nunique()))).tolist()
    ax.hist(totals, bins=bins, color=PALETTE["views"], edgecolor="white")
    ax.axvline(totals.median(), color=PALETTE["student"], linestyle="--", label=f"median {totals.median():g}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=xlabel, ylabel="students", title=title)
    ax.legend(fontsize="small")
    return ax
