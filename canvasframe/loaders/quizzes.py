"""Loaders of quizzes, classic and New: the quiz list, their questions' options, Canvas's item analysis, who chose what.

Each frame's classic rows come through the pipeline (one request per course or quiz); its New
Quizzes rows through ``canvasframe._new_quizzes`` (the assignments, the items, the reports).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._new_quizzes import with_new_quizzes
from .._pipeline import LoadOptions, Refresh, check_ids, run
from .._provenance import Provenance
from ..client import Canvas
from ._registry import Ids, course_units, loader

__all__ = ["load_quiz_items", "load_quiz_options", "load_quiz_responses", "load_quizzes"]

# The question types whose points are scored here by Canvas's rules (user_answer.rb); others: NaN.
_ALL_OR_NOTHING = ("multiple_choice_question", "true_false_question", "numerical_question", "short_answer_question")


def _only(frame: pd.DataFrame, quiz_id: Ids | None) -> pd.DataFrame:
    if quiz_id is None:
        return frame
    wanted = check_ids(quiz_id, "quiz_id")
    return frame[frame["quiz_id"].isin(wanted)].reset_index(drop=True)


@loader("quizzes", "course_id")
def load_quizzes(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """A course's quizzes, classic and New (one row per course × quiz).

    Classic quizzes as ``GET /courses/:id/quizzes`` lists them; New Quizzes as the course's
    assignments list them (``is_quiz_lti_assignment``): ``engine`` says which, a New Quiz's
    ``quiz_id`` is its assignment's id (the id the New Quizzes API names it by), and its
    ``quiz_type`` and ``question_count``, which its assignment does not say, are NA.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_quizzes(canvas.sample_course_id)[["title", "quiz_type", "question_count", "engine"]]
                        title      quiz_type  question_count   engine
    0                  Quiz 2     assignment              20  classic
    1  Practice: cell biology  practice_quiz               6  classic
    >>> cf.load_quizzes(canvas.sample_new_quizzes_course_id)[["title", "quiz_type", "engine"]]
                        title      quiz_type   engine
    0                  Quiz 2            NaN      new
    1  Practice: cell biology  practice_quiz  classic
    """
    return _both_engines("quizzes", course_id, canvas, refresh, max_age, progress)


@loader("quiz_options", "course_id")
def load_quiz_options(
    course_id: Ids,
    quiz_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every question of every quiz with its options (one row per quiz × question × option).

    One request per quiz: a classic quiz's ``GET .../quizzes/:id/questions`` (the questions'
    points and the options' weights, which the statistics leave out), a New Quiz's ``GET
    /api/quiz/v1/.../items`` (its choices, by UUID, and which are correct; New Quizzes have no
    weights: NaN). ``cf.assessment.distractors`` takes it to list the options nobody chose.

    Parameters
    ----------
    {course_id}
    {quiz_id}
    {options}

    Examples
    --------
    {sample}
    >>> options = cf.load_quiz_options(canvas.sample_course_id)
    >>> options.groupby("quiz_id", sort=False)["question_id"].nunique().tolist()  # questions per quiz
    [20, 6]
    """
    return _only(_both_engines("quiz_options", course_id, canvas, refresh, max_age, progress), quiz_id)


