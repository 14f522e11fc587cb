"""Property tests: every transform in ``canvasframe.transforms.TRANSFORMS``, fed random and malformed
JSON, returns a frame of its schema or raises ResponseFormatError; never an uncaught KeyError,
TypeError or ValueError. The vectorised page-view transform also equals a plain pandas reading of
any valid payload."""

from __future__ import annotations

import copy
import json
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import canvasframe as cf
from canvasframe import transforms
from canvasframe.sandbox import (
    Config,
    Institution,
    discussion_views,
    feedback_views,
    quiz_views,
    roster_views,
    routes,
    views,
)
from canvasframe.sandbox.clickstream import user_log
from canvasframe.sandbox.lti import LtiService
from canvasframe.sandbox.page_view_views import page_view_json
from canvasframe.schemas import SCHEMAS, empty_frame
from canvasframe.transforms import TRANSFORMS

from . import truth

SMALL = Institution(Config(seed=5, subaccounts=1, courses_per_subaccount=1, students_per_course=4, weeks=3))
COURSE = next(c for c in SMALL.courses.values() if c.enrollments)
ENROLLMENT = next(iter(COURSE.enrollments.values()))
ROOT = SMALL.root_account.id
LTI = LtiService(SMALL, threading.Lock())
STATEMENTS = json.loads((Path(__file__).resolve().parent.parent / "data" / "xapi" / "statements.json").read_text())[
    "statements"
]

# A valid payload for every frame's transform, as the sandbox serves it, to mutate. A per-endpoint
# payload feeds each frame the endpoint makes.
_ACTIVITY = views.student_activity(ENROLLMENT)
_FORUM = SMALL.forums[COURSE.id]
_THREAD = next(t for t in _FORUM.topics if t.kind == "threaded")
_DEPARTMENT_ACTIVITY = views.department_activity([COURSE])
_ROSTER = SMALL.roster(COURSE)
_FEEDBACK = SMALL.feedback(COURSE)
_SUBMISSIONS = feedback_views.with_comments(
    [roster_views.submission_json(r, "https://x.test", COURSE.id) for r in _ROSTER.submissions],
    COURSE,
    _FEEDBACK,
    COURSE.teacher_id,
    "https://x.test",
)
_COMMENTED = [row for row in _SUBMISSIONS if row["submission_comments"]][:12]
# Peer reviews from a course where some were assigned (a four-student course may have none).
_REVIEWS = next(
    feedback_views.reviews_json(a, SMALL.feedback(c), c.teacher_id, "https://x.test", comments=True)
    for c in SMALL.courses.values()
    for a in c.assignments
    if c.enrollments and any(r.assignment_id == a.id for r in SMALL.feedback(c).reviews)
)
_QUIZ = SMALL.quizzes(COURSE)[0]
_QUIZ_STATISTICS = quiz_views.statistics_json(_QUIZ, COURSE, {}, "https://x.test")
VALID = {
    "account": LTI.view(ROOT, ""),
    "external_tools": LTI.view(ROOT, "external_tools"),
    "data_services": LTI.view(ROOT, "data_services"),
    "courses": [routes.course_object(SimpleNamespace(institution=SMALL), {}, COURSE.id)],  # type: ignore[arg-type]
    "department_activity": _DEPARTMENT_ACTIVITY,
    "department_categories": _DEPARTMENT_ACTIVITY,
    "department_grades": views.department_grades([COURSE]),
    "department_statistics": views.statistics(SMALL, ROOT, [COURSE]),
    "subaccount_statistics": views.statistics_by_subaccount(SMALL, ROOT, "current"),
    "course_activity": views.course_activity(COURSE, np.random.default_rng(0)),
    "course_assignments": views.course_assignments(COURSE),
    "student_summaries": views.student_summaries(COURSE, "documented"),
    "page_views": _ACTIVITY,
    "participations": _ACTIVITY,
    "student_assignments": views.student_assignments(COURSE, ENROLLMENT),
    "communication": views.student_communication(ENROLLMENT),
    "discussion_topics": [discussion_views.topic_json(t, "https://x.test") for t in _FORUM.topics],
    "discussion_entries": discussion_views.full_view(_THREAD, _THREAD.id, SMALL.as_of, include_new=True),
    "conversations": discussion_views.conversation(SMALL.conversations[0]),
    "sections": [roster_views.section_json(x, COURSE, True) for x in _ROSTER.sections],
    "enrollments": [roster_views.enrollment_json(r, COURSE, "https://x.test") for r in _ROSTER.records],
    "submissions": _COMMENTED,
    "submission_comments": _COMMENTED,
    "staff": [feedback_views.staff_json(m, COURSE, "https://x.test") for m in _FEEDBACK.staff],
    "peer_reviews": _REVIEWS[:6],
    "quizzes": [quiz_views.quiz_json(z, COURSE, "https://x.test") for z in SMALL.quizzes(COURSE)],
    "quiz_options": [quiz_views.question_json(q, _QUIZ) for q in _QUIZ.questions],
    "quiz_items": _QUIZ_STATISTICS,
    "quiz_responses": _QUIZ_STATISTICS,
    "page_view_log": [page_view_json(r) for r in user_log(SMALL, ENROLLMENT.student.id, "https://x.test")[:25]],
    "xapi_statements": STATEMENTS,
}
CONTEXT = {"account_id": 1, "term": "current", "course_id": 1, "student_id": 1}
# The key each fanned-out body comes with: a student id, a topic (with its due date), a conversation id.
FAN_OUT_KEYS = {
    "students": lambda i: i,
    "topics": lambda i: {"topic_id": i, "group_id": None, "due_at": pd.Timestamp("2026-09-20", tz="UTC")},
    "conversations": lambda i: i,
    "assignments": lambda i: i,
    "quizzes": lambda i: i,
}


