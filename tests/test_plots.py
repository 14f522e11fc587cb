"""Plots: shared behaviour for every function, semantic checks on the artists, and image baselines."""

from __future__ import annotations

import inspect
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.testing.compare import compare_images

import canvasframe as cf
from canvasframe import plots
from canvasframe.app.gallery import FIGURES, GalleryData, render
from canvasframe.schemas import empty_frame

BASELINES = Path(__file__).resolve().parent / "baseline"


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory) -> GalleryData:
    """The gallery's frames: the sample institution over real HTTP, as docs/generate_gallery.py draws them."""
    canvas = cf.sample(quiet=True, cache_dir=tmp_path_factory.mktemp("plots-cache"))
    return GalleryData.load(canvas, canvas.sample_course_id, canvas.sample_account_id)


# function -> (GalleryData attribute, frame name for the empty case, extra kwargs)
CASES: dict = {
    plots.plot_assignment_quartiles: ("assignments", "course_assignments", {}),
    plots.plot_tardiness: ("summaries", "student_summaries", {}),
    plots.plot_course_activity: ("activity", "course_activity", {}),
    plots.plot_page_view_heatmap: ("page_views", "page_views", {}),
    plots.plot_participation_timeline: ("participations", "participations", {}),
    plots.plot_engagement: ("summaries", "student_summaries", {}),
    plots.plot_communication: ("communication", "communication", {}),
    plots.plot_grade_distribution: ("grades", "department_grades", {}),
    plots.plot_category_views: ("categories", "department_categories", {}),
    plots.plot_subaccounts: ("subaccounts", "subaccount_statistics", {}),
    plots.plot_reply_network: ("edges", "reply_edges", {}),
    plots.plot_discussion_timeline: ("entries", "discussion_entries", {}),
    plots.plot_reply_matrix: ("edges", "reply_edges", {}),
    plots.plot_weekly_activity: ("weekly", "weekly_activity", {}),
    plots.plot_sessions: ("sessions", "sessions", {}),
    plots.plot_time_on_task: ("time_on_task", "time_on_task", {}),
    plots.plot_resource_use: ("resource_use", "resource_use", {}),
    plots.plot_feedback_latency: ("feedback", "feedback_summary", {}),
    plots.plot_channel_network: ("channels", "channel_edges", {}),
    plots.plot_channel_mix: ("channels", "channel_edges", {}),
    plots.plot_item_map: ("quiz_items", "quiz_items", {}),
    plots.plot_distractors: ("telling_responses", "quiz_responses", {}),
    plots.plot_score_distribution: ("first_quiz_responses", "quiz_responses", {}),
}


# What a plot's error names as the frame it wants: a loader or the function that makes it.
WHERE_FRAMES_COME_FROM = r"load_\w+|reply_edges|weekly_activity|cf.clickstream|cf.network|feedback_summary"


def _empty(name: str) -> pd.DataFrame:
    """A loader's frame with no rows; reply edges and weekly activity are computed from such frames."""
    if name == "reply_edges":
        return cf.discussions.reply_edges(empty_frame("discussion_entries"), empty_frame("discussion_topics"))
    if name == "weekly_activity":
        return cf.reports.weekly_activity(empty_frame("page_views"), empty_frame("participations"))
    if name in ("sessions", "time_on_task", "resource_use"):
        return getattr(cf.clickstream, name)(empty_frame("page_view_log"))
    if name == "feedback_summary":
        return cf.reports.feedback_summary(empty_frame("submissions"), empty_frame("submission_comments"))
    if name == "channel_edges":
        return cf.network.edges(comments=empty_frame("submission_comments"))
    return empty_frame(name)


def test_every_public_plot_is_covered():
    public = {getattr(plots, n) for n in plots.__all__ if n.startswith("plot_")}
    assert public == set(CASES)


