"""Message students who…: drafts send nothing, sending needs confirm=True, a failure part-way says who was
messaged and a re-send skips them. Over real HTTP against a sandbox of its own (sending changes its inbox)."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe.messages import draft, journal_path, send
from canvasframe.sandbox import FaultPlan, Institution

from .conftest import TEST_CONFIG, TOKEN

POST = "/api/v1/conversations"


@pytest.fixture
def inbox(make_server, connect):
    """A fresh institution (sending adds conversations), its server, a session, and its first course."""
    institution = Institution(TEST_CONFIG)
    faults = FaultPlan()
    server = make_server(inst=institution, faults=faults)
    course = next(c for c in institution.courses.values() if c.enrollments)
    return institution, server, connect(server), course, faults


def _posts(server) -> int:
    return sum(path == POST for path in server.request_log)


def test_a_draft_renders_each_students_row_and_sends_nothing(inbox):
    _, server, _, course, _ = inbox
    students = pd.DataFrame({"student_id": sorted(course.enrollments)[:3], "missing": [2, 3, 4]})
    text = "You have {missing} missing; reply if you need help."
    message = draft(students, "Missing work", text, course_id=course.id)
    expected = pd.DataFrame({
        "course_id": pd.Series([course.id] * 3, dtype="int64"),
        "student_id": pd.Series(sorted(course.enrollments)[:3], dtype="int64"),
        "subject": pd.Series(["Missing work"] * 3, dtype="str"),
        "body": pd.Series([f"You have {n} missing; reply if you need help." for n in (2, 3, 4)], dtype="str"),
    })  # fmt: skip
    pdt.assert_frame_equal(message, expected)
    assert _posts(server) == 0
    with pytest.raises(cf.ConfigError, match=r"\['grade'\]"):
        draft(students, "Hi", "Your grade is {grade}", course_id=course.id)
    with pytest.raises(cf.ConfigError, match="more than once"):
        draft([1, 1], "Hi", "Hello", course_id=course.id)
    with pytest.raises(cf.ConfigError, match="must not be empty"):
        draft([1], "Hi", "  ", course_id=course.id)


def test_nothing_is_sent_without_confirm(inbox):
    _, server, canvas, course, _ = inbox
    message = draft(sorted(course.enrollments)[:2], "Hi", "Hello", course_id=course.id)
    for confirm in (False, "yes", 1):
        with pytest.raises(cf.ConfirmationRequired, match="nothing was sent"):
            send(message, canvas=canvas, confirm=confirm)
    assert _posts(server) == 0 and not journal_path(canvas).exists()


def test_sending_opens_one_private_conversation_per_student(inbox):
    institution, server, canvas, course, _ = inbox
    students = sorted(course.enrollments)[:3]
    before = len(institution.conversations)
    results = send(draft(students, "Week 5", "Hello {student_id}", course_id=course.id), canvas=canvas, confirm=True)
    assert list(results["status"]) == ["sent"] * 3
    assert [form["recipients[]"] for form in server.posted] == [[str(s)] for s in students]
    context = [f"course_{course.id}"]
    assert all(form["force_new"] == ["true"] and form["context_code"] == context for form in server.posted)
    new = institution.conversations[before:]
    assert [c.id for c in new] == list(results["conversation_id"])
    inbox_frame = cf.load_conversations(course.id, canvas=canvas, refresh=True)
    mine = inbox_frame[inbox_frame["conversation_id"].isin(results["conversation_id"])]
    assert sorted(mine["body"]) == sorted(f"Hello {s}" for s in students)
    journal = journal_path(canvas).read_text()
    assert "Hello" not in journal and TOKEN not in journal  # ids and hashes only


def test_a_failure_part_way_says_who_was_messaged_and_a_resend_skips_them(inbox):
    institution, server, canvas, course, _ = inbox
    good = sorted(course.enrollments)[:4]
    stranger = max(institution.courses[c].teacher_id for c in institution.courses) + 999  # not in the course
    message = draft([*good[:2], stranger, *good[2:]], "Hi", "Hello", course_id=course.id)
    refused = f"messaging 2 of 5 student\\(s\\): student {stranger} was refused"
    with pytest.raises(cf.MessagesNotSent, match=refused) as caught:
        send(message, canvas=canvas, confirm=True)
    results = caught.value.results
    assert list(results["status"]) == ["sent", "sent", "failed", "not attempted", "not attempted"]
    assert "Invalid recipients" in results.loc[2, "error"]
    assert _posts(server) == 3
    fixed = message[message["student_id"] != stranger]
    again = send(fixed, canvas=canvas, confirm=True)
    assert list(again["status"]) == ["already sent", "already sent", "sent", "sent"]
    assert [form["recipients[]"][0] for form in server.posted if form["recipients[]"] != [str(stranger)]] == [
        str(s) for s in good
    ]  # every student messaged exactly once
    pdt.assert_series_equal(again["conversation_id"].iloc[:2], results["conversation_id"].iloc[:2])


def test_a_lost_answer_is_uncertain_and_not_sent_again_unless_asked(inbox):
    _, server, canvas, course, faults = inbox
    student = min(course.enrollments)
    message = draft([student], "Hi", "Hello", course_id=course.id)
    faults.script(POST, "reset")
    with pytest.raises(cf.MessagesNotSent, match="may have arrived") as caught:
        send(message, canvas=canvas, confirm=True)
    assert list(caught.value.results["status"]) == ["uncertain"]
    assert _posts(server) == 1  # never retried on its own
    with pytest.warns(cf.CanvasframeWarning, match=f"Not sent again to student\\(s\\) \\[{student}\\]"):
        skipped = send(message, canvas=canvas, confirm=True)
    assert list(skipped["status"]) == ["uncertain"] and _posts(server) == 1
    assert list(send(message, canvas=canvas, confirm=True, retry_uncertain=True)["status"]) == ["sent"]


def test_a_throttled_send_is_retried_and_delivered_once(inbox):
    institution, server, canvas, course, faults = inbox
    faults.script(POST, "429")
    before = len(institution.conversations)
    results = send(draft([min(course.enrollments)], "Hi", "Hello", course_id=course.id), canvas=canvas, confirm=True)
    assert list(results["status"]) == ["sent"] and len(institution.conversations) == before + 1
    assert _posts(server) == 2


def test_a_draft_wrong_in_any_way_sends_nothing(inbox, monkeypatch, tmp_path):
    """Duplicated rows, ids that are not ids and templates that are not templates stop before the first POST."""
    _, server, canvas, course, _ = inbox
    students = sorted(course.enrollments)[:2]
    message = draft(students, "Hi", "Hello", course_id=course.id)
    with pytest.raises(cf.ConfigError, match=r"more than once .* Nothing was sent"):
        send(pd.concat([message, message], ignore_index=True), canvas=canvas, confirm=True)
    no_id = message.astype({"student_id": "float64"})
    no_id.loc[1, "student_id"] = float("nan")
    with pytest.raises(cf.ConfigError, match="student_id must be an integer id"):
        send(no_id, canvas=canvas, confirm=True)
    for template in ("{}", "{", "}", "{x!z}", "{0}", "{missing.__class__}"):
        with pytest.raises(cf.ConfigError, match="draft"):
            draft(pd.DataFrame({"student_id": students, "missing": [1, 2]}), "Hi", template, course_id=course.id)
    with pytest.raises(cf.ConfigError, match="student_id is missing"):
        draft(pd.DataFrame({"student_id": [students[0], None]}), "Hi", "Hello", course_id=course.id)
    assert _posts(server) == 0


def test_an_unwritable_journal_stops_before_the_first_message(inbox, monkeypatch, tmp_path):
    _, server, canvas, course, _ = inbox
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CANVASFRAME_DATA_DIR", str(blocker))  # the journal's folder cannot be made
    message = draft(sorted(course.enrollments)[:2], "Hi", "Hello", course_id=course.id)
    with pytest.raises(cf.ConfigError, match=r"journal .* cannot be written .* nothing was sent"):
        send(message, canvas=canvas, confirm=True)
    assert _posts(server) == 0


def test_the_journal_is_readable_by_its_owner_only(inbox):
    _, _, canvas, course, _ = inbox
    send(draft(sorted(course.enrollments)[:1], "Hi", "Hello", course_id=course.id), canvas=canvas, confirm=True)
    assert journal_path(canvas).stat().st_mode & 0o777 == 0o600
    assert journal_path(canvas).parent.stat().st_mode & 0o077 == 0