def test_every_transform_has_a_valid_payload_to_fuzz():
    assert set(VALID) == set(TRANSFORMS) == set(SCHEMAS)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "2026-09-01",
            "2026-09-01T10:00:00Z",
            "2026-09-01T10:00:00+05:30",
            "12",
            "-1",
            "",
            "NaN",
            "9999-99-99",
            "1e400",
            "Zoë ✓",
            "²",
            "١٢",
            # hostile values: words and impossible offsets where a timestamp goes, an integer too long
            # for Python to convert, a page-view key one character short
            "now",
            "today",
            "1/2/2024",
            "Jan 5",
            "2026-09-01T10:00:00+25:00",
            "9" * 5000,
            "2026-09-01T13:00:00-05:0",
        ]
    ),
)


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every (path) inside a JSON value, so a mutation can target any spot."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated(draw, name):
    """A valid payload with one to three spots replaced, deleted or duplicated."""
    payload = copy.deepcopy(VALID[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(payload))
        path = draw(st.sampled_from(paths))
        if not path:
            payload = draw(json_values)
            continue
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(json_values)
    return payload


def _apply(name, payload, keys=(7, 8)):
    transform = TRANSFORMS[name]
    if transform.fan_out is None:
        return transform(payload, CONTEXT)
    return transform([(FAN_OUT_KEYS[transform.fan_out](k), payload) for k in keys], CONTEXT)


def _check(name, payload):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)  # xAPI: an invalid value becomes NaT with a warning
        try:
            frame = _apply(name, payload)
        except cf.ResponseFormatError:
            return
    expected = empty_frame(name)
    assert list(frame.columns) == list(expected.columns)
    pdt.assert_series_equal(frame.dtypes, expected.dtypes)


def _property_test(name):
    @given(payload=st.one_of(mutated(name), json_values))
    def test(payload):
        _check(name, payload)

    test.__name__ = f"test_{name}_never_crashes"
    return test


for _name in TRANSFORMS:
    globals()[f"test_{_name}_never_crashes"] = _property_test(_name)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_deeply_nested_payloads_are_format_errors(name):
    """JSON nested thousands deep (a hostile server's body) is refused like any wrong shape."""
    for payload in (_nested(5000), {"page_views": _nested(5000), "participations": _nested(5000)}):
        _check(name, payload)


def test_valid_payloads_give_frames():
    import warnings

    for name, payload in VALID.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cf.CanvasframeWarning)  # the statements file has invalid ones on purpose
            assert len(_apply(name, payload, keys=(7,))) > 0, name


statement_values = st.fixed_dictionaries(
    {
        "id": scalars,
        "actor": json_values,
        "verb": json_values,
        "object": json_values,
        "result": json_values,
        "timestamp": scalars,
        "stored": scalars,
    },
    optional={"context": json_values},
)


@given(statements=st.lists(st.one_of(statement_values, json_values), max_size=5))
def test_xapi_statements_never_crash(statements):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        try:
            frame = transforms.statements_to_frame(statements)
        except cf.ResponseFormatError:
            return
    pdt.assert_series_equal(frame.dtypes, empty_frame("xapi_statements").dtypes)
    assert (frame["canvas_duration"].dropna() <= timedelta(minutes=5)).all()


hour_keys = st.builds(
    lambda when, offset: (
        (when + offset).strftime("%Y-%m-%dT%H:00:00")
        + ("+" if offset >= timedelta(0) else "-")
        + f"{abs(offset) // timedelta(hours=1):02d}:{abs(offset) % timedelta(hours=1) // timedelta(minutes=1):02d}"
    ),
    st.datetimes(
        min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2090-01-01").to_pydatetime()
    ),
    st.sampled_from([timedelta(hours=h, minutes=m) for h in range(-12, 15) for m in (0, 30, 45)]),
)
page_view_payloads = st.lists(
    st.tuples(
        st.integers(1, 6),
        st.dictionaries(
            hour_keys | st.sampled_from(["2026-09-01T10:00:00Z", "2026-09-01"]), st.integers(0, 50), max_size=6
        ),
    ),
    max_size=6,
)


