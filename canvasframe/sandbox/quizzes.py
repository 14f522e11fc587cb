"""Quizzes: questions, and each student's one attempt drawn from an item-response model.

Built after the rest of a course, from a generator of its own (so every other draw of the
institution is what it was). The course's "Quiz" assignment becomes a graded quiz whose id is the
one its participations already name (``/courses/:id/quizzes/:id``), with 20 questions: 16
multiple-choice and true/false (so Canvas computes ``alpha``, which needs more than 15), one each
of multiple answers, numerical, short answer and essay. A practice quiz of six questions (no
assignment; ``alpha`` stays null) is added beside it. In the course that has moved to New
Quizzes (``Institution.new_quizzes_course_id``) the graded quiz is a New Quiz: the same draws,
its id its assignment's (``sandbox/new_quiz_views.py`` serves it).

Responses follow a three-parameter logistic model: each student has an ability (by profile, plus
noise), each item a discrimination and a difficulty; two items barely discriminate, one is
miskeyed (negative discrimination), and one multiple-choice question has a distractor nobody
picks. Points follow canvas-lms's scoring (``app/models/quizzes/quiz_question/user_answer.rb`` and
``multiple_answers_question.rb``: a multiple-answers question gives ``points / correct options``
for each correct option chosen and takes as much for each wrong one, never below 0). An attempt's
score is the sum of its points. The students who attempt the graded quiz are those whose quiz
assignment submission was handed in, at its ``submitted_at``, and :func:`align_gradebook` makes
that submission's score the attempt's (a submission still ungraded stays so: an essay waiting
for its grader), so the gradebook, the Analytics and the quiz statistics agree.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .model import Course, World

QUIZ_TITLE = "Quiz"  # the assignment titles that are classic quizzes (sandbox/institution.py's _WORK)
ABILITY = {"steady": 0.6, "night_owl": 0.1, "late_starter": -0.2, "fading": -0.4, "never_submits": -1.0}
GUESS = {"multiple_choice_question": 0.2, "true_false_question": 0.5}


@dataclass(frozen=True)
class Option:
    id: int
    text: str
    weight: int  # 100: a correct option

    @property
    def uuid(self) -> str:
        """The option's id in New Quizzes, where choices are UUIDs (the same one every run)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"canvasframe-sandbox/choice/{self.id}"))


@dataclass
class Question:
    id: int
    position: int
    question_type: str
    question_text: str  # HTML, as Canvas stores it
    points_possible: float
    options: list[Option]
    discrimination: float = 1.0  # the item-response model's, never sent
    difficulty: float = 0.0


@dataclass
class Answer:
    """One student's answer to one question, as Canvas keeps it in ``submission_data``."""

    question_id: int
    option_ids: tuple[int, ...] = ()  # chosen options (several for multiple answers); () for text or a blank
    text: str = ""  # the typed answer (numerical, short answer, essay)
    points: float = 0.0
    correct: bool | str = False  # True, False, "partial", or "undefined" (an essay not yet graded)


@dataclass
class Attempt:
    student_id: int
    started_at: datetime
    finished_at: datetime
    answers: dict[int, Answer]  # question id -> answer; a blank has no option and no text

    @property
    def score(self) -> float:
        return float(sum(a.points for a in self.answers.values()))


@dataclass
class Quiz:
    id: int
    title: str
    quiz_type: str  # assignment | practice_quiz
    assignment_id: int | None
    due_at: datetime | None
    questions: list[Question]
    attempts: dict[int, Attempt] = field(default_factory=dict)  # student id -> their one attempt
    published: bool = True
    engine: str = "classic"  # "new": a New Quiz, whose id is its assignment's

    @property
    def points_possible(self) -> float:
        return float(sum(q.points_possible for q in self.questions))


def _option_texts(rng: np.random.Generator, n: int) -> list[str]:
    words = ["mitosis", "osmosis", "diffusion", "meiosis", "ribosome", "enzyme", "allele", "genome", "vacuole"]
    return [str(w) for w in rng.choice(words, size=n, replace=False)]


def _questions(rng: np.random.Generator, ids: Iterator[int], kinds: list[str], points: float) -> list[Question]:
    questions = []
    for position, kind in enumerate(kinds, start=1):
        if kind == "true_false_question":
            right = int(rng.integers(2))
            options = [Option(next(ids), text, 100 if k == right else 0) for k, text in enumerate(("True", "False"))]
        elif kind in ("multiple_choice_question", "multiple_answers_question"):
            texts = _option_texts(rng, 4 if kind == "multiple_choice_question" else 5)
            right_set = {int(rng.integers(4))} if kind == "multiple_choice_question" else {0, 2}
            options = [Option(next(ids), text, 100 if k in right_set else 0) for k, text in enumerate(texts)]
        elif kind == "numerical_question":
            options = [Option(next(ids), "42", 100)]
        elif kind == "short_answer_question":
            options = [Option(next(ids), "chlorophyll", 100), Option(next(ids), "Chlorophyll", 100)]
        else:  # essay: graded by hand, no options
            options = []
        question = Question(
            id=next(ids),
            position=position,
            question_type=kind,
            question_text=f"<p>Question {position}: which is right about <strong>cells</strong>?</p>",
            points_possible=points,
            options=options,
            discrimination=float(rng.lognormal(0.2, 0.3)),
            difficulty=float(rng.normal(0, 1)),
        )
        questions.append(question)
    return questions