@pytest.mark.parametrize("func", list(CASES), ids=lambda f: f.__name__)
class TestEveryPlot:
    def test_returns_the_current_axes(self, func, sample_data):
        attr, _, kwargs = CASES[func]
        _, ax = plt.subplots()
        assert func(getattr(sample_data, attr), **kwargs) is ax

    def test_draws_on_the_given_axes(self, func, sample_data):
        attr, _, kwargs = CASES[func]
        _, (left, right) = plt.subplots(1, 2)
        assert func(getattr(sample_data, attr), ax=right, **kwargs) is right
        assert right.has_data() and not left.has_data()

    def test_empty_frame_gives_an_annotated_axes(self, func):
        _, frame_name, kwargs = CASES[func]
        ax = func(_empty(frame_name), **kwargs)
        assert isinstance(ax, Axes)
        assert [t.get_text() for t in ax.texts] == ["no data"]
        assert ax.get_xlabel() and ax.get_ylabel()

    def test_wrong_frame_is_a_clear_error(self, func):
        with pytest.raises(cf.ConfigError, match=WHERE_FRAMES_COME_FROM):
            func(pd.DataFrame({"x": [1]}))

    def test_signature_is_data_first_then_keywords(self, func):
        params = list(inspect.signature(func).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[1:])
        assert "ax" in inspect.signature(func).parameters
        assert "Examples" in func.__doc__ and "{ax}" not in func.__doc__


def test_quartile_boxes_equal_the_frames_statistics(sample_data):
    ax = plots.plot_assignment_quartiles(sample_data.assignments)
    rows = sample_data.assignments.dropna(subset=["median"]).sort_values(["due_at", "assignment_id"])
    horizontal = [line for line in ax.lines if len(set(line.get_ydata())) == 1 and len(line.get_xdata()) == 2]
    spans = [abs(line.get_xdata()[1] - line.get_xdata()[0]) for line in horizontal]
    medians = [line.get_ydata()[0] for line, span in zip(horizontal, spans, strict=True) if span == pytest.approx(0.6)]
    caps = sorted(line.get_ydata()[0] for line, span in zip(horizontal, spans, strict=True) if span < 0.5)
    assert medians == pytest.approx(rows["median"].tolist())
    assert caps == pytest.approx(sorted(rows["min_score"].tolist() + rows["max_score"].tolist()))
    assert [t.get_text() for t in ax.get_xticklabels()] == rows["title"].tolist()


def test_quartiles_normalised_and_the_students_dot(sample_data):
    student = sample_data.first_student
    ax = plots.plot_assignment_quartiles(sample_data.assignments, student=sample_data.student_assignments,
                                         student_id=student, normalize=True)  # fmt: skip
    rows = sample_data.assignments.dropna(subset=["median"]).sort_values(["due_at", "assignment_id"])
    mine = sample_data.student_assignments.query("student_id == @student").set_index("assignment_id")["score"]
    expected = mine.reindex(rows["assignment_id"]) / rows.set_index("assignment_id")["points_possible"] * 100
    dots = ax.collections[-1].get_offsets()[:, 1]
    np.testing.assert_allclose(np.ma.filled(dots, np.nan), expected.to_numpy())


def test_several_students_without_student_id_is_an_error(sample_data):
    with pytest.raises(cf.ConfigError, match="student_id"):
        plots.plot_assignment_quartiles(sample_data.assignments, student=sample_data.student_assignments)


def test_tardiness_bar_heights_equal_the_fractions(sample_data):
    ax = plots.plot_tardiness(sample_data.assignments)
    rows = sample_data.assignments.sort_values(["due_at", "assignment_id"])
    containers = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    assert containers["on time"] == pytest.approx(rows["on_time"].fillna(0).tolist())
    assert containers["missing"] == pytest.approx(rows["missing"].fillna(0).tolist())
    # Canvas's shares need not add up to 1 (excused work is counted nowhere): the rest is drawn and named.
    shares = rows[["on_time", "late", "missing", "floating"]].fillna(0).sum(axis=1)
    rest = containers.get("not counted by Canvas (excused, dropped)")
    if (1 - shares > 0.005).any():
        assert rest == pytest.approx((1 - shares).clip(lower=0).tolist())
    else:
        assert rest is None


def test_tardiness_per_student_sorted_by_missing(sample_data):
    ax = plots.plot_tardiness(sample_data.summaries, sort="missing")
    missing = [p.get_height() for c in ax.containers if c.get_label() == "missing" for p in c.patches]
    assert missing == sorted(missing, reverse=True)
    assert sum(missing) == sample_data.summaries["missing"].sum()
    with pytest.raises(cf.ConfigError, match="sort must be"):
        plots.plot_tardiness(sample_data.summaries, sort="grade")


