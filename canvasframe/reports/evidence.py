"""Last academic activity per student, with the evidence: what it was and its URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd

from .._frames import require
from ..errors import ConfigError
from ._common import student_ids, with_sources

_EVIDENCE_ORDER = {"submission": 0, "discussion post": 1, "participation": 2}  # at the same second, the most specific


def last_activity(
    submissions: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    participations: pd.DataFrame | None = None,
    *,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Per student, the latest academically related activity, with what it was and its URL.

    The evidence an institution needs for a last date of attendance: a submission, a
    discussion post, or an Analytics participation (a quiz taken, a post, ...). Page views
    alone never count: opening a page is not academic engagement, and Canvas records views
    from previews, prefetching and open tabs.

    Parameters
    ----------
    submissions : DataFrame
        From ``load_submissions`` (every enrolled student has rows, so everyone is listed).
    entries : DataFrame, optional
        From ``load_discussion_entries``.
    participations : DataFrame, optional
        From ``load_participations``.
    base_url : str, optional
        The Canvas site for the URLs of submissions and posts (default: the site the
        submissions were fetched from).

    Returns
    -------
    DataFrame
        ``student_id``, ``last_activity_at`` (NaT when none), ``kind`` (``submission``,
        ``discussion post`` or ``participation``; NA when none) and ``url``.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> latest = last_activity(cf.load_submissions(course), cf.load_discussion_entries(course),
    ...                        cf.load_participations(course))
    >>> sorted(latest["kind"].dropna().unique())
    ['discussion post', 'participation', 'submission']
    """
    require(submissions, ["course_id", "student_id", "assignment_id", "submitted_at"], "last_activity",
            "load_submissions")  # fmt: skip
    site = (base_url or _site(submissions)).rstrip("/")  # pragma: no mutate (a mutant strips "X" too: no host ends so)
    handed_in = submissions[submissions["submitted_at"].notna()]
    evidence = [
        pd.DataFrame({
            "student_id": handed_in["student_id"],
            "at": handed_in["submitted_at"],
            "kind": "submission",
            "url": site + "/courses/" + handed_in["course_id"].astype(str) + "/assignments/"
            + handed_in["assignment_id"].astype(str) + "/submissions/" + handed_in["student_id"].astype(str),
        })
    ]  # fmt: skip
    if entries is not None:
        require(entries, ["course_id", "topic_id", "entry_id", "user_id", "created_at", "deleted"], "last_activity",
                "load_discussion_entries")  # fmt: skip
        posts = entries[entries["user_id"].notna() & ~entries["deleted"].astype(bool)]
        evidence.append(
            pd.DataFrame({
                "student_id": posts["user_id"].astype("int64"),  # pragma: no mutate (rows are reindexed by students)
                "at": posts["created_at"],
                "kind": "discussion post",
                "url": site + "/courses/" + posts["course_id"].astype(str) + "/discussion_topics/"
                + posts["topic_id"].astype(str) + "#entry-" + posts["entry_id"].astype(str),
            })
        )  # fmt: skip
    if participations is not None:
        require(participations, ["student_id", "created_at", "url"], "last_activity", "load_participations")
        evidence.append(
            pd.DataFrame({"student_id": participations["student_id"], "at": participations["created_at"],
                          "kind": "participation", "url": participations["url"]})
        )  # fmt: skip
    # The pragmas: a sort on several keys is stable and the evidence is put together in _EVIDENCE_ORDER, so
    # the order column says outright what the concatenation already does; the index is never read.
    every = pd.concat(evidence, ignore_index=True)  # pragma: no mutate
    every["order"] = every["kind"].map(_EVIDENCE_ORDER)  # pragma: no mutate
    newest_first = every.sort_values(["at", "order"], ascending=[False, True])
    latest = newest_first.drop_duplicates("student_id")
    students = student_ids(submissions)
    report = latest.set_index("student_id").reindex(students)[["at", "kind", "url"]].reset_index()
    report = report.rename(columns={"at": "last_activity_at"})
    report["kind"] = report["kind"].astype("str")
    report["url"] = report["url"].astype("str")
    return with_sources(report, "last_activity", submissions=submissions, entries=entries,
                         participations=participations)  # fmt: skip


def _site(frame: pd.DataFrame) -> str:
    sources = frame.attrs.get("canvasframe", {}).get("sources") or []
    if not sources:
        raise ConfigError(
            "last_activity: pass base_url='https://<your canvas>' (the frame does not say where it came from)."
        )
    parts = urlsplit(sources[0])
    return f"{parts.scheme}://{parts.netloc}"
