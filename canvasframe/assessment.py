"""Which quiz questions work: item analysis from students' responses, Canvas's numbers and the textbook's.

Canvas's classic-quiz statistics follow rules of their own, read in canvas-lms
(``app/models/quizzes/quiz_statistics/item_analysis.rb``, ``item_analysis/summary.rb`` and
``item_analysis/item.rb``): :func:`item_analysis` reproduces them from the responses alone and
puts the textbook statistics beside them, each in its own column, so a reader never mistakes
one for the other:

- **Difficulty**: ``difficulty``, the share of the question's respondents who answered it
  correctly (Canvas's and the textbook's are the same).
- **Point-biserial**: Canvas's ``point_biserial`` is uncorrected (the item is part of the score
  it is correlated with) and uses the population sd of the respondents' quiz scores; the
  textbook's ``point_biserial_corrected`` is Pearson's r of the item against the *rest* score,
  over every submitter (a skipped question scores 0).
- **Discrimination**: Canvas counts the correct answers per 27 / 46 / 27 % bracket
  (``top_correct``, ``middle_correct``, ``bottom_correct``; students tied at a cut move up);
  the textbook's ``discrimination`` is the share correct in the top 27 % minus the share in the
  bottom 27 % (Kelley's index; ties at a cut taken in student-id order).
- **Reliability**: Canvas's ``alpha`` sums the variances of the choice questions only but divides
  by the variance of the whole quiz score, and is NA unless the quiz has more than 15 choice
  questions; the textbook's ``cronbach_alpha`` is Cronbach's alpha over every scored question
  (KR-20 when every item scores 0 or 1), with population variances.

Canvas analyses multiple-choice and true/false questions only; other question types get NA in
Canvas's columns (never a number Canvas does not compute) and the textbook ones still.

>>> import pandas as pd
>>> responses = pd.DataFrame({
...     "quiz_id": 1, "question_id": ["q1"] * 4 + ["q2"] * 4,
...     "question_type": "multiple_choice_question", "student_id": [1, 2, 3, 4] * 2,
...     "answer_id": ["a", "a", "b", "a", "c", "d", "d", "c"],
...     "correct": [True, True, False, True, True, False, False, True], "points": [1.0, 1, 0, 1, 1, 0, 0, 1]})
>>> item_analysis(responses)[["question_id", "answered", "correct", "difficulty"]]
  question_id  answered  correct  difficulty
0          q1         4        3        0.75
1          q2         4        2        0.50
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frames import require
from .errors import ConfigError

__all__ = ["CHOICE_TYPES", "MIN_ITEMS_FOR_ALPHA", "brackets", "distractors", "item_analysis", "response_matrix"]

CHOICE_TYPES = ("multiple_choice_question", "true_false_question")
"""The question types Canvas's item analysis covers; others get NA in Canvas's columns."""
MIN_ITEMS_FOR_ALPHA = 15
"""Canvas sends ``alpha`` only for a quiz with *more* than this many choice questions."""
_BRACKETS = (("top", 0.73), ("middle", 0.27), ("bottom", 0.0))
_RESPONSE_COLUMNS = ["quiz_id", "question_id", "question_type", "student_id", "answer_id", "correct", "points"]


def _round_half_up(value: float) -> int:
    # Canvas's cut is Ruby's Float#round: halves away from zero, not to even as Python's round.
    return int(np.floor(value + 0.5))


def brackets(scores: pd.Series) -> pd.Series:
    """Each student's bracket by quiz score (``top``, ``middle``, ``bottom``), by Canvas's rule.

    The cuts are at 73 % and 27 % of the ranked submitters, rounded half up; students tied at a cut
    go to the higher bracket. ``scores`` is indexed by student.

    Examples
    --------
    >>> scores = pd.Series([1, 2, 3, 4, 5, 6, 7, 7, 7, 9], index=range(10), dtype="float64")
    >>> sorted(brackets(scores).value_counts().items())  # the top cut falls on a 7: all three 7s go up
    [('bottom', 3), ('middle', 3), ('top', 4)]
    """
    # Equivalent mutants, marked: the order among tied scores never changes a bracket (ties move
    # together), and scores are numbers already.
    ranked = scores.sort_values(kind="stable")  # pragma: no mutate
    values = ranked.to_numpy(dtype="float64")  # pragma: no mutate
    n, previous = len(values), len(values)
    label = pd.Series("", index=ranked.index, dtype="str")  # pragma: no mutate (the bottom bracket fills all left)
    for name, cutoff in _BRACKETS:
        floor = _round_half_up(cutoff * n)
        if floor < n:  # everyone tied with the student at the cut moves up with them
            floor = int(np.searchsorted(values, values[floor]))  # the first of the tied scores
        if floor < previous:  # pragma: no mutate (an empty slice when equal: the same)
            label.iloc[floor:previous] = name
        previous = min(previous, floor)
    return label.reindex(scores.index)


def _question_points(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per student and question: the points and whether every option chosen is correct."""
    return responses.groupby(["quiz_id", "question_id", "student_id"], sort=False).agg(
        question_type=("question_type", "first"),
        points=("points", "first"),
        correct=("correct", lambda c: bool(c.fillna(False).all())),
        answered=("answer_id", lambda a: bool(a.notna().any())),
    )