def _answer(rng: np.random.Generator, question: Question, ability: float) -> Answer:
    """A student's answer drawn from the model; about one in thirty questions left blank."""
    blank = rng.random() < 1 / 30
    kind = question.question_type
    logit = 1.7 * question.discrimination * (ability - question.difficulty)
    knows = rng.random() < GUESS.get(kind, 0.0) + (1 - GUESS.get(kind, 0.0)) / (1 + math.exp(-logit))
    right = [o for o in question.options if o.weight == 100]
    wrong = [o for o in question.options if o.weight != 100]
    points = question.points_possible
    if blank:
        return Answer(question.id)
    if kind in GUESS:
        if knows:
            return Answer(question.id, (right[0].id,), points=points, correct=True)
        live = wrong[:-1] if kind == "multiple_choice_question" and question.position == 3 else wrong  # dead option
        return Answer(question.id, (live[int(rng.integers(len(live)))].id,), correct=False)
    if kind == "multiple_answers_question":
        chosen = [o for o in right if rng.random() < (0.9 if knows else 0.5)]
        chosen += [o for o in wrong if rng.random() < (0.1 if knows else 0.4)]
        if not chosen:
            return Answer(question.id)
        good, bad = sum(o in right for o in chosen), sum(o in wrong for o in chosen)
        score = max(0.0, good / len(right) * points - bad / len(right) * points)
        correct: bool | str = True if good == len(right) and bad == 0 else ("partial" if good - bad > 0 else False)
        return Answer(question.id, tuple(o.id for o in chosen), points=score, correct=correct)
    if kind == "numerical_question":
        text = "42" if knows else str(int(rng.integers(30, 60)))
        return Answer(question.id, text=text, points=points if text == "42" else 0.0, correct=text == "42")
    if kind == "short_answer_question":
        text = str(rng.choice(["chlorophyll", "Chlorophyll"])) if knows else str(rng.choice(["carotene", "xylem"]))
        return Answer(question.id, text=text, points=points if knows else 0.0, correct=knows)
    # An essay: a grader's points in half steps, by how well the student knows it.
    share = float(np.clip(rng.normal(0.8 if knows else 0.4, 0.15), 0, 1))
    return Answer(question.id, text="<p>Cells divide because ...</p>", points=round(share * points * 2) / 2,
                  correct="partial")  # fmt: skip


GRADED = ["multiple_choice_question"] * 12 + ["true_false_question"] * 4
GRADED += ["multiple_answers_question", "numerical_question", "short_answer_question", "essay_question"]
PRACTICE = ["multiple_choice_question"] * 3 + ["true_false_question"] * 2 + ["multiple_answers_question"]


def build_quizzes(world: World, course: Course, ids: Iterator[int], *, graded_engine: str = "classic") -> list[Quiz]:
    """The course's quizzes, each with its students' attempts.

    With ``graded_engine="new"`` the graded quiz is a New Quiz: the same questions and attempts
    (the same draws), its id its assignment's, served only by the New Quizzes APIs.
    """
    rng = np.random.default_rng([world.config.seed, course.id, 41])
    quizzes: list[Quiz] = []
    graded = next((a for a in course.assignments if a.title.startswith(QUIZ_TITLE)), None)
    if graded is not None and graded.points_possible:
        quiz_id = int(course.slots[7].rsplit("/", 1)[1])  # the id its participations already name
        questions = _questions(rng, ids, GRADED, graded.points_possible / len(GRADED))
        questions[5].discrimination, questions[9].discrimination = 0.05, 0.08  # barely discriminate
        questions[12].discrimination = -0.8  # miskeyed: the strong get it wrong
        if graded_engine == "new":
            quiz_id = graded.id  # the New Quizzes API names a quiz by its assignment
        quizzes.append(Quiz(quiz_id, graded.title, "assignment", graded.id, graded.due_at, questions,
                            engine=graded_engine))  # fmt: skip
    practice = _questions(rng, ids, PRACTICE, 1.0)
    quizzes.append(Quiz(next(ids), "Practice: cell biology", "practice_quiz", None, None, practice))
    start = world.terms[course.term_id].start
    for quiz in quizzes:
        _take(rng, course, quiz, start)
    return quizzes


def _take(rng: np.random.Generator, course: Course, quiz: Quiz, term_start: datetime) -> None:
    for student_id, enrollment in course.enrollments.items():
        ability = ABILITY[enrollment.student.profile] + float(rng.normal(0, 0.8))
        submission = enrollment.submissions.get(quiz.assignment_id) if quiz.assignment_id else None
        if quiz.assignment_id is not None:
            if submission is None or submission.submitted_at is None:
                continue  # no attempt: the gradebook says not submitted
            finished = submission.submitted_at
        else:
            if enrollment.student.profile == "never_submits" or rng.random() < 0.3:
                continue
            finished = (term_start + timedelta(days=float(rng.uniform(3, 40)))).replace(microsecond=0)
        answers = {q.id: _answer(rng, q, ability) for q in quiz.questions}
        started = finished - timedelta(minutes=float(rng.uniform(6, 40)))
        attempt = Attempt(student_id, started.replace(microsecond=0), finished, answers)
        quiz.attempts[student_id] = attempt


def align_gradebook(course: Course, quizzes: list[Quiz]) -> None:
    """Give each graded quiz assignment's scored submissions their attempt's score (Canvas keeps them one)."""
    for quiz in quizzes:
        if quiz.assignment_id is None:
            continue
        for student_id, attempt in quiz.attempts.items():
            submission = course.enrollments[student_id].submissions[quiz.assignment_id]
            if submission.score is not None:
                submission.score = attempt.score