@given(payloads=page_view_payloads)
def test_page_views_equal_a_plain_pandas_reading(payloads):
    """Whatever the order, layout or repetition of students and keys, the vectorised transform
    gives what a plain per-key pandas reading gives."""
    wrapped = [(sid, {"page_views": section}) for sid, section in payloads]
    pdt.assert_frame_equal(transforms.page_views(wrapped, course_id=3), truth.page_views_read_plainly(wrapped, 3))


# -- the file readers, fed every shape the files come in ---------------------------------------------

statements_in_memory = st.lists(
    st.builds(
        lambda actor, verb, minute, seconds: cf.xapi.statement(
            f"student{actor}@example.edu",
            verb,
            f"https://x.test/courses/7/pages/{actor}",
            timestamp=f"2026-10-01T09:{minute:02d}:00Z",
            duration=f"PT{seconds}S",
        ),
        st.integers(1, 5),
        st.sampled_from(["experienced", "completed", "answered"]),
        st.integers(0, 59),
        st.integers(0, 900),
    ),
    min_size=1,
    max_size=4,
)


@given(statements=statements_in_memory, shape=st.sampled_from(["array", "page", "jsonl", "single"]))
def test_statement_files_of_every_shape_read_like_the_statements_themselves(statements, shape):
    import tempfile

    if shape == "single":
        statements = statements[:1]
    text = {
        "array": lambda: json.dumps(statements),
        "page": lambda: json.dumps({"statements": statements, "more": "/xapi/statements?more=x"}),
        "jsonl": lambda: "\n".join(json.dumps(s) for s in statements) + "\n",
        "single": lambda: json.dumps(statements[0]),
    }[shape]()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("statements.jsonl" if shape == "jsonl" else "statements.json")
        path.write_text(text)
        pdt.assert_frame_equal(cf.xapi.read_statements(path), cf.xapi.read_statements(statements))


_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ./:-", min_size=1, max_size=12).map(str.strip).filter(bool)
_settings = st.dictionaries(st.sampled_from(["text", "icon_url", "url", "visibility"]), _values, max_size=4)
_sizes = st.dictionaries(st.sampled_from(["selection_width", "selection_height"]), st.integers(1, 2000), max_size=2)


@given(
    version=st.integers(0, 3),
    secure=st.booleans(),
    tool_level=st.tuples(_settings, _sizes),
    placements=st.dictionaries(
        st.sampled_from(["course_navigation", "editor_button", "post_grades", "some_future_placement"]),
        st.tuples(_settings, _sizes),
        max_size=4,
    ),
)
def test_tool_configs_follow_canvas_inheritance(version, secure, tool_level, placements):
    """Whatever a placement leaves out it takes from the extension level, then the launch URL (for url)."""
    from xml.sax.saxutils import escape

    def properties(settings):
        return "".join(f'<lticm:property name="{k}">{escape(str(v))}</lticm:property>' for k, v in settings.items())

    tool = tool_level[0] | tool_level[1]
    launch = "https://tool.test/launch"
    xml = (
        f'<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p{version}" '
        'xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" '
        'xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"><blti:title>T</blti:title>'
        "<blti:launch_url>http://tool.test/plain</blti:launch_url>"
        + (f"<blti:secure_launch_url>{launch}</blti:secure_launch_url>" if secure else "")
        + '<blti:extensions platform="canvas.instructure.com">'
        + properties(tool)
        + "".join(f'<lticm:options name="{n}">{properties(a | b)}</lticm:options>' for n, (a, b) in placements.items())
        + "</blti:extensions></cartridge_basiclti_link>"
    )
    frame = cf.lti.read_tool_config(xml)
    assert frame["launch_url"].tolist() == [launch if secure else "http://tool.test/plain"] * len(frame)
    if not placements:
        assert len(frame) == 1 and pd.isna(frame.loc[0, "placement"])
        return
    rows = frame.set_index("placement")
    for name, (settings, sizes) in placements.items():
        own = settings | sizes
        row = rows.loc[name]
        for key in cf.lti.INHERITABLE:
            expected = own.get(key, tool.get(key, frame.loc[0, "launch_url"] if key == "url" else None))
            value = row[key]
            assert (pd.isna(value) and expected is None) or str(value) == str(expected), (name, key)
        taken = {k for k in cf.lti.INHERITABLE if k not in own and (k in tool or k == "url")}
        assert set(row["inherited"]) == taken, name