def _population_variance(values: pd.Series | np.ndarray) -> float:
    """The population variance (never of nothing here: every quiz has a submitter, every item a respondent)."""
    return float(np.var(values))


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return np.nan
    return float(np.corrcoef(x, y)[0, 1])


def _quiz_analysis(
    per: pd.DataFrame, points_possible: pd.Series, scores: pd.Series, unanswered_choice: int = 0
) -> pd.DataFrame:
    """One quiz's analysis from its ``_question_points`` rows (reset to columns)."""
    bracket = brackets(scores)
    matrix = per.pivot_table(index="student_id", columns="question_id", values="points", aggfunc="first", sort=False)
    matrix = matrix.reindex(index=scores.index).fillna(0.0)  # a skipped question scores 0 in the total
    total = matrix.sum(axis=1)
    # Kelley's groups: the 27 % lowest and highest by score, ties taken in student order (no bracket rule).
    ranked = pd.Index(sorted(scores.index, key=lambda student: (scores[student], student)))
    group = _round_half_up(0.27 * len(ranked)) if len(ranked) > 1 else 0
    questions = list(dict.fromkeys(per["question_id"]))
    types = per.drop_duplicates("question_id").set_index("question_id")["question_type"]
    choice = [q for q in questions if types[q] in CHOICE_TYPES]
    rows = []
    for question in questions:
        mine = per[(per["question_id"] == question) & per["answered"]].set_index("student_id")
        row: dict[str, object] = {"question_id": question, "question_type": types[question]}
        # The textbook's, for every question type.
        item = matrix[question] if question in matrix else pd.Series(0.0, index=scores.index)
        row["point_biserial_corrected"] = _pearson(item.to_numpy(), (total - item).to_numpy())
        right = mine["correct"].reindex(ranked, fill_value=False).to_numpy(dtype=bool)
        row["discrimination"] = float(right[-group:].mean() - right[:group].mean()) if group else np.nan
        if types[question] in CHOICE_TYPES:
            row |= _canvas_item(mine, bracket, scores, float(points_possible.get(question, np.nan)))
        rows.append(row)
    out = pd.DataFrame(rows)
    variance = _population_variance(scores)
    canvas_alpha = np.nan
    k_choice = len(choice) + unanswered_choice  # Canvas counts a choice question nobody answered (variance 0)
    if k_choice > max(1, MIN_ITEMS_FOR_ALPHA) and variance != 0:
        item_variance = out.loc[out["question_id"].isin(choice), "variance"].fillna(0.0).sum()
        canvas_alpha = k_choice / (k_choice - 1) * (1 - item_variance / variance)
    out["alpha"] = np.where(out["question_type"].isin(CHOICE_TYPES), canvas_alpha, np.nan)
    k, total_variance = matrix.shape[1], _population_variance(total)
    cronbach = np.nan
    if k > 1 and total_variance != 0:
        cronbach = k / (k - 1) * (1 - matrix.var(ddof=0).sum() / total_variance)
    out["cronbach_alpha"] = cronbach
    return out


def _canvas_item(
    mine: pd.DataFrame, bracket: pd.Series, scores: pd.Series, points_possible: float
) -> dict[str, object]:
    """Canvas's numbers for one choice question, from the students who answered it."""
    answered, correct = len(mine), int(mine["correct"].sum())
    where = bracket.reindex(mine.index)
    item_scores = np.where(mine["correct"], points_possible, 0.0)
    row: dict[str, object] = {"answered": answered, "correct": correct}
    row["difficulty"] = correct / answered if answered else 0.0
    for name, _ in _BRACKETS:
        row[f"{name}_answered"] = int((where == name).sum())
        row[f"{name}_correct"] = int(((where == name) & mine["correct"]).sum())
    variance = _population_variance(item_scores)
    row["variance"], row["stdev"] = variance, float(np.sqrt(variance))
    theirs = scores.reindex(mine.index)
    right, wrong = theirs[mine["correct"].to_numpy()], theirs[~mine["correct"].to_numpy()]
    point_biserial = np.nan
    if len(right) and len(wrong):
        ratio, sd = correct / answered, float(np.sqrt(_population_variance(theirs)))
        point_biserial = (right.mean() - wrong.mean()) / sd * np.sqrt(ratio * (1 - ratio)) if sd else np.nan
    row["point_biserial"] = point_biserial
    return row


