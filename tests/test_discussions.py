"""Discussions and the inbox over real HTTP: loaders against the sandbox's own events, every pitfall of
canvas-api.md §"Discussions and conversations", and the network metrics recomputed here with networkx."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pandas as pd
import pytest

import canvasframe as cf
from canvasframe.discussions import discussion_metrics, network_summary, reply_edges, to_graphml
from canvasframe.sandbox import Institution, SandboxServer, SandboxSettings
from canvasframe.sandbox.discussions import NEW_ENTRY_WINDOW, Topic
from canvasframe.sandbox.model import Course

from . import truth
from .conftest import TOKEN

STUDENT = "student-token-0123456789abcdef"


def _topics(institution: Institution, course: Course, announcements: bool = False) -> list[Topic]:
    return [t for t in institution.forums[course.id].topics if t.is_announcement == announcements]


def _kind(institution: Institution, course: Course, kind: str) -> Topic:
    return next(t for t in institution.forums[course.id].topics if t.kind == kind)


# -- loaders against the sandbox's events ----------------------------------------------------------


def test_topics_and_announcements_are_listed_apart(canvas, institution):
    course = truth.first_course(institution)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    announcements = cf.load_discussion_topics(course.id, announcements=True, canvas=canvas)
    assert sorted(topics["topic_id"]) == sorted(t.id for t in _topics(institution, course))
    assert sorted(announcements["topic_id"]) == sorted(t.id for t in _topics(institution, course, True))
    assert not topics["is_announcement"].any() and announcements["is_announcement"].all()
    graded = _kind(institution, course, "graded")
    row = topics.set_index("topic_id").loc[graded.id]
    assert row["due_at"] == pd.Timestamp(graded.due_at) and row["assignment_id"] == graded.assignment_id
    assert topics.loc[topics["topic_id"] != graded.id, "due_at"].isna().all()
    group = _kind(institution, course, "group")
    listed = topics.set_index("topic_id").loc[group.id]
    assert list(zip(listed["group_topic_ids"], listed["group_ids"], strict=True)) == group.children


def test_every_post_is_loaded_as_the_sandbox_wrote_it(canvas, institution):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas).set_index("entry_id")
    expected = {e.id: (t, e) for t in _topics(institution, course) for e in t.entries}
    assert sorted(entries.index) == sorted(expected)
    for entry_id, (topic, e) in expected.items():
        row = entries.loc[entry_id]
        assert row["topic_id"] == topic.id
        assert (pd.isna(row["parent_id"]) and e.parent is None) or row["parent_id"] == e.parent_id
        assert row["created_at"] == pd.Timestamp(e.created_at)
        assert bool(row["deleted"]) == e.deleted
        if e.deleted:
            assert pd.isna(row["user_id"]) and pd.isna(row["message"]) and row["word_count"] == 0
            assert row["editor_id"] == e.editor_id  # whoever deleted it, never credited as the author
        else:
            assert row["message"].split() == e.text.split()  # tags gone, &amp; and &nbsp; decoded
            assert row["word_count"] == len(e.text.split())
        assert row["rating_count"] == e.rating_count


def test_deleted_posts_keep_their_replies(canvas, institution):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    deleted_with_replies = {
        e.id for t in _topics(institution, course) for e in t.entries
        if e.deleted and any(r.parent is e for r in t.entries)
    }  # fmt: skip
    assert deleted_with_replies, "the sandbox must have deleted posts with replies"
    children = entries[entries["parent_id"].isin(deleted_with_replies)]
    assert set(children["parent_id"]) == deleted_with_replies
    assert entries.set_index("entry_id").loc[sorted(deleted_with_replies), "deleted"].all()


def test_group_discussion_posts_come_from_the_child_topics(canvas, institution):
    course = truth.first_course(institution)
    group = _kind(institution, course, "group")
    entries = cf.load_discussion_entries(course.id, topic_id=group.id, canvas=canvas)
    assert len(entries) == len(group.entries) > 0  # the root's own view is empty; never reported so
    holder_group = {child: g for child, g in group.children}
    expected = Counter(holder_group[e.topic_id] for e in group.entries)
    assert Counter(entries["group_id"].astype(int)) == expected
    assert (entries["topic_id"] == group.id).all()


def test_anonymous_posts_have_no_user_but_a_key(canvas, institution):
    course = truth.first_course(institution)
    anonymous = _kind(institution, course, "anonymous")
    entries = cf.load_discussion_entries(course.id, topic_id=anonymous.id, canvas=canvas)
    assert entries["user_id"].isna().all()
    live = entries[~entries["deleted"]]
    assert live["anonymous_id"].notna().all()
    authors = {e.id: e.author_id for e in anonymous.entries}
    # one key per author within the topic, without saying who it is
    pairs = {(authors[i], k) for i, k in zip(live["entry_id"], live["anonymous_id"], strict=True)}
    assert len(pairs) == len({a for a, _ in pairs}) == len({k for _, k in pairs})
    metrics = discussion_metrics(entries, cf.load_discussion_topics(course.id, canvas=canvas))
    assert metrics.attrs["unattributed_posts"] == len(live)


def test_posts_after_the_due_date_are_flagged(canvas, institution):
    course = truth.first_course(institution)
    graded = _kind(institution, course, "graded")
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    mine = entries[entries["topic_id"] == graded.id].set_index("entry_id")["posted_after_due"]
    expected = pd.Series({e.id: e.created_at > graded.due_at for e in graded.entries}, dtype="boolean")
    assert 0 < expected.sum() < len(expected)
    pd.testing.assert_series_equal(mine.sort_index(), expected.sort_index(), check_names=False)
    assert entries.loc[entries["topic_id"] != graded.id, "posted_after_due"].isna().all()


def test_a_post_is_a_participation_in_the_analytics(canvas, institution):
    course = truth.first_course(institution)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    announcements = cf.load_discussion_topics(course.id, announcements=True, canvas=canvas)
    ids = set(topics["topic_id"]) | set(announcements["topic_id"])
    participations = cf.load_participations(course.id, canvas=canvas)
    in_topics = participations["url"].str.extract(r"/discussion_topics/(\d+)$")[0].dropna().astype(int).isin(ids)
    per_student = participations.loc[in_topics[in_topics].index, "student_id"].value_counts().sort_index()
    written = Counter(
        e.author_id for t in institution.forums[course.id].topics for e in t.entries if e.author_id != course.teacher_id
    )
    pd.testing.assert_series_equal(per_student, pd.Series(written).sort_index(), check_names=False)


# -- Canvas's pitfalls ------------------------------------------------------------------------------


def test_a_view_answering_503_while_built_is_waited_for(make_server, connect, institution):
    course = truth.first_course(institution)
    server = make_server(settings=SandboxSettings(view_build_seconds=0.3))
    entries = cf.load_discussion_entries(course.id, canvas=connect(server))
    views = [p for p in server.request_log if p.endswith("/view")]
    assert len(views) > len(set(views))  # asked again after the 503s
    assert len(entries) == sum(len(t.entries) for t in _topics(institution, course))


def test_a_view_never_built_is_a_typed_error_naming_the_topic(make_server, connect, institution, tmp_path):
    course = truth.first_course(institution)
    server = make_server(settings=SandboxSettings(view_build_seconds=1e9))
    first = _topics(institution, course)[0]
    with pytest.raises(cf.ServerError, match=f"topic {first.id} of course {course.id}.*poll_timeout"):
        cf.load_discussion_entries(course.id, topic_id=first.id, canvas=connect(server, poll_timeout=0.4))
    assert not list((tmp_path / "cache").rglob("discussion_entries/*.arrow"))  # nothing half-cached


def test_new_entries_are_asked_for_and_merged_once(canvas, sandbox, institution):
    course = truth.first_course(institution)
    sandbox.clear_log()
    entries = cf.load_discussion_entries(course.id, canvas=canvas, refresh=True)
    asked = sandbox.queries("/view")
    assert asked and all(q.get("include_new_entries") == "1" for q in asked)
    fresh = {
        e.id
        for t in _topics(institution, course)
        for e in t.entries
        if e.created_at >= institution.as_of - NEW_ENTRY_WINDOW
    }
    assert fresh and fresh <= set(entries["entry_id"])
    assert not entries["entry_id"].duplicated().any()


def test_require_initial_post_is_a_permission_error_that_explains(institution, connect):
    course = truth.first_course(institution)
    debate = _kind(institution, course, "debate")
    with SandboxServer(institution, tokens={TOKEN: "admin", STUDENT: "student"}) as server:
        student = connect(server, token=STUDENT)
        with pytest.raises(cf.PermissionDenied, match=f"Topic {debate.id} requires a first post") as caught:
            cf.load_discussion_entries(course.id, topic_id=debate.id, canvas=student)
        assert caught.value.canvas_message == "require_initial_post"
        assert STUDENT not in str(caught.value)


def test_an_unknown_topic_is_a_config_error(canvas, institution):
    course = truth.first_course(institution)
    announcement = _topics(institution, course, announcements=True)[0]
    with pytest.raises(cf.ConfigError, match="announcements=True"):
        cf.load_discussion_entries(course.id, topic_id=announcement.id, canvas=canvas)
    entries = cf.load_discussion_entries(course.id, topic_id=announcement.id, announcements=True, canvas=canvas)
    assert len(entries) == len(announcement.entries)


def test_the_inbox_is_never_marked_read_and_matches_the_analytics(make_server, connect, institution):
    server = make_server()
    canvas = connect(server)
    course = next(c for c in institution.courses.values() if c.teacher_id == institution.inbox_owner_id)
    states = {c.id: c.workflow_state for c in institution.conversations}
    inbox = cf.load_conversations(course.id, canvas=canvas)
    asked = [q for p, q in server.query_log if p.startswith("/api/v1/conversations")]
    assert asked and all(q.get("auto_mark_as_read") == "false" for q in asked)
    assert {c.id: c.workflow_state for c in institution.conversations} == states  # nothing was marked read
    days = inbox["created_at"].dt.tz_localize(None).dt.floor("D")
    student = inbox["participant_ids"].map(lambda ids: next(i for i in ids if i != course.teacher_id))
    from_teacher = inbox["author_id"] == course.teacher_id
    counted = pd.DataFrame({"student_id": student, "date": days, "teacher": from_teacher, "student": ~from_teacher})
    counted = counted.groupby(["student_id", "date"])[["teacher", "student"]].sum().astype("int64")
    analytics = cf.load_communication(course.id, canvas=canvas).set_index(["student_id", "date"])
    analytics = analytics[["instructor_messages", "student_messages"]].sort_index()
    counted.columns = analytics.columns
    pd.testing.assert_frame_equal(counted.sort_index(), analytics, check_names=False)
    assert cf.load_conversations(999_999, canvas=canvas).empty


# -- metrics against networkx on the sandbox's own events --------------------------------------------


@pytest.mark.parametrize("until", [None, "2026-09-20"])
def test_metrics_equal_networkx_on_the_sandbox_events(canvas, institution, until):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    roster = cf.load_student_summaries(course.id, canvas=canvas)
    cut = pd.Timestamp(until, tz="UTC") if until else None
    expected = truth.reply_graph(institution, course, until=cut)
    metrics = discussion_metrics(entries, topics, roster, until=until).set_index("user_id")
    assert set(metrics.index) == set(expected.nodes)
    betweenness = nx.betweenness_centrality(expected)
    both_ways = nx.Graph()  # each tie weighs the replies in both directions together
    both_ways.add_nodes_from(expected)
    for a, b, w in expected.edges(data="replies"):
        both_ways.add_edge(a, b, replies=w + (both_ways[a][b]["replies"] if both_ways.has_edge(a, b) else 0))
    eigenvector = nx.eigenvector_centrality(both_ways, max_iter=2000, weight="replies")
    for user in expected.nodes:
        row = metrics.loc[user]
        assert row["in_degree"] == expected.in_degree(user)
        assert row["out_degree"] == expected.out_degree(user)
        assert row["replies_received"] == expected.in_degree(user, weight="replies")
        assert row["betweenness"] == pytest.approx(betweenness[user])
        assert row["eigenvector"] == pytest.approx(eigenvector[user] if both_ways.degree(user) else 0.0, abs=1e-9)
        assert bool(row["isolated"]) == (expected.degree(user) == 0)
    assert bool(metrics.loc[course.teacher_id, "is_instructor"])
    never = [s for s, e in course.enrollments.items() if e.student.profile == "never_submits"]
    assert never and metrics.loc[never, "isolated"].all() and (metrics.loc[never, "posts"] == 0).all()
    summary = network_summary(entries, topics, roster, until=until).iloc[0]
    assert summary["density"] == pytest.approx(nx.density(expected))
    assert summary["reciprocity"] == pytest.approx(nx.reciprocity(expected))
    assert summary["isolates"] == nx.number_of_isolates(expected)
    teacher_ties = sum(course.teacher_id in edge for edge in expected.edges)
    assert summary["instructor_tie_share"] == pytest.approx(teacher_ties / expected.number_of_edges())


def test_edges_count_what_they_exclude(canvas, institution):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    edges = reply_edges(entries, topics)
    replies = sum(len(t.entries) for t in _topics(institution, course))  # every post is a reply to someone
    assert edges["replies"].sum() + sum(edges.attrs["excluded"].values()) == replies
    assert edges.attrs["excluded"]["deleted"] > 0 and edges.attrs["excluded"]["anonymous"] > 0
    without_top = reply_edges(entries, topics, top_level=False)
    assert without_top["replies"].sum() < edges["replies"].sum()
    assert (
        edges["self_reply"].any()
        and (edges.loc[edges["self_reply"], "from_user"] == edges.loc[edges["self_reply"], "to_user"]).all()
    )


def test_announcements_stay_out_of_metrics_unless_asked(canvas, institution):
    course = truth.first_course(institution)
    announcement = _topics(institution, course, announcements=True)[0]
    entries = pd.concat([
        cf.load_discussion_entries(course.id, canvas=canvas),
        cf.load_discussion_entries(course.id, topic_id=announcement.id, announcements=True, canvas=canvas),
    ])  # fmt: skip
    topics = pd.concat([
        cf.load_discussion_topics(course.id, canvas=canvas),
        cf.load_discussion_topics(course.id, announcements=True, canvas=canvas),
    ])  # fmt: skip
    assert announcement.id not in set(reply_edges(entries, topics)["topic_id"])
    assert announcement.id in set(reply_edges(entries, topics, announcements=True)["topic_id"])


def test_graphml_round_trips_with_isolates(canvas, institution, tmp_path):
    course = truth.first_course(institution)
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    edges = reply_edges(entries, topics)
    path = to_graphml(edges, tmp_path / "net.graphml", nodes=course.enrollments)
    graph = nx.read_graphml(path, node_type=int)
    assert set(course.enrollments) <= set(graph.nodes)
    ties = edges[~edges["self_reply"]].groupby(["from_user", "to_user"])["replies"].sum()
    assert {(a, b): w for a, b, w in graph.edges(data="replies")} == {k: int(v) for k, v in ties.items()}


def test_bad_frames_are_config_errors(canvas, institution):
    course = truth.first_course(institution)
    topics = cf.load_discussion_topics(course.id, canvas=canvas)
    with pytest.raises(cf.ConfigError, match="load_discussion_entries"):
        reply_edges(topics, topics)
    with pytest.raises(cf.ConfigError, match="until"):
        reply_edges(cf.load_discussion_entries(course.id, canvas=canvas), topics, until="not a date")


def test_eigenvector_centrality_sums_both_directions_of_a_reciprocal_tie():
    """A hand-built graph: 1 and 2 reply to each other 5 and 3 times; 2 and 3 once each way.

    The undirected weights are 8 and 2; networkx on a hand-built Graph with those weights is the oracle.
    """
    import networkx as nx

    from canvasframe._graphs import eigenvector, undirected_weights

    directed = nx.DiGraph()
    directed.add_weighted_edges_from([(1, 2, 5), (2, 1, 3), (2, 3, 1), (3, 2, 1)], weight="replies")
    oracle = nx.Graph()
    oracle.add_weighted_edges_from([(1, 2, 8), (2, 3, 2)], weight="replies")
    summed = undirected_weights(directed)
    assert {tuple(sorted(e[:2])): e[2] for e in summed.edges(data="replies")} == {(1, 2): 8, (2, 3): 2}
    expected = nx.eigenvector_centrality(oracle, max_iter=2000, weight="replies")
    got = eigenvector(directed)
    assert got == pytest.approx(expected)
    wrong = nx.eigenvector_centrality(directed.to_undirected(), max_iter=2000, weight="replies")
    assert got != pytest.approx(wrong)  # what to_undirected() gave: one direction's weight


def test_a_server_that_names_authors_in_a_fully_anonymous_topic_is_not_believed(canvas, institution):
    """The loader marks each fully anonymous topic; the transform then keeps no user_id or editor_id."""
    from canvasframe import transforms
    from canvasframe._pipeline import LoadOptions, _topic_items

    course = truth.first_course(institution)
    anonymous = _kind(institution, course, "anonymous")
    options = LoadOptions.from_arguments(canvas, False, None, False)
    keys = {
        key["topic_id"]: key["anonymous"] for key, _ in _topic_items({"course_id": course.id, "topics": "all"}, options)
    }
    assert keys[anonymous.id] is True and sum(keys.values()) == 1
    leaked = {"view": [{"id": 5, "user_id": 1007, "editor_id": 1007, "anonymous_id": "abc", "message": "hi",
                        "created_at": "2026-09-01T10:00:00Z"}]}  # fmt: skip
    named = {"topic_id": 1, "group_id": None, "due_at": None}
    frame = transforms.discussion_entries([(named | {"anonymous": True}, leaked)], course_id=1)
    assert frame["user_id"].isna().all() and frame["anonymous_id"].tolist() == ["abc"]
    plain = transforms.discussion_entries([(named | {"anonymous": False}, leaked)], course_id=1)
    assert plain["user_id"].tolist() == [1007]


def test_every_conversation_scope_is_read_and_each_conversation_once(make_server, connect, institution):
    """The inbox scope leaves out archived conversations and those nobody answered (listed under "sent")."""
    server = make_server()
    course = next(c for c in institution.courses.values() if c.teacher_id == institution.inbox_owner_id)
    owner = institution.inbox_owner_id
    mine = [c for c in institution.conversations if c.course_id == course.id]
    archived = {c.id for c in mine if c.workflow_state == "archived"}
    unanswered = {c.id for c in mine if all(m.author_id == owner for m in c.messages)}
    assert archived and unanswered  # the sandbox has both
    inbox = cf.load_conversations(course.id, canvas=connect(server))
    assert set(inbox["conversation_id"]) == {c.id for c in mine}
    assert inbox.groupby("conversation_id").size().to_dict() == {c.id: len(c.messages) for c in mine}
    scopes = [q.get("scope") for p, q in server.query_log if p == "/api/v1/conversations"]
    assert scopes == [None, "archived", "sent"]


def test_replies_to_replies_are_counted_pair_by_pair_self_replies_included(canvas, institution):
    """reply_edges(top_level=False), value by value against the sandbox's posts: each reply to a post
    counts for (its author, the post's author), a reply to oneself too (marked self_reply)."""
    from collections import Counter

    course = truth.first_course(institution)
    expected: Counter[tuple[int, int]] = Counter()
    for topic in institution.forums[course.id].topics:
        if topic.is_announcement:
            continue
        for e in topic.entries:
            if e.parent is None or e.deleted or e.parent.deleted:  # from or to a deleted post: left out
                continue
            source, target = truth.discussion_author(topic, e), truth.discussion_author(topic, e.parent)
            if source is not None and target is not None:
                expected[(source, target)] += 1
    entries = cf.load_discussion_entries(course.id, canvas=canvas)
    edges = reply_edges(entries, cf.load_discussion_topics(course.id, canvas=canvas), top_level=False)
    summed = edges.groupby(["from_user", "to_user"])["replies"].sum()  # a row per topic: summed over topics
    got = {(int(a), int(b)): int(n) for (a, b), n in summed.items()}
    assert got == dict(expected)
    assert any(a == b for a, b in expected)  # self-replies exist in the sandbox, and are kept
    assert (edges["self_reply"] == (edges["from_user"] == edges["to_user"])).all()


# One course: topic 10 (by 900), topic 11 (by 901) and an announcement 12 (by 900). Each entry is
# (entry_id, topic_id, parent_id, user_id, deleted, hours after T0); the edges below are worked out by hand.
T0 = pd.Timestamp("2026-09-01 09:00", tz="UTC")
ENTRIES = [
    (1, 10, None, 1, False, 0),  # top level: 1 -> 900
    (2, 10, 1, 2, False, 1),  # 2 -> 1
    (3, 10, 1, 2, False, 3),  # 2 -> 1 again
    (4, 10, 2, 1, False, 2),  # 1 -> 2
    (5, 10, 4, 1, False, 4),  # 1 -> 1, a reply to oneself
    (6, 10, None, 3, True, 1),  # a deleted top-level post: excluded
    (7, 10, 6, 2, False, 5),  # a reply to the deleted post: excluded
    (8, 10, 1, None, False, 2),  # anonymous: excluded
    (9, 10, 99, 2, False, 6),  # its parent is not among the entries: excluded
    (10, 11, None, 2, False, 1),  # 2 -> 901
    (11, 12, None, 1, False, 0),  # in an announcement: 1 -> 900 only when asked
]


def _hand_made() -> tuple[pd.DataFrame, pd.DataFrame]:
    entries = pd.DataFrame(
        {
            "course_id": 1,
            "topic_id": [e[1] for e in ENTRIES],
            "entry_id": [e[0] for e in ENTRIES],
            "parent_id": pd.array([e[2] for e in ENTRIES], dtype="Int64"),
            "user_id": pd.array([e[3] for e in ENTRIES], dtype="Int64"),
            "deleted": [e[4] for e in ENTRIES],
            "created_at": [T0 + pd.Timedelta(hours=e[5]) for e in ENTRIES],
        }
    )
    authors = pd.array([900, 901, 900], dtype="Int64")
    topics = pd.DataFrame({"course_id": 1, "topic_id": [10, 11, 12], "author_id": authors,
                           "is_announcement": [False, False, True]})  # fmt: skip
    return entries, topics


def _edge_frame(rows: list[tuple[int, int, int, int, int, int]]) -> pd.DataFrame:
    """(topic, from, to, replies, first hour, last hour) -> the documented frame."""
    frame = pd.DataFrame(
        {
            "course_id": [1] * len(rows),
            "topic_id": [r[0] for r in rows],
            "from_user": [r[1] for r in rows],
            "to_user": [r[2] for r in rows],
            "replies": [r[3] for r in rows],
            "first_at": [T0 + pd.Timedelta(hours=r[4]) for r in rows],
            "last_at": [T0 + pd.Timedelta(hours=r[5]) for r in rows],
        }
    ).astype(
        {"course_id": "int64", "topic_id": "int64", "first_at": "datetime64[us, UTC]", "last_at": "datetime64[us, UTC]"}
    )
    frame["self_reply"] = frame["from_user"] == frame["to_user"]
    return frame


def test_reply_edges_of_a_hand_made_forum_are_the_ones_worked_out_by_hand():
    entries, topics = _hand_made()
    in_topic_10 = [(10, 1, 1, 1, 4, 4), (10, 1, 2, 1, 2, 2), (10, 1, 900, 1, 0, 0), (10, 2, 1, 2, 1, 3)]
    edges = reply_edges(entries, topics)
    pd.testing.assert_frame_equal(edges, _edge_frame([*in_topic_10, (11, 2, 901, 1, 1, 1)]))
    assert edges.attrs["excluded"] == {"deleted": 2, "anonymous": 1, "parent_not_loaded": 1}
    # a post made at the very moment `until` names counts; later ones do not
    until = reply_edges(entries, topics, until=T0 + pd.Timedelta(hours=4))
    pd.testing.assert_frame_equal(until, edges)
    assert until.attrs["excluded"] == {"deleted": 1, "anonymous": 1, "parent_not_loaded": 0}
    only = reply_edges(entries, topics, topic_ids=[11])
    pd.testing.assert_frame_equal(only, _edge_frame([(11, 2, 901, 1, 1, 1)]))
    with_news = reply_edges(entries, topics, announcements=True)
    pd.testing.assert_frame_equal(with_news, _edge_frame([*in_topic_10, (11, 2, 901, 1, 1, 1), (12, 1, 900, 1, 0, 0)]))
    # a topic missing from the topics frame has no author: its top-level post answers nobody known
    unknown = reply_edges(entries, topics[topics["topic_id"] != 11], announcements=True)
    assert unknown.attrs["excluded"] == {"deleted": 2, "anonymous": 2, "parent_not_loaded": 1}
    replies_only = reply_edges(entries, topics, top_level=False)
    pd.testing.assert_frame_equal(replies_only, _edge_frame([r for r in in_topic_10 if r[2] != 900]))


def test_reply_edges_and_graph_name_what_they_lack():
    entries, topics = _hand_made()
    for call, message in (
        (lambda: reply_edges(entries.drop(columns="deleted"), topics),
         "entries: expected the frame from load_discussion_entries(); this one lacks columns ['deleted']."),
        (lambda: reply_edges(entries, topics.drop(columns="author_id")),
         "topics: expected the frame from load_discussion_topics(); this one lacks columns ['author_id']."),
        (lambda: cf.discussions.reply_graph(reply_edges(entries, topics).drop(columns="replies")),
         "edges: expected the frame from reply_edges(); this one lacks columns ['replies']."),
        (lambda: reply_edges(entries, topics, until="soon"),
         "until must be a timestamp (e.g. '2026-10-01'), got 'soon'."),
    ):  # fmt: skip
        with pytest.raises(cf.ConfigError) as refused:
            call()
        assert str(refused.value) == message


def test_the_network_summary_of_the_hand_made_forum():
    """People: 1, 2 and the two topic authors (3 wrote only a deleted post, 8 is anonymous); ties 1->2, 2->1,
    1->900, 2->901 (1's reply to itself is no tie); 1 and 2 answer each other; two ties reach an author."""
    entries, topics = _hand_made()
    columns = ["people", "ties", "replies", "density", "reciprocity", "instructor_tie_share", "components", "isolates",
               "excluded_replies", "unattributed_posts"]  # fmt: skip
    expected = pd.DataFrame(
        [
            [4, 4, 5, 4 / 12, 0.5, 0.5, 1, 0, 4, 1],
            [4, 4, 6, 4 / 12, 0.5, 0.5, 1, 0, 4, 1],  # the announcement adds a reply on an existing tie
            [2, 1, 1, 0.5, 0.0, 1.0, 1, 0, 0, 0],  # topic 11 alone: 2 -> 901
        ],
        columns=columns,
    )
    found = pd.concat(
        [
            cf.discussions.network_summary(entries, topics),
            cf.discussions.network_summary(entries, topics, announcements=True),
            cf.discussions.network_summary(entries, topics, topic_ids=[11]),
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
