"""Canvas's classic-quiz item analysis, computed the way Canvas computes it, for the sandbox to serve.

A transliteration of canvas-lms ``app/models/quizzes/quiz_statistics/item_analysis.rb``,
``item_analysis/summary.rb`` and ``item_analysis/item.rb`` (read with the search tool), kept
deliberately close to that code's shape, loops and all, so that it can stand as the independent
reference ``canvasframe.assessment`` is tested against. What that code does, which the API
documentation does not say:

- only ``multiple_choice_question`` and ``true_false_question`` get an item analysis;
- a blank answer is not a response to the item (``return unless answer[:answer_id]``);
- an item's score is the question's ``points_possible`` when the answer is the one of highest
  weight, else 0, and its variance and standard deviation are the population ones;
- the brackets are the bottom 27 %, middle 46 % and top 27 % of *all* submitters by quiz score,
  with the cut at ``(cutoff * n).round`` (Ruby rounds half away from zero) and students tied at a
  cut moved to the higher bracket;
- a point-biserial is ``(mean score of those choosing the answer - mean of the others) / sd *
  sqrt(p (1 - p))`` with the population sd of the item's respondents' quiz scores, and is null
  when either group is empty;
- ``alpha`` sums the variances of the choice items only but divides by the variance of the whole
  quiz score, and is sent only when the quiz has more than ``MIN_STATS_FOR_ALPHA`` (15) such items.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ITEM_TYPES = ("multiple_choice_question", "true_false_question")
MIN_STATS_FOR_ALPHA = 15
BUCKETS = (("top", 0.73), ("middle", 0.27), ("bottom", 0.0))


def ruby_round(value: float) -> int:
    """Ruby's ``Float#round``: halves away from zero (Python's ``round`` takes them to even)."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def population_variance(values: Sequence[float]) -> float:
    """Canvas's ``SimpleStats.variance``: the population variance, 0 for no values."""
    if not values:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


@dataclass
class Item:
    """One choice question's responses, as ``ItemAnalysis::Item`` gathers them."""

    summary: Summary
    question: Mapping[str, Any]
    answers: list[Any] = field(init=False)  # answer ids, the correct (highest weight) first
    respondent_ids: list[int] = field(default_factory=list)
    respondent_map: dict[Any, list[int]] = field(default_factory=dict)
    scores: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        ranked = sorted(enumerate(self.question["answers"]), key=lambda pair: (-pair[1]["weight"], pair[0]))
        self.answers = [answer["id"] for _, answer in ranked]

    def add_response(self, answer: Mapping[str, Any], respondent_id: int) -> None:
        answer_id = answer.get("answer_id")
        if answer_id is None:
            return  # blanks do not count for item statistics
        self.scores.append(self.question["points_possible"] if answer_id == self.answers[0] else 0)
        self.respondent_ids.append(respondent_id)
        self.respondent_map.setdefault(answer_id, []).append(respondent_id)

    def respondents_for(self, what: Any) -> list[int]:
        if what == "correct":
            return self.respondents_for(self.answers[0])
        if what == "incorrect":
            correct = set(self.respondents_for("correct"))
            return [r for r in self.respondent_ids if r not in correct]
        if what in self.summary.buckets:
            bucket = set(self.summary.buckets[what])
            return [r for r in self.respondent_ids if r in bucket]
        return self.respondent_map.get(what, [])

    def num_respondents(self, *filters: Any) -> int:
        respondents = set(self.respondent_ids)
        for what in filters:
            respondents &= set(self.respondents_for(what))
        return len(respondents)

    def ratio_for(self, what: Any) -> float:
        if not self.respondent_ids:
            return 0.0
        return len(self.respondents_for(what)) / len(self.respondent_ids)

    @property
    def variance(self) -> float:
        return population_variance(self.scores)

    def point_biserial_for(self, answer: Any) -> float | None:
        these = self.respondents_for(answer)
        others = [r for r in self.respondent_ids if r not in set(these)]
        mean, mean_other = self.summary.mean_score_for(these), self.summary.mean_score_for(others)
        if mean is None or mean_other is None:
            return None
        ratio = self.ratio_for(answer)
        sd = self.summary.standard_deviation(self.respondent_ids)
        if sd == 0:
            return math.nan  # Ruby's 0.0 / 0.0
        return (mean - mean_other) / sd * math.sqrt(ratio * (1 - ratio))


