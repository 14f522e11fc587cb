"""cf.network: each channel's edge rule on hand-built frames and on the sandbox's own events, the reply
channel against reply_edges, and the measures against networkx on independently built graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe import network

from . import truth

T = pd.Timestamp("2026-09-01T12:00:00Z")


def _at(hours: float) -> pd.Timestamp:
    return T + pd.Timedelta(hours=hours)


def _comments(rows: list[tuple]) -> pd.DataFrame:
    """(comment_id, owner, author, role, hours) on assignment 3 of course 1."""
    frame = pd.DataFrame(rows, columns=["comment_id", "student_id", "author_id", "author_role", "hours"])
    return frame.assign(
        course_id=1,
        assignment_id=3,
        author_id=frame["author_id"].astype("Int64"),
        created_at=[_at(h) for h in frame["hours"]],
    ).drop(columns="hours")


def _pairs(ties: pd.DataFrame) -> list[tuple]:
    return list(zip(ties["from_user"], ties["to_user"], ties["channel"], ties["count"], strict=True))


def test_feedback_goes_to_the_owner_and_an_owners_comment_answers_those_before_it():
    comments = _comments(
        [
            (1, 50, 50, "student", 0),  # a note on handing in: nobody had written yet
            (2, 50, 9, "ta", 1),  # the grader -> the owner
            (3, 50, 8, "teacher", 2),  # the teacher -> the owner
            (4, 50, 50, "student", 3),  # the owner answers both of them
            (5, 50, 7, "peer", 4),  # a reviewer's comment: the peer_review channel's
            (6, 50, None, None, 5),  # a hidden author
            (7, 51, 9, "ta", 6),  # the grader -> another student
        ]
    )
    ties = network.edges(comments=comments)
    assert sorted(_pairs(ties)) == [(8, 50, "feedback", 1), (9, 50, "feedback", 1), (9, 51, "feedback", 1),
                                    (50, 8, "feedback", 1), (50, 9, "feedback", 1)]  # fmt: skip
    answer = ties[(ties["from_user"] == 50) & (ties["to_user"] == 9)].iloc[0]
    assert answer["first_at"] == answer["last_at"] == _at(3)
    assert ties.attrs["excluded"] == {"feedback": {"anonymous": 1, "unaddressed": 1, "peer": 1}}


def test_a_message_goes_to_every_other_participant_and_generated_ones_to_nobody():
    messages = pd.DataFrame(
        {
            "course_id": pd.array([1, 1, None], dtype="Int64"),
            "author_id": [8, 50, 8],
            "participant_ids": [[8, 50, 51], [8, 50, 51], [8, 52]],
            "created_at": [_at(0), _at(1), _at(2)],
            "generated": pd.array([False, False, True], dtype="boolean"),
        }
    )
    ties = network.edges(messages=messages)
    assert sorted(_pairs(ties)) == [(8, 50, "message", 1), (8, 51, "message", 1), (50, 8, "message", 1),
                                    (50, 51, "message", 1)]  # fmt: skip
    assert ties.attrs["excluded"] == {"message": {"generated": 1}}


def test_a_completed_review_goes_from_assessor_to_reviewee_without_a_time():
    reviews = pd.DataFrame(
        {
            "course_id": [1, 1, 1, 1],
            "assessor_id": pd.array([7, 7, 8, None], dtype="Int64"),
            "reviewee_id": [50, 51, 50, 52],
            "workflow_state": ["completed", "assigned", "completed", "completed"],
        }
    )
    ties = network.edges(reviews=reviews)
    assert sorted(_pairs(ties)) == [(7, 50, "peer_review", 1), (8, 50, "peer_review", 1)]
    assert ties["first_at"].isna().all() and ties["last_at"].isna().all()
    assert ties.attrs["excluded"] == {"peer_review": {"anonymous": 1, "not_completed": 1}}


def test_the_reply_channel_is_reply_edges_summed_over_topics(canvas, institution):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    old = cf.discussions.reply_edges(entries, topics)
    old = old[~old["self_reply"]].groupby(["course_id", "from_user", "to_user"])["replies"].sum()
    ties = network.edges(replies=entries, topics=topics).set_index(["course_id", "from_user", "to_user"])["count"]
    assert ties.to_dict() == old.to_dict()
    # and reply_edges itself is as the sandbox's events say
    expected = truth.reply_graph(institution, course)
    assert {(a, b): w for a, b, w in expected.edges(data="replies")} == {(a, b): n for (_, a, b), n in ties.items()}


def test_messages_on_the_sandboxs_inbox(canvas, institution):
    course = next(c for c in institution.courses.values() if c.id == institution.conversations[0].course_id)
    ties = network.edges(messages=cf.load_conversations(course.id, canvas=canvas))
    expected: dict[tuple[int, int], int] = {}
    for conversation in institution.conversations:
        if conversation.course_id != course.id:
            continue
        for message in conversation.messages:
            for person in conversation.participant_ids:
                if person != message.author_id:
                    pair = (message.author_id, person)
                    expected[pair] = expected.get(pair, 0) + 1
    assert ties.set_index(["from_user", "to_user"])["count"].to_dict() == expected
    assert set(ties["course_id"]) == {course.id}


def test_feedback_and_reviews_on_the_sandboxs_events(canvas, institution):
    course = truth.first_course(institution)
    comments = cf.load_submission_comments(course.id, canvas=canvas)
    reviews = cf.load_peer_reviews(course.id, canvas=canvas)
    ties = network.edges(comments=comments, reviews=reviews)
    # Independently: every listed comment from the events, by the rule written out plainly.
    feedback = institution.feedback(course)
    shown = truth.submission_comments(institution, course)
    expected: dict[tuple[int, int], int] = {}
    for row in shown.itertuples():
        if pd.isna(row.author_id) or row.author_role == "peer":
            continue
        if row.author_id != row.student_id:
            targets = {int(row.author_id)}
        else:
            before = shown[(shown.assignment_id == row.assignment_id) & (shown.student_id == row.student_id)
                           & (shown.created_at < row.created_at) & (shown.author_id != row.student_id)
                           & (shown.author_role != "peer")]  # fmt: skip
            targets = set(before["author_id"].dropna().astype(int))
        for target in targets:
            pair = (int(row.author_id), row.student_id) if row.author_id != row.student_id else (row.student_id, target)
            expected[pair] = expected.get(pair, 0) + 1
    got = ties[ties["channel"] == "feedback"].set_index(["from_user", "to_user"])["count"].to_dict()
    assert got == expected
    done = {(r.assessor_id, r.reviewee_id) for r in feedback.reviews if r.workflow_state == "completed"}
    got_reviews = ties[ties["channel"] == "peer_review"]
    assert set(zip(got_reviews["from_user"], got_reviews["to_user"], strict=True)) == done


def test_roles_come_from_enrollment_types(canvas, institution):
    course = truth.first_course(institution)
    comments = cf.load_submission_comments(course.id, canvas=canvas)
    enrollments = [cf.load_enrollments(course.id, canvas=canvas), cf.load_staff(course.id, canvas=canvas)]
    ties = network.edges(comments=comments, enrollments=enrollments)
    ta = next(m.user_id for m in institution.feedback(course).staff if m.type == "TaEnrollment")
    assert set(ties.loc[ties["from_user"] == ta, "from_role"]) == {"ta"}  # a "Grader" by name, a TA by type
    assert set(ties.loc[ties["to_user"].isin(course.enrollments), "to_role"]) == {"student"}
    admin = institution.feedback(course).admin_id
    assert ties.loc[ties["from_user"] == admin, "from_role"].isna().all()  # no enrollment, no role


def _independent(graph: nx.DiGraph) -> dict[int, float]:
    """Eigenvector centrality of the graph whose ties weigh both directions summed, built by hand."""
    undirected = nx.Graph()
    undirected.add_nodes_from(graph)
    for a, b, w in graph.edges(data="count"):
        undirected.add_edge(a, b, count=w + (graph[b][a]["count"] if graph.has_edge(b, a) else 0))
    return nx.eigenvector_centrality(undirected, max_iter=2000, weight="count")


def test_metrics_per_channel_and_combined_against_networkx():
    ties = pd.DataFrame(
        {
            "course_id": [1] * 6,
            "from_user": [1, 2, 1, 3, 2, 4],
            "to_user": [2, 1, 3, 1, 3, 1],
            "channel": ["reply", "reply", "feedback", "feedback", "message", "peer_review"],
            "count": [5, 3, 2, 1, 4, 1],
        }
    )
    got = network.metrics(ties, roster=pd.DataFrame({"student_id": [9]}))
    combined = nx.DiGraph()
    combined.add_nodes_from([1, 2, 3, 4, 9])
    for a, b, w in zip(ties["from_user"], ties["to_user"], ties["count"], strict=True):
        combined.add_edge(a, b, count=combined[a][b]["count"] + w if combined.has_edge(a, b) else w)
    rows = got[got["channel"] == "all"].set_index("user_id")
    eig = _independent(combined)
    for n in combined:
        assert rows.loc[n, "eigenvector"] == pytest.approx(eig[n] if combined.degree(n) else 0.0, abs=1e-6)
        assert rows.loc[n, "betweenness"] == pytest.approx(nx.betweenness_centrality(combined)[n])
        assert rows.loc[n, "sent"] == sum(w for _, _, w in combined.out_edges(n, data="count"))
    assert bool(rows.loc[9, "isolated"]) and not bool(rows.loc[4, "isolated"])
    reply = got[got["channel"] == "reply"].set_index("user_id")
    assert reply.loc[1, "reciprocity"] == 1.0 and np.isnan(reply.loc[3, "reciprocity"])
    assert list(pd.unique(got["channel"])) == ["reply", "message", "feedback", "peer_review", "all"]


def test_summary_counts_instructor_ties_from_roles():
    ties = pd.DataFrame(
        {
            "course_id": [1, 1, 1],
            "from_user": [8, 50, 50],
            "to_user": [50, 8, 51],
            "channel": ["feedback", "feedback", "message"],
            "count": [2, 1, 1],
            "from_role": ["teacher", "student", "student"],
            "to_role": ["student", "teacher", "student"],
        }
    )
    got = network.summary(ties).set_index("channel")
    assert got.loc["feedback", "instructor_tie_share"] == 1.0
    assert got.loc["message", "instructor_tie_share"] == 0.0
    assert got.loc["all", "ties"] == 3 and got.loc["all", "acts"] == 4
    assert got.loc["feedback", "reciprocity"] == 1.0
    without_roles = network.summary(ties.drop(columns=["from_role", "to_role"]))
    assert without_roles["instructor_tie_share"].isna().all()


def test_graphml_is_one_multigraph_with_a_channel_on_every_edge(tmp_path, canvas, institution):
    course = truth.first_course(institution)
    ties = network.edges(
        comments=cf.load_submission_comments(course.id, canvas=canvas),
        reviews=cf.load_peer_reviews(course.id, canvas=canvas),
        enrollments=cf.load_staff(course.id, canvas=canvas),
    )
    written = network.to_graphml(ties, tmp_path / "all.graphml", nodes=[123])
    read = nx.read_graphml(written, node_type=int, force_multigraph=True)
    assert isinstance(read, nx.MultiDiGraph)
    got = sorted((a, b, d["channel"], d["count"]) for a, b, d in read.edges(data=True))
    assert got == sorted(_pairs(ties))
    assert 123 in read.nodes
    ta = next(m.user_id for m in institution.feedback(course).staff if m.type == "TaEnrollment")
    assert read.nodes[ta]["role"] == "ta"


def test_edges_need_a_channel_and_replies_need_topics():
    with pytest.raises(cf.ConfigError, match="at least one channel"):
        network.edges()
    with pytest.raises(cf.ConfigError, match="topics"):
        network.edges(replies=pd.DataFrame())
    with pytest.raises(cf.ConfigError, match="channels must be among"):
        network.metrics(pd.DataFrame({"from_user": [1], "to_user": [2], "channel": ["reply"], "count": [1]}),
                        channels=["smoke"])  # fmt: skip


def test_edges_keep_their_dtypes_when_a_channel_is_empty():
    ties = network.edges(reviews=pd.DataFrame({"course_id": [1], "assessor_id": pd.array([7], dtype="Int64"),
                                               "reviewee_id": [5], "workflow_state": ["assigned"]}))  # fmt: skip
    expected = pd.Series(
        ["Int64", "int64", "int64", "string", "int64", "datetime64[us, UTC]", "datetime64[us, UTC]"],
        index=["course_id", "from_user", "to_user", "channel", "count", "first_at", "last_at"],
    )
    pdt.assert_series_equal(ties.dtypes.astype(str), expected)
    assert ties.empty


def test_a_message_outside_a_course_takes_the_persons_staff_role_wherever_they_have_one():
    """A student in course 1 who teaches course 2 writes a message in no course: their role is teacher."""
    messages = pd.DataFrame(
        {
            "course_id": pd.array([None], dtype="Int64"),
            "author_id": [7],
            "participant_ids": [[7, 50]],
            "created_at": [_at(0)],
            "generated": pd.array([False], dtype="boolean"),
        }
    )
    enrollments = pd.DataFrame({"course_id": [1, 1], "student_id": [7, 50]})
    staff = pd.DataFrame({"course_id": [2], "user_id": [7], "type": ["teacher"]})
    ties = network.edges(messages=messages, enrollments=[enrollments, staff])
    assert ties[["from_role", "to_role"]].values.tolist() == [["teacher", "student"]]