def test_heatmap_cells_sum_views_in_the_chosen_zone(sample_data):
    pv = sample_data.page_views
    ax = plots.plot_page_view_heatmap(pv, tz="Asia/Kolkata")
    grid = ax.images[0].get_array()
    assert grid.sum() == pv["views"].sum()
    local = pv["hour"].dt.tz_convert("Asia/Kolkata")
    monday_9 = pv.loc[(local.dt.day_of_week == 0) & (local.dt.hour == 9), "views"].sum()
    assert grid[0, 9] == monday_9


def test_engagement_colours_follow_the_palette(sample_data):
    ax = plots.plot_engagement(sample_data.summaries)
    colours = {c.get_label(): c.get_facecolor()[0][:3] for c in ax.collections}
    assert colours["mostly missing"] == pytest.approx(plt.matplotlib.colors.to_rgb(plots.PALETTE["missing"]))
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(sample_data.summaries)


def test_images_match_the_baselines(sample_data, tmp_path):
    paths = render(sample_data, tmp_path)
    assert set(paths) == set(FIGURES)
    for name, path in paths.items():
        result = compare_images(str(BASELINES / f"{name}.png"), str(path), tol=5)
        assert result is None, f"{name}: {result}"


def test_weekly_activity_lines_are_the_reports_columns(sample_data):
    weekly = sample_data.weekly
    ax = plots.plot_weekly_activity(weekly)
    drawn = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    np.testing.assert_allclose(drawn["page views, course mean"], weekly["page_views"])
    np.testing.assert_allclose(drawn["participations, student"], weekly["selected_participations"])
    assert len(drawn) == 4