_OUTPUT = {
    "course_id": "Int64", "quiz_id": "object", "question_id": "str", "question_type": "str",
    "answered": "Int64", "correct": "Int64", "difficulty": "float64",
    "top_answered": "Int64", "middle_answered": "Int64", "bottom_answered": "Int64",
    "top_correct": "Int64", "middle_correct": "Int64", "bottom_correct": "Int64",
    "variance": "float64", "stdev": "float64", "point_biserial": "float64", "alpha": "float64",
    "discrimination": "float64", "point_biserial_corrected": "float64", "cronbach_alpha": "float64",
}  # fmt: skip


def item_analysis(
    responses: pd.DataFrame, items: pd.DataFrame | None = None, *, scores: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per question: Canvas's item statistics recomputed from the responses, and the textbook's beside them.

    Parameters
    ----------
    responses : DataFrame
        From ``load_quiz_responses``: one row per student, question and chosen option
        (``quiz_id``, ``question_id``, ``question_type``, ``student_id``, ``answer_id``,
        ``correct``, ``points``; ``points`` repeats on each row of a question).
    items : DataFrame, optional
        From ``load_quiz_items``: its ``points_possible`` sets a choice question's item score
        (Canvas's variance is in points). Without it, the most points any student got on it.
    scores : DataFrame, optional
        ``quiz_id``, ``student_id``, ``score``: each submitter's quiz score, which Canvas ranks the
        brackets by (students who answered nothing count too). Default: the sum of each student's
        points in ``responses``.

    Returns
    -------
    DataFrame
        One row per quiz and question, in the responses' order: ``answered``, ``correct``,
        ``difficulty``, ``top_answered`` / ``middle_answered`` / ``bottom_answered``,
        ``top_correct`` / ``middle_correct`` / ``bottom_correct``, ``variance``, ``stdev``,
        ``point_biserial`` (of the correct answer) and ``alpha``, by Canvas's rules (NA for
        question types Canvas does not analyse, ``alpha`` NA up to 15 choice items); and the
        textbook's ``discrimination``, ``point_biserial_corrected`` and ``cronbach_alpha``.

    Examples
    --------
    >>> responses = pd.DataFrame({"quiz_id": 1, "question_id": ["q1", "q1", "q1"],
    ...     "question_type": "true_false_question", "student_id": [1, 2, 3], "answer_id": ["t", "t", "f"],
    ...     "correct": [True, True, False], "points": [1.0, 1.0, 0.0]})
    >>> round(float(item_analysis(responses).loc[0, "point_biserial"]), 6)  # (1 - 0) / 0.471405 * sqrt(2/9)
    1.0
    """
    require(responses, _RESPONSE_COLUMNS, "item_analysis", "load_quiz_responses")
    points_possible = pd.Series(dtype="float64")
    if items is not None:
        require(items, ["question_id", "points_possible"], "item_analysis", "load_quiz_items")
        points_possible = items.drop_duplicates("question_id").set_index("question_id")["points_possible"]
    if scores is not None:
        require(scores, ["quiz_id", "student_id", "score"], "item_analysis", "quiz scores")
    frames = []
    for quiz_id, quiz in responses.groupby("quiz_id", sort=False):
        per = _question_points(quiz).reset_index()
        observed = quiz.groupby("question_id", sort=False)["points"].max()
        possible = observed.where(~observed.index.isin(points_possible.index), points_possible.reindex(observed.index))
        if scores is not None:
            mine = scores[scores["quiz_id"] == quiz_id].drop_duplicates("student_id").set_index("student_id")["score"]
        else:
            mine = per.groupby("student_id")["points"].sum()
        unanswered = 0
        if items is not None and {"quiz_id", "question_type"} <= set(items.columns):
            listed = items[(items["quiz_id"] == quiz_id) & items["question_type"].isin(CHOICE_TYPES)]
            unanswered = len(set(listed["question_id"]) - set(quiz["question_id"]))
        analysis = _quiz_analysis(per, possible.fillna(1.0), mine.astype("float64"), unanswered)
        analysis.insert(0, "quiz_id", quiz_id)
        if "course_id" in quiz:
            analysis.insert(0, "course_id", quiz["course_id"].iloc[0])
        frames.append(analysis)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _OUTPUT.items()})
    out = pd.concat(frames, ignore_index=True).reindex(columns=list(_OUTPUT))
    return out.astype({c: d for c, d in _OUTPUT.items() if c not in ("course_id", "quiz_id")})


def response_matrix(responses: pd.DataFrame, values: str = "correct") -> pd.DataFrame:
    """The wide student x question matrix IRT packages take: NA where a student skipped a question.

    Parameters
    ----------
    responses : DataFrame
        From ``load_quiz_responses``.
    values : {"correct", "points"}
        1/0 (1 when every option the student chose is correct) or the points scored.

    Returns
    -------
    DataFrame
        Indexed by ``student_id``; one column per ``(quiz_id, question_id)`` in the responses' order.

    Examples
    --------
    >>> responses = pd.DataFrame({"quiz_id": 1, "question_id": ["q1", "q1", "q2"], "question_type": "x",
    ...     "student_id": [1, 2, 1], "answer_id": ["a", "b", "c"], "correct": [True, False, True],
    ...     "points": [1.0, 0.0, 2.0]})
    >>> response_matrix(responses)
    quiz_id      1
    question_id q1    q2
    student_id
    1            1     1
    2            0  <NA>
    """
    require(responses, _RESPONSE_COLUMNS, "response_matrix", "load_quiz_responses")
    if values not in ("correct", "points"):
        raise ConfigError(f"response_matrix: values must be 'correct' or 'points', got {values!r}.")
    per = _question_points(responses[responses["answer_id"].notna()]).reset_index()
    per["correct"] = per["correct"].astype("int64")
    wide = per.pivot(index="student_id", columns=["quiz_id", "question_id"], values=values)
    order = list(dict.fromkeys(zip(per["quiz_id"], per["question_id"], strict=True)))
    wide = wide.reindex(columns=pd.MultiIndex.from_tuples(order, names=["quiz_id", "question_id"]))
    return wide.astype("Int64" if values == "correct" else "Float64").sort_index()


def distractors(responses: pd.DataFrame, options: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per choice question and option: how many respondents chose it and their share; dead distractors.

    Parameters
    ----------
    responses : DataFrame
        From ``load_quiz_responses``.
    options : DataFrame, optional
        Every option of each question (``quiz_id``, ``question_id``, ``answer_id``, ``answer_text``,
        ``correct``): with it, options nobody chose are listed too (``dead`` wrong options).

    Returns
    -------
    DataFrame
        ``quiz_id``, ``question_id``, ``answer_id``, ``answer_text``, ``correct``, ``chosen``,
        ``share`` (of the question's respondents), ``dead`` (a wrong option nobody chose).
    """
    require(responses, _RESPONSE_COLUMNS, "distractors", "load_quiz_responses")
    chosen_rows = responses[responses["question_type"].isin(CHOICE_TYPES) & responses["answer_id"].notna()]
    keys = ["quiz_id", "question_id", "answer_id"]
    text = chosen_rows["answer_text"] if "answer_text" in chosen_rows else pd.Series(pd.NA, index=chosen_rows.index)
    chosen = (
        chosen_rows.assign(answer_text=text)
        .groupby(keys, sort=False)
        .agg(answer_text=("answer_text", "first"), correct=("correct", "first"), chosen=("student_id", "nunique"))
        .reset_index()
    )
    if options is not None:
        require(options, ["quiz_id", "question_id", "answer_id", "correct"], "distractors", "the quiz's options")
        if "question_type" in options:  # load_quiz_options lists every question; distractors are choice options
            options = options[options["question_type"].isin(CHOICE_TYPES)]
        listed = options[[c for c in ("quiz_id", "question_id", "answer_id", "answer_text", "correct") if c in options]]
        chosen = listed.merge(chosen[[*keys, "chosen"]], on=keys, how="outer", sort=False)
        chosen["chosen"] = chosen["chosen"].fillna(0)
    respondents = chosen_rows.groupby(["quiz_id", "question_id"])["student_id"].nunique()
    total = pd.Series(list(zip(chosen["quiz_id"], chosen["question_id"], strict=True))).map(respondents)
    chosen["chosen"] = chosen["chosen"].astype("int64")
    chosen["share"] = (chosen["chosen"] / total.to_numpy()).astype("float64")
    chosen["dead"] = (chosen["chosen"] == 0) & ~chosen["correct"].astype("boolean").fillna(False)
    return chosen.reset_index(drop=True)
