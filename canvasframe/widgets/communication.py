"""The course explorer's Communication tab: every channel's network (toggle the channels), each student's
mix of channels, and the discussions in detail (pick topics; the reply network, the timeline, the metrics)."""

from __future__ import annotations

import html

import ipywidgets as ipw
import pandas as pd

from .. import discussions, loaders, network, plots
from ..plots.communication import CHANNEL_LABELS
from ._base import Explorer

# The metrics table's columns, in the order a reader scans them.
METRIC_COLUMNS = [
    "user_id",
    "is_instructor",
    "posts",
    "replies_sent",
    "replies_received",
    "in_degree",
    "out_degree",
    "betweenness",
    "median_response_time",
    "words",
    "posts_after_due",
    "isolated",
]


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format="{:.3f}".format)


class CommunicationTab(ipw.VBox):
    """Communication in one course, loaded the first time the tab is opened.

    Loading waits until the tab is opened because Canvas builds each topic's view on demand
    (seconds per topic on a real instance) and peer reviews cost a request per assignment; an
    explorer opened for its other tabs never pays for them. One toggle per channel picks the
    channels the communication network, its summary and each student's mix show.
    """

    children: tuple[ipw.Widget, ...]  # a traitlet of VBox; declared for type checkers

    def __init__(self, explorer: Explorer, course_id: int, roster: pd.DataFrame) -> None:
        self.explorer, self.course_id, self.roster = explorer, course_id, roster
        self.loaded = False
        self.channel_toggles = {
            channel: ipw.ToggleButton(value=True, description=CHANNEL_LABELS[channel], layout=ipw.Layout(width="auto"))
            for channel in network.CHANNELS
        }
        self.channel_area, self.mix_area = explorer._area(), explorer._area()
        self.channel_table = ipw.HTML()
        self.topic_picker = ipw.SelectMultiple(rows=6, description="Topics", layout=ipw.Layout(width="60%"))
        self.highlight = ipw.Dropdown(options=[("nobody", None)], value=None, description="Highlight")
        self.network_area, self.timeline_area = explorer._area(), explorer._area()
        self.summary_table, self.person_table, self.metrics_table = ipw.HTML(), ipw.HTML(), ipw.HTML()
        # Stable CSS hooks for browser tests and for users who style the explorer.
        for widget, name in (
            (self.topic_picker, "topic-picker"),
            (self.highlight, "discussion-highlight"),
            (self.network_area, "reply-network"),
            (self.person_table, "discussion-person"),
            (self.channel_area, "channel-network"),
            (self.channel_table, "channel-summary"),
            *((toggle, f"channel-{channel}") for channel, toggle in self.channel_toggles.items()),
        ):
            widget.add_class(f"cf-{name}")
        super().__init__(
            [
                ipw.HBox(list(self.channel_toggles.values())),
                self.channel_table,
                self.channel_area,
                self.mix_area,
                ipw.HTML("<h4>Discussions</h4>"),
                ipw.HBox([self.topic_picker, self.highlight]),
                self.summary_table,
                self.person_table,
                self.network_area,
                self.timeline_area,
                self.metrics_table,
            ]
        )

    def activate(self, student_id: int | None = None) -> None:
        """Load every channel's frames once, then draw; ``student_id`` starts highlighted."""
        if self.loaded:
            return
        frames = self.explorer._load(f"the communication of course {self.course_id}", self._load_channels)
        if frames is None:
            return  # the status line says what failed; opening the tab again retries
        self.topics, self.entries, self.channels = frames
        self.loaded = True
        self.topic_picker.options = list(zip(self.topics["title"], self.topics["topic_id"], strict=True))
        self.topic_picker.value = tuple(self.topics["topic_id"])
        everyone = discussions.discussion_metrics(self.entries, self.topics, roster=self.roster)
        people = zip(everyone["user_id"], everyone["posts"], everyone["is_instructor"], strict=True)
        self.highlight.options = [("nobody", None)] + [
            (f"{uid} — {posts} posts{' (instructor)' if teaches else ''}", int(uid)) for uid, posts, teaches in people
        ]
        self.pick(student_id)
        for control in (self.topic_picker, self.highlight):
            control.observe(lambda _: self._redraw(), names="value")
        for toggle in self.channel_toggles.values():
            toggle.observe(lambda _: self._redraw_channels(), names="value")
        self._redraw_channels()
        self._redraw()

    @property
    def chosen_channels(self) -> list[str]:
        return [channel for channel, toggle in self.channel_toggles.items() if toggle.value]

    def _redraw_channels(self) -> None:
        chosen = self.chosen_channels
        shown = self.shown_channels = self.channels[self.channels["channel"].isin(chosen)].reset_index(drop=True)
        if chosen:
            self.channel_table.value = _table(network.summary(shown, roster=self.roster, channels=chosen))
        else:
            self.channel_table.value = "<i>Pick at least one channel.</i>"
        self.explorer._draw(
            self.channel_area, "channel_network", lambda ax: plots.plot_channel_network(shown, ax=ax), (8, 6)
        )
        students = self.roster["student_id"].tolist()
        self.explorer._draw(
            self.mix_area, "channel_mix", lambda ax: plots.plot_channel_mix(shown, students=students, ax=ax), (10, 4)
        )

    def _load_channels(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The topics, their posts and every channel's ties (with roles)."""

        def load(frame: str) -> pd.DataFrame:
            explorer = self.explorer
            return loaders.LOADERS[frame](
                self.course_id, canvas=explorer.canvas, refresh=explorer.refresh, progress=False
            )

        topics, entries = load("discussion_topics"), load("discussion_entries")
        channels = network.edges(
            replies=entries,
            topics=topics,
            messages=load("conversations"),
            comments=load("submission_comments"),
            reviews=load("peer_reviews"),
            enrollments=[load("enrollments"), load("staff")],
        )
        return topics, entries, channels

    def pick(self, student_id: int | None) -> None:
        """Highlight a person, if they are in the network (the roster and everyone who posted)."""
        if any(value == student_id for _, value in self.highlight.options):
            self.highlight.value = student_id

    def _redraw(self) -> None:
        chosen = list(self.topic_picker.value)
        chosen_topics = self.topics[self.topics["topic_id"].isin(chosen)]
        self.edges = discussions.reply_edges(self.entries, self.topics, topic_ids=chosen)
        self.metrics = discussions.discussion_metrics(self.entries, self.topics, roster=self.roster, topic_ids=chosen)
        summary = discussions.network_summary(self.entries, self.topics, roster=self.roster, topic_ids=chosen)
        self.summary_table.value = _table(summary)
        person = self.highlight.value
        self.explorer._draw(
            self.network_area,
            "reply_network",
            lambda ax: plots.plot_reply_network(self.edges, metrics=self.metrics, highlight=person, ax=ax),
            (8, 6),
        )
        self.explorer._draw(
            self.timeline_area,
            "discussion_timeline",
            lambda ax: plots.plot_discussion_timeline(
                self.entries[self.entries["topic_id"].isin(chosen)], topics=chosen_topics, freq="W", ax=ax
            ),
        )
        table = self.metrics[METRIC_COLUMNS].sort_values(["posts", "user_id"], ascending=[False, True])
        self.metrics_table.value = _table(table)
        # Last, so a row naming this person means the network above already rings them.
        row = table[table["user_id"] == person]
        self.person_table.value = (
            f"<b>Highlighted: {html.escape(str(person))}</b>{_table(row)}" if person is not None else ""
        )