@loader("quiz_items", "course_id")
def load_quiz_items(
    course_id: Ids,
    quiz_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Canvas's item analysis of every quiz, as Canvas reports it (one row per quiz × question).

    One request per classic quiz (``GET .../quizzes/:id/statistics``); for a New Quiz, its Item
    Analysis report (asked for, waited for, read: see the quizzes guide). The numbers are Canvas's own:
    ``difficulty``, ``point_biserial`` (of the correct answer), ``alpha``, ``variance`` and
    ``stdev`` and the bracket counts are NA where Canvas computes none (every question type but
    multiple choice and true/false; ``alpha`` up to 15 such questions). ``points_possible``
    comes from :func:`load_quiz_options`. A quiz Canvas deems too large (over 100 questions or
    1000 submissions) answers 204 No Content: it has no rows, and a warning names it.
    ``cf.assessment.item_analysis`` recomputes these from :func:`load_quiz_responses` and adds the
    textbook statistics.

    Parameters
    ----------
    {course_id}
    {quiz_id}
    {options}

    Examples
    --------
    {sample}
    >>> items = cf.load_quiz_items(canvas.sample_course_id)
    >>> items.dropna(subset=["difficulty"]).groupby("quiz_id")["alpha"].first().notna().tolist()
    [True, False]
    """
    items, options, provenance = _with_options("quiz_items", course_id, canvas, refresh, max_age, progress)
    classic = provenance.attach(items.assign(points_possible=_question_points(items, options)))
    return _only(_with_new("quiz_items", classic, course_id, canvas, refresh, max_age, progress), quiz_id)


@loader("quiz_responses", "course_id")
def load_quiz_responses(
    course_id: Ids,
    quiz_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Who chose which option on every quiz (one row per quiz × question × student × option).

    Classic quizzes: read from the statistics' ``answers[].user_ids`` (the same request as :func:`load_quiz_items`:
    loading either caches both); students' names, which Canvas sends beside their ids, are never
    kept. A student who left a question blank has no row for it; a multiple-answers question
    gives a row per option chosen; a typed answer that matches no option is Canvas's ``other``
    (text "Other"; the statistics carry no typed text); an essay has no rows (Canvas sends score
    buckets, not students' answers). ``points`` follows Canvas's scoring from the questions'
    points and weights (:func:`load_quiz_options`): all or nothing for multiple choice, true/false,
    numerical and short answer; for multiple answers ``points / correct options`` for each correct
    option chosen, less as much for each wrong one, never below 0 (canvas-lms
    ``quiz_question/user_answer.rb``); NaN for other types.

    New Quizzes: read from their Student Analysis report, whose answers are texts, matched to
    the quiz's options (so ``answer_id`` is the choice's UUID, ``other`` for a text that matches
    none); a typed answer (numeric, fill-in, essay) keeps its text with ``answer_id`` and
    ``correct`` NA; ``points`` is the report's, for every question. Its ``name`` column is never read.

    Parameters
    ----------
    {course_id}
    {quiz_id}
    {options}

    Examples
    --------
    {sample}
    >>> responses = cf.load_quiz_responses(canvas.sample_course_id)
    >>> analysis = cf.assessment.item_analysis(responses, cf.load_quiz_items(canvas.sample_course_id))
    >>> len(analysis) == responses.groupby(["quiz_id", "question_id"]).ngroups
    True
    """
    responses, options, provenance = _with_options("quiz_responses", course_id, canvas, refresh, max_age, progress)
    classic = provenance.attach(responses.assign(points=scored_points(responses, options)))
    return _only(_with_new("quiz_responses", classic, course_id, canvas, refresh, max_age, progress), quiz_id)


def _with_options(
    frame: str, course_id: Ids, canvas: Canvas | None, refresh: Refresh, max_age: float | None, progress: bool | None
) -> tuple[pd.DataFrame, pd.DataFrame, Provenance]:
    """A classic statistics frame, the quizzes' options it needs the points of, and where both came from."""
    loaded = run(frame, course_units(course_id), canvas, refresh, max_age, progress)
    options = run("quiz_options", course_units(course_id), canvas, refresh, max_age, progress)
    return loaded, options, Provenance.merged(frame, [Provenance.of(loaded), Provenance.of(options)])


def _with_new(
    frame: str,
    classic: pd.DataFrame,
    course_id: Ids,
    canvas: Canvas | None,
    refresh: Refresh,
    max_age: float | None,
    progress: bool | None,
) -> pd.DataFrame:
    """The classic rows of a frame with every course's New Quizzes rows (``_new_quizzes``)."""
    options = LoadOptions.from_arguments(canvas, refresh, max_age, progress)
    return with_new_quizzes(frame, classic, [u["course_id"] for u in course_units(course_id)], options)


def _both_engines(
    frame: str, course_id: Ids, canvas: Canvas | None, refresh: Refresh, max_age: float | None, progress: bool | None
) -> pd.DataFrame:
    """A frame's classic rows (one call per course or quiz) with its New Quizzes rows."""
    classic = run(frame, course_units(course_id), canvas, refresh, max_age, progress)
    return _with_new(frame, classic, course_id, canvas, refresh, max_age, progress)


def _question_points(rows: pd.DataFrame, options: pd.DataFrame) -> np.ndarray:
    """Each row's question's ``points_possible``, from the questions' options."""
    questions = options.drop_duplicates(["quiz_id", "question_id"]).set_index(["quiz_id", "question_id"])
    key = pd.MultiIndex.from_arrays([rows["quiz_id"], rows["question_id"]])
    return questions["points_possible"].reindex(key).to_numpy(dtype="float64")


def scored_points(responses: pd.DataFrame, options: pd.DataFrame) -> np.ndarray:
    """Each response row's points on its question by Canvas's scoring (repeated on every row of a question)."""
    possible = _question_points(responses, options)
    kinds = responses["question_type"].to_numpy()
    correct = responses["correct"].fillna(False).to_numpy(dtype=bool)
    points = np.where(correct, possible, 0.0)
    points[~np.isin(kinds, _ALL_OR_NOTHING)] = np.nan
    multiple = kinds == "multiple_answers_question"
    if multiple.any():
        right = options[options["correct"].fillna(False).astype(bool)].groupby(["quiz_id", "question_id"]).size()
        chosen = responses.loc[multiple]
        per_student = chosen.assign(good=chosen["correct"].fillna(False).astype(int),
                                    bad=(~chosen["correct"].fillna(False)).astype(int))  # fmt: skip
        tally = per_student.groupby(["quiz_id", "question_id", "student_id"])[["good", "bad"]].transform("sum")
        n_right = right.reindex(pd.MultiIndex.from_arrays([chosen["quiz_id"], chosen["question_id"]])).to_numpy()
        n_right = np.where(n_right > 0, n_right, 1)  # Canvas counts a question with no correct option as one part
        share = (tally["good"].to_numpy() - tally["bad"].to_numpy()) / n_right
        points[multiple] = np.maximum(0.0, share * possible[multiple])
    return points
