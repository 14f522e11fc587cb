"""pseudonymize over every frame the registry knows: no person's id survives in any column, and frames still join.

Which values are people's ids comes from the sandbox's own institution (every student, teacher,
enrollment and submission it generated), never from canvasframe's list of columns, so a frame
registered tomorrow with a new id column fails here until pseudonymize covers it.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import canvasframe as cf
from canvasframe.datasets import key_fingerprint, pseudonym
from canvasframe.lti import ClientCredentials
from canvasframe.sandbox import SAMPLE_COST_SCALE, Config, Institution, SandboxSettings

KEY = "a-pseudonymisation-key-of-32-chars!"


# Ids far above any count, so a number in a frame that equals a person's id is that id, not a coincidence.
PRIVATE = Institution(Config(seed=3, subaccounts=1, courses_per_subaccount=2, students_per_course=6, weeks=4,
                             id_base=10**12))  # fmt: skip


@pytest.fixture
def lti_server(make_server):
    return make_server(inst=PRIVATE, settings=SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE))


def _person_ids(institution: Institution) -> set[int]:
    """Everything that points at one person: users (staff and admins too), and the enrollments,
    submissions, comments and peer reviews that are theirs."""
    ids = set()
    for course in institution.courses.values():
        ids |= set(course.enrollments) | {course.teacher_id}
        roster = institution.roster(course)
        ids |= {r.id for r in roster.records} | {s.id for s in roster.submissions}
        feedback = institution.feedback(course)
        ids |= {m.user_id for m in feedback.staff} | {m.enrollment_id for m in feedback.staff} | {feedback.admin_id}
        ids |= {c.id for c in feedback.comments} | {r.id for r in feedback.reviews}
    return ids


def _every_registered_frame(lti_server, connect, institution) -> dict[str, pd.DataFrame]:
    course = next(c for c in institution.courses.values() if c.enrollments)
    account = institution.root_account.id
    canvas = connect(lti_server)
    lti = connect(lti_server, token=ClientCredentials(lti_server.lti.client_id, lti_server.lti.tool_private_key,
                                                      lti_server.url))  # fmt: skip
    frames = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        for name, spec in cf.LOADERS.items():
            session = lti if name in ("account", "external_tools", "data_services") else canvas
            unit = course.id if spec.ids == "course_id" else account
            frames[name] = spec.function(unit, canvas=session, progress=False)
        frames["xapi_statements"] = cf.xapi.read_statements(
            cf.xapi.LRS(f"{lti_server.url}/xapi", auth=lti_server.xapi.lrs_auth)
        )
    return frames


def _values(column: pd.Series) -> set:
    if column.dtype == object and column.map(lambda v: isinstance(v, (list, np.ndarray))).any():
        return {i for ids in column.dropna() for i in ids}
    return set(column.dropna().tolist())


def test_no_persons_id_survives_pseudonymize_in_any_registered_frame(lti_server, connect):
    people = _person_ids(PRIVATE)
    frames = _every_registered_frame(lti_server, connect, PRIVATE)
    assert set(frames) == set(cf.schemas.SCHEMAS)  # every frame canvasframe makes
    seen_people = False
    for name, frame in frames.items():
        shared = cf.pseudonymize(frame, KEY)
        for column in shared.columns:
            values = _values(shared[column])
            numbers = {
                int(v) for v in values if isinstance(v, (int, np.integer)) or (isinstance(v, str) and v.isdigit())
            }
            seen_people |= bool(_values(frame[column]) & people) if column in frame else False
            assert not numbers & people, f"{name}.{column} still holds a person's id"
            texts = [v for v in values if isinstance(v, str)]
            for text in texts:
                found = {int(n) for n in re.findall(r"(?<![0-9])([0-9]{13,18})(?![0-9])", text)}
                assert not found & people, f"{name}.{column} still names a person in {text!r}"
    assert seen_people  # the frames did carry people's ids before


def test_pseudonyms_join_across_frames_and_keep_nullable_ids_exact(canvas, institution):
    course = next(c for c in institution.courses.values() if c.enrollments)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    summaries = cf.load_student_summaries(course.id, canvas=canvas)
    shared_entries, shared_summaries = cf.pseudonymize(entries, KEY), cf.pseudonymize(summaries, KEY)
    expected = entries["user_id"].map(lambda v: pd.NA if pd.isna(v) else pseudonym(int(v), KEY)).astype("Int64")
    pd.testing.assert_series_equal(shared_entries["user_id"], expected)  # exact: not rounded through float64
    posters = set(entries["user_id"].dropna()) & set(summaries["student_id"])
    assert posters and {pseudonym(p, KEY) for p in posters} <= set(shared_summaries["student_id"]) & set(
        shared_entries["user_id"].dropna()
    )


@pytest.mark.parametrize("key", ["", b"", "   ", "short", None, 12345])
def test_a_missing_or_short_key_is_refused_before_any_request(key, make_server, connect, institution, tmp_path):
    server = make_server()
    course = next(c for c in institution.courses.values() if c.enrollments)
    if key is None:  # None means "no pseudonyms", and is allowed
        return
    with pytest.raises(cf.ConfigError, match="pseudonymisation key"):
        cf.export_dataset(cf.load_student_summaries, [course.id], tmp_path, canvas=connect(server), pseudonymize=key)
    assert server.request_log == [] and not (tmp_path / "student_summaries").exists()


def test_resuming_an_export_with_another_key_is_refused(canvas, institution, tmp_path):
    courses = [c.id for c in institution.courses.values() if c.enrollments][:2]
    cf.export_dataset(cf.load_student_summaries, courses[:1], tmp_path, canvas=canvas, pseudonymize=KEY, progress=False)
    with pytest.raises(cf.ConfigError, match="another key"):
        cf.export_dataset(cf.load_student_summaries, courses, tmp_path, canvas=canvas, pseudonymize=KEY + "x",
                          progress=False)  # fmt: skip
    assert KEY not in (tmp_path / "manifest.json").read_text()
    assert key_fingerprint(KEY) in (tmp_path / "manifest.json").read_text()


def test_urls_lose_every_persons_id():
    frame = pd.DataFrame(
        {
            "object_id": [
                "https://c.test/courses/1/gradebook/speed_grader?assignment_id=5&student_id=2001",
                "https://c.test/courses/1/assignments/5/submissions/2001",
                "https://c.test/users/2001/files?user_id=2001",
                "https://c.test/courses/1/assignments/2001",  # an assignment, not a person: kept
            ]
        }
    )
    out = cf.pseudonymize(frame, KEY)["object_id"].tolist()
    p = pseudonym(2001, KEY)
    assert out == [
        f"https://c.test/courses/1/gradebook/speed_grader?assignment_id=5&student_id={p}",
        f"https://c.test/courses/1/assignments/5/submissions/{p}",
        f"https://c.test/users/{p}/files?user_id={p}",
        "https://c.test/courses/1/assignments/2001",
    ]


def test_names_become_the_same_pseudonym_label_in_every_frame_and_no_real_name_survives(lti_server, connect):
    from canvasframe.datasets import pseudonym_label

    frames = _every_registered_frame(lti_server, connect, PRIVATE)
    names = {e.student.name for c in PRIVATE.courses.values() for e in c.enrollments.values()}
    names |= {e.student.sortable_name for c in PRIVATE.courses.values() for e in c.enrollments.values()}
    enrollments = frames["enrollments"]
    assert set(enrollments["name"]) <= names  # the frame did carry real names
    shared = cf.pseudonymize(enrollments, KEY)
    expected = [pseudonym_label(int(s), KEY) for s in enrollments["student_id"]]
    assert shared["name"].tolist() == expected and shared["sortable_name"].tolist() == expected
    for name, frame in frames.items():
        out = cf.pseudonymize(frame, KEY)
        for column in out.columns:
            texts = {v for v in out[column].dropna() if isinstance(v, str)}
            assert not texts & names, f"{name}.{column} still holds a real name"


def _hmac(value: object, label: bytes | None = None) -> bytes:
    """HMAC-SHA256 under KEY, as the pseudonyms are documented to be made (computed here, not by canvasframe)."""
    import hashlib
    import hmac

    return hmac.new(KEY.encode(), label if label is not None else str(value).encode(), hashlib.sha256).digest()


def test_a_pseudonym_is_the_first_63_bits_of_the_ids_keyed_hash_and_its_label_the_first_32():
    for value in (1, 2001, 10**12 + 7, "abc"):
        digest = _hmac(value)
        assert pseudonym(value, KEY) == int.from_bytes(digest[:8], "big") >> 1
        assert cf.datasets.pseudonym_label(value, KEY) == f"Student {digest[:4].hex()}"
    assert key_fingerprint(KEY) == _hmac(None, b"canvasframe key fingerprint").hex()[:16]


def test_each_kind_of_id_column_is_replaced_in_place_keeping_its_type_and_its_rows():
    """A frame filtered first (its index no longer 0..n-1), typed ids of people and of other things, a list
    with no ids at all, nullable ids, and the text of a device."""
    frame = pd.DataFrame(
        {
            "user_id": pd.array([5, None, 7], dtype="Int64"),
            "author_id": [5, 6, 7],
            "context_id": pd.array([5, 9, None], dtype="Int64"),
            "context_type": ["User", "Course", "Submission"],
            "asset_id": [8, 5, 9],  # no asset_type: not known to be a person, kept
            "participant_ids": [[5, 6], None, []],
            "user_agent": ["Firefox", None, "Firefox"],
        },
        index=[10, 4, 7],
    )
    out = cf.pseudonymize(frame, KEY)
    p = {v: pseudonym(v, KEY) for v in (5, 6, 7)}
    expected = pd.DataFrame(
        {
            "user_id": pd.array([p[5], None, p[7]], dtype="Int64"),
            "author_id": [p[5], p[6], p[7]],
            "context_id": pd.array([p[5], 9, None], dtype="Int64"),
            "context_type": ["User", "Course", "Submission"],
            "asset_id": [8, 5, 9],
            "participant_ids": [[p[5], p[6]], None, []],
            "user_agent": pd.array([str(pseudonym("Firefox", KEY)), None, str(pseudonym("Firefox", KEY))], dtype="str"),
        },
        index=[10, 4, 7],
    )
    pd.testing.assert_frame_equal(out, expected)
    assert out.attrs == {**frame.attrs, "pseudonymized": True}


def test_a_quiz_answer_is_kept_only_where_it_is_an_options_own_text():
    frame = pd.DataFrame({
        "question_type": ["multiple_choice_question", "essay_question", "matching_question", None],
        "answer_text": ["Paris", "I think that ...", "Lyon", "typed"],
    })  # fmt: skip
    frame.attrs = {"canvasframe": {"frame": "quiz_responses"}}
    out = cf.pseudonymize(frame, KEY)
    expected = frame.assign(answer_text=pd.array(["Paris", np.nan, "Lyon", np.nan], dtype="str"))
    pd.testing.assert_frame_equal(out, expected)
    assert out.attrs == {"canvasframe": {"frame": "quiz_responses"}, "pseudonymized": True}