def test_canvas_text_with_dollar_signs_is_drawn_as_typed(sample_data):
    """An assignment or topic titled "$\\R^n$ basics" is text, not mathtext that makes matplotlib raise."""
    odd = r"$\R^n$ basics"
    assignments = sample_data.assignments.assign(title=odd)
    topics = sample_data.topics.assign(title=odd)
    subaccounts = sample_data.subaccounts.assign(name=[f"{odd} {i}" for i in range(len(sample_data.subaccounts))])
    drawn = [
        plots.plot_assignment_quartiles(assignments),
        plots.plot_tardiness(assignments),
        plots.plot_discussion_timeline(sample_data.entries, topics=topics),
        plots.plot_subaccounts(subaccounts),
    ]
    for ax in drawn:
        ax.figure.canvas.draw()  # mathtext is parsed here: this raised before
        labels = [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
        legend = ax.get_legend()
        labels += [t.get_text() for t in legend.get_texts()] if legend else []
        assert any(label.startswith(r"\$\R^n\$ basics") for label in labels), labels
        plt.close(ax.figure)


def test_time_on_task_line_is_the_weekly_median_student(sample_data):
    weekly = sample_data.time_on_task
    ax = plots.plot_time_on_task(weekly, student_id=sample_data.first_student)
    drawn = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    hours = {}
    for (week, student), spent in weekly.set_index(["week", "student_id"])["time_on_task"].items():
        hours.setdefault(week, {})[student] = spent.total_seconds() / 3600
    students = sorted(weekly["student_id"].unique())
    medians = [np.median([hours[w].get(s, 0.0) for s in students]) for w in sorted(hours)]
    np.testing.assert_allclose(drawn["course median"], medians)
    mine = [hours[w].get(sample_data.first_student, 0.0) for w in sorted(hours)]
    np.testing.assert_allclose(drawn[f"student {sample_data.first_student}"], mine)


def test_resource_bars_are_the_visits_summed_over_students(sample_data):
    use = sample_data.resource_use
    ax = plots.plot_resource_use(use, top=3)
    widths = sorted((bar.get_width() for bar in ax.patches), reverse=True)
    by_asset = use.groupby([use["asset_type"].fillna("page"), use["asset_id"].fillna(-1), use["url"]])["visits"].sum()
    assert widths == sorted(by_asset.nlargest(3).tolist(), reverse=True)


def test_session_boxes_one_per_week_over_every_session(sample_data):
    sessions = sample_data.sessions
    ax = plots.plot_sessions(sessions, tz="America/Chicago")
    local = sessions["start"].dt.tz_convert("America/Chicago").dt.tz_localize(None)
    weeks = (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.normalize().nunique()
    assert len(ax.get_xticklabels()) == weeks


def test_channel_mix_bars_are_each_students_acts_per_channel(sample_data):
    ties = sample_data.channels
    roster = sample_data.summaries["student_id"].tolist()
    ax = plots.plot_channel_mix(ties, students=roster)
    expected: dict[str, list[float]] = {}
    for channel in cf.network.CHANNELS:
        on = ties[ties["channel"] == channel]
        expected[channel] = [
            float(on.loc[(on["from_user"] == s) | (on["to_user"] == s), "count"].sum()) for s in roster
        ]
    # one BarContainer per channel, in the order of CHANNELS
    drawn = {c.get_label(): [bar.get_height() for bar in c] for c in ax.containers}
    labels = plots.communication.CHANNEL_LABELS
    assert drawn == {labels[c]: v for c, v in expected.items()}


def test_feedback_latency_bars_are_the_median_days(sample_data):
    summary = sample_data.feedback
    ax = plots.plot_feedback_latency(summary)
    feedback, grading = ax.containers
    days = summary["median_feedback_time"] / pd.Timedelta(days=1)
    assert [b.get_width() for b in feedback] == pytest.approx(days.fillna(0).tolist())
    grade_days = summary["median_grading_time"] / pd.Timedelta(days=1)
    assert [b.get_width() for b in grading] == pytest.approx(grade_days.fillna(0).tolist())


def test_channel_network_colours_people_by_role_and_ties_by_channel(sample_data):
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyArrowPatch

    ties = sample_data.channels
    ax = plots.plot_channel_network(ties)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    by_colour = pd.Series([to_hex(a.get_edgecolor()) for a in arrows]).value_counts().to_dict()
    expected = ties.groupby("channel").size().rename(index=lambda c: plots.PALETTE[c].lower()).to_dict()
    assert by_colour == expected
    (nodes,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    colours = {to_hex(c) for c in nodes.get_facecolors()}
    roles = set(ties["from_role"].dropna()) | set(ties["to_role"].dropna())
    assert colours == {plots.PALETTE[r].lower() for r in roles} | {plots.PALETTE["role_unknown"].lower()}


def test_axis_words_and_readable_reply_matrix_labels(sample_data):
    ax = plots.plot_discussion_timeline(sample_data.entries, freq="W")
    assert ax.get_ylabel() == "posts per week"
    assert plots.plot_communication(sample_data.communication, freq="MS").get_ylabel().endswith("per month")
    matrix = plots.plot_reply_matrix(sample_data.edges)
    sizes = {label.get_fontsize() for label in matrix.get_xticklabels() + matrix.get_yticklabels()}
    assert (
        sizes
        and min(sizes) >= 6
        and len(matrix.get_xticklabels())
        == len(set(sample_data.edges["from_user"]) | set(sample_data.edges["to_user"]))
    )


# Every plot that labels people takes names=; each labels them as the sample's own roster names them.
NAMED = {
    plots.plot_tardiness: ("summaries", lambda ax: ax.get_xticklabels()),
    plots.plot_participation_timeline: ("participations", lambda ax: ax.get_yticklabels()),
    plots.plot_reply_matrix: ("edges", lambda ax: ax.get_yticklabels()),
}


@pytest.mark.parametrize("plot", NAMED, ids=lambda f: f.__name__)
def test_people_are_labelled_by_name_when_names_are_given(sample_data, plot):
    from canvasframe._sample import sample_config
    from canvasframe.sandbox.institution import Institution

    from . import truth

    inst = Institution(sample_config())
    roster = truth.enrollments(inst, inst.courses[cf.sample(quiet=True).sample_course_id])
    by_id = dict(zip(roster["student_id"], roster["name"], strict=True))
    attribute, ticks = NAMED[plot]
    plain = [t.get_text() for t in ticks(plot(getattr(sample_data, attribute), ax=plt.figure().gca()))]
    named = [t.get_text() for t in ticks(plot(getattr(sample_data, attribute), names=sample_data.enrollments,
                                              ax=plt.figure().gca()))]  # fmt: skip
    plt.close("all")
    assert named == [by_id.get(int(label), label) for label in plain]
    assert any(label in by_id.values() for label in named)


def test_a_session_without_names_keeps_plots_to_ids(sample_data):
    cf.sample(quiet=True, names=False)
    try:
        ax = plots.plot_tardiness(sample_data.summaries, names=sample_data.enrollments)
        assert [t.get_text() for t in ax.get_xticklabels()] == sample_data.summaries["student_id"].astype(str).tolist()
    finally:
        cf.sample(quiet=True)
        plt.close("all")