@dataclass
class Summary:
    """All submitters' quiz scores and the choice items, as ``ItemAnalysis::Summary`` holds them."""

    scores: dict[int, float] = field(default_factory=dict)
    items: dict[Any, Item] = field(default_factory=dict)

    @classmethod
    def of(cls, questions: Sequence[Mapping[str, Any]], attempts: Sequence[Mapping[str, Any]]) -> Summary:
        """Gather one attempt per student: ``user_id``, ``score``, ``submission_data`` (``question_id``,
        ``answer_id``: None for a blank)."""
        summary = cls()
        by_id = {q["id"]: q for q in questions}
        for attempt in attempts:
            summary.scores[attempt["user_id"]] = attempt["score"]
            answers = {a["question_id"]: a for a in attempt["submission_data"]}
            for question in questions:
                if question["question_type"] not in ITEM_TYPES:
                    continue
                item = summary.items.setdefault(question["id"], Item(summary, by_id[question["id"]]))
                item.add_response(answers.get(question["id"], {}), attempt["user_id"])
        return summary

    @property
    def buckets(self) -> dict[str, list[int]]:
        ranked = sorted(self.scores.items(), key=lambda pair: pair[1])
        previous_floor = len(ranked)
        buckets: dict[str, list[int]] = {}
        for name, cutoff in BUCKETS:
            floor = ruby_round(cutoff * len(ranked))
            floor_score = ranked[floor][1] if floor < len(ranked) else None
            while floor > 0 and ranked[floor - 1][1] == floor_score:  # ties go to the higher bracket
                floor -= 1
            buckets[name] = [user for user, _ in ranked[floor:previous_floor]]
            previous_floor = floor
        return buckets

    def mean_score_for(self, respondents: Sequence[int]) -> float | None:
        if not respondents:
            return None
        return sum(self.scores[r] for r in respondents) / len(respondents)

    def standard_deviation(self, respondents: Sequence[int] | None = None) -> float:
        chosen = self.scores.values() if respondents is None else [self.scores[r] for r in respondents]
        return math.sqrt(population_variance(list(chosen)))

    @property
    def alpha(self) -> float | None:
        size = len(self.items)
        variance = population_variance(list(self.scores.values()))
        if size > 1 and variance != 0:
            return size / (size - 1.0) * (1 - sum(item.variance for item in self.items.values()) / variance)
        return None


def item_analysis(
    questions: Sequence[Mapping[str, Any]], attempts: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """What ``ItemAnalysis#generate(false)`` returns: one entry per choice question, in quiz order."""
    summary = Summary.of(questions, attempts)
    alpha = summary.alpha if len(summary.items) > MIN_STATS_FOR_ALPHA else None
    out = []
    for item in summary.items.values():
        entry: dict[str, Any] = {
            "question_id": item.question["id"],
            "answered_student_count": item.num_respondents(),
            "top_student_count": item.num_respondents("top"),
            "middle_student_count": item.num_respondents("middle"),
            "bottom_student_count": item.num_respondents("bottom"),
            "correct_student_count": item.num_respondents("correct"),
            "incorrect_student_count": item.num_respondents("incorrect"),
            "correct_student_ratio": item.ratio_for("correct"),
            "incorrect_student_ratio": item.ratio_for("incorrect"),
            "correct_top_student_count": item.num_respondents("top", "correct"),
            "correct_middle_student_count": item.num_respondents("middle", "correct"),
            "correct_bottom_student_count": item.num_respondents("bottom", "correct"),
            "variance": item.variance,
            "stdev": math.sqrt(item.variance),
            "difficulty_index": item.ratio_for("correct"),
            "alpha": alpha,
            "point_biserials": [
                {
                    "answer_id": answer,
                    "point_biserial": item.point_biserial_for(answer),
                    "correct": i == 0,
                    "distractor": i != 0,
                }
                for i, answer in enumerate(item.answers)
            ],
        }
        out.append(entry)
    return out
