"""Message students who…: draft a message per student, look at it, then send it, never by accident.

:func:`draft` renders one message per student and sends nothing. :func:`send` posts them
through Canvas's Conversations API (one new private conversation per student, in the
course's context) and only with ``confirm=True``. Every message sent is written to a
journal on this machine (ids and hashes, never the text or the token), so sending the same
draft again, after a failure part-way or in a re-run notebook, skips the students already
messaged. The journal lives in ``CANVASFRAME_DATA_DIR``, else the platform's user data
directory (not the cache: clearing the cache must not forget what was sent).
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import string
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

from ._frames import require
from ._settings import environment
from .client import Canvas, default_canvas
from .errors import (
    CanvasAPIError,
    ConfigError,
    ConfirmationRequired,
    MessagesNotSent,
    NetworkError,
    ResponseFormatError,
    ServerError,
    warn,
)

__all__ = ["draft", "journal_path", "send"]

DRAFT_COLUMNS = ["course_id", "student_id", "subject", "body"]
# Statuses of a send's results; a journalled "sent" or "uncertain" is never sent again by default.
SENT, ALREADY, FAILED, UNCERTAIN, NOT_ATTEMPTED = "sent", "already sent", "failed", "uncertain", "not attempted"


def draft(students: pd.DataFrame | Iterable[int], subject: str, body: str, *, course_id: int) -> pd.DataFrame:
    """One message per student, rendered and shown, not sent.

    Parameters
    ----------
    students : DataFrame or iterable of int
        A frame with ``student_id`` (e.g. ``cf.reports.student_table`` filtered to those with
        two or more missing assignments), or student ids.
    subject : str
        The subject line; ``{column}`` fields are filled as in ``body``.
    body : str
        The text; ``{column}`` fields are filled from each student's row (``{missing}``,
        ``{current_grade}``, ...). Write ``{{`` and ``}}`` for literal braces.
    course_id : int
        The course the conversations belong to.

    Returns
    -------
    DataFrame
        ``course_id``, ``student_id``, ``subject``, ``body``: exactly what :func:`send` will post.

    Examples
    --------
    >>> table = pd.DataFrame({"student_id": [1005, 1006], "missing": [2, 3]})
    >>> draft(table[table["missing"] >= 3], "Missing work", "You have {missing} missing assignments.",
    ...       course_id=1078)
       course_id  student_id       subject                                body
    0       1078        1006  Missing work  You have 3 missing assignments.
    """
    rows = _recipients(students)
    if not isinstance(subject, str) or not isinstance(body, str) or not body.strip():
        raise ConfigError("draft: subject and body must be text, and the body must not be empty.")
    if not isinstance(course_id, int) or isinstance(course_id, bool):
        raise ConfigError(f"draft: course_id must be an int, got {course_id!r}.")
    fields = _fields(subject) | _fields(body)
    unknown = sorted(fields - set(rows.columns))
    if unknown:
        raise ConfigError(f"draft: no column for the field(s) {unknown}; the students frame has {list(rows.columns)}.")
    records = rows.to_dict("records")
    return pd.DataFrame(
        {
            "course_id": pd.Series([course_id] * len(rows), dtype="int64"),
            "student_id": rows["student_id"].astype("int64").to_numpy(),
            "subject": pd.Series([_render(subject, r) for r in records], dtype="str"),
            "body": pd.Series([_render(body, r) for r in records], dtype="str"),
        }
    )


def _fields(template: str) -> set[str]:
    """The ``{column}`` fields of a template; a ConfigError for one that is not a plain column name."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:  # "{" alone, "}" alone
        raise ConfigError(f"draft: {template!r} is not a template ({exc}); write {{{{ and }}}} for braces.") from None
    fields = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or conversion not in (None, "s", "r", "a"):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ConfigError(
                f"draft: {shown} is not a field; use a column name such as {{missing}}, "
                "and {{{{ }}}} for literal braces."
            )
        fields.add(name)
    return fields


def _render(template: str, row: dict[str, Any]) -> str:
    try:
        return template.format(**row)
    except (ValueError, TypeError, IndexError) as exc:  # a format spec the value does not take, e.g. {name:d}
        raise ConfigError(f"draft: could not fill {template!r} for student {row['student_id']} ({exc}).") from None


def _recipients(students: pd.DataFrame | Iterable[int]) -> pd.DataFrame:
    if isinstance(students, pd.DataFrame):
        require(students, ["student_id"], "draft", "cf.reports.student_table or load_student_summaries")
        rows = students.reset_index(drop=True)
        if rows["student_id"].isna().any():
            raise ConfigError("draft: a student_id is missing (NaN); every row needs the student's id.")
    else:
        try:
            rows = pd.DataFrame({"student_id": [int(s) for s in students]})
        except (TypeError, ValueError, OverflowError):
            raise ConfigError("draft: students must be a frame with student_id, or student ids.") from None
    repeated = sorted(set(rows.loc[rows["student_id"].duplicated(), "student_id"]))
    if repeated:
        raise ConfigError(f"draft: student(s) {repeated} appear more than once; each would get the message twice.")
    return rows


def journal_path(canvas: Canvas) -> Path:
    """Where the journal of messages sent through ``canvas``'s Canvas is kept (one file per Canvas)."""
    root = environment("data_dir").data_dir or platformdirs.user_data_dir("canvasframe", appauthor=False)
    name = hashlib.sha256(canvas.cache_namespace.encode()).hexdigest()[:16]
    return Path(root) / "sent-messages" / f"{name}.jsonl"


def _key(canvas: Canvas, row: Any) -> str:
    """What identifies one message: this Canvas, the course, the student and the exact text."""
    blob = json.dumps([canvas.cache_namespace, int(row.course_id), int(row.student_id), row.subject, row.body])
    return hashlib.sha256(blob.encode()).hexdigest()


def _journal(path: Path) -> dict[str, dict]:
    """Journalled messages by key; a line cut short by a crash is ignored."""
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
            entries[entry["key"]] = entry
        except (ValueError, KeyError, TypeError):
            continue
    return entries


def _open_journal(path: Path) -> None:
    """Make sure the journal can be written, before the first message goes out; only its owner may read it.

    A journal that cannot be written would let the first message go out and then stop, and a
    re-run would send it again; one that others can read tells them whom you messaged.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(descriptor)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"The journal of messages sent cannot be written at {path} ({exc.strerror or exc}); nothing was sent. "
            "Set CANVASFRAME_DATA_DIR to a folder you can write."
        ) from None


def _record(path: Path, key: str, row: Any, status: str, conversation_id: int | None) -> None:
    entry = {
        "key": key,
        "course_id": int(row.course_id),
        "student_id": int(row.student_id),
        "status": status,
        "conversation_id": conversation_id,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())  # on disk before the next message goes out


def send(
    messages: pd.DataFrame,
    *,
    canvas: Canvas | None = None,
    confirm: bool = False,
    retry_uncertain: bool = False,
) -> pd.DataFrame:
    """Send a draft: one new private conversation per student, from the token's user.

    Parameters
    ----------
    messages : DataFrame
        From :func:`draft` (and looked at).
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).
    confirm : bool
        Must be ``True``; otherwise :class:`~canvasframe.errors.ConfirmationRequired` is raised
        and nothing is sent.
    retry_uncertain : bool
        Also send again the messages an earlier call could not confirm (the connection was lost
        after sending): they may have arrived, so they are skipped unless you say so.

    Returns
    -------
    DataFrame
        ``course_id``, ``student_id``, ``status`` (``sent``, ``already sent``, or ``uncertain``
        for one an earlier call could not confirm and this one skipped, with a warning),
        ``conversation_id`` and ``error``. If a message fails, sending stops and
        :class:`~canvasframe.errors.MessagesNotSent` is raised; its ``results`` frame says who
        was messaged, who failed, and who was not attempted. Sending the draft again skips those
        already messaged.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> message = draft([1005], "Hello", "See you on Monday.", course_id=canvas.sample_course_id)
    >>> send(message)
    Traceback (most recent call last):
    ...
    canvasframe.errors.ConfirmationRequired: send() would message 1 student(s) in course(s) [1078]; nothing was sent.
    Look at the draft, then call send(draft, confirm=True).
    """
    require(messages, DRAFT_COLUMNS, "send", "cf.messages.draft")
    _check_draft(messages)
    if confirm is not True:
        courses = sorted(set(messages["course_id"].astype(int)))
        raise ConfirmationRequired(
            f"send() would message {len(messages)} student(s) in course(s) {courses}; nothing was sent. "
            "Look at the draft, then call send(draft, confirm=True)."
        )
    canvas = canvas or default_canvas()
    path = journal_path(canvas)
    _open_journal(path)
    journal = _journal(path)
    results: list[dict[str, Any]] = []
    stop: str | None = None
    for row in messages.itertuples(index=False):
        result: dict[str, Any] = {"course_id": int(row.course_id), "student_id": int(row.student_id)}
        results.append(result)
        key = _key(canvas, row)
        earlier = journal.get(key)
        if stop is not None:
            result |= {"status": NOT_ATTEMPTED}
        elif earlier and (earlier["status"] == SENT or (earlier["status"] == UNCERTAIN and not retry_uncertain)):
            result |= {"status": ALREADY if earlier["status"] == SENT else UNCERTAIN,
                       "conversation_id": earlier.get("conversation_id")}  # fmt: skip
        else:
            result |= _post(canvas, path, key, row)
            if result["status"] != SENT:
                stop = result["status"]
    frame = _results(results)
    if stop is not None:
        raise MessagesNotSent(_summary(frame), frame)
    skipped = frame.loc[frame["status"] == UNCERTAIN, "student_id"].tolist()
    if skipped:
        warn(
            f"Not sent again to student(s) {skipped}: an earlier send got no answer, so they may have the message "
            "already (check with load_conversations). Pass retry_uncertain=True to send to them anyway."
        )
    return frame


def _check_draft(messages: pd.DataFrame) -> None:
    """Everything :func:`send` can know is wrong with a draft, said before anything is posted."""
    for column in ("course_id", "student_id"):
        values = messages[column]
        if values.isna().any() or not all(isinstance(v, numbers.Integral) for v in values.tolist()):
            raise ConfigError(f"send: every {column} must be an integer id; nothing was sent.")
    for column in ("subject", "body"):
        if not all(isinstance(v, str) for v in messages[column].tolist()):
            raise ConfigError(f"send: every {column} must be text; nothing was sent.")
    repeated = messages[messages.duplicated(["course_id", "student_id"], keep=False)]
    if not repeated.empty:
        students = sorted(set(repeated["student_id"].astype(int)))
        raise ConfigError(
            f"send: student(s) {students} appear more than once in the draft (a concatenated draft?); each "
            "would get a message per row. Nothing was sent; drop the duplicates first."
        )


def _post(canvas: Canvas, path: Path, key: str, row: Any) -> dict[str, Any]:
    form = {
        "recipients[]": [str(int(row.student_id))],
        "subject": row.subject,
        "body": row.body,
        "force_new": "true",
        "group_conversation": "false",
        "context_code": f"course_{int(row.course_id)}",
        "mode": "sync",
    }
    try:
        answer = canvas.post_once("conversations", form)
    except (NetworkError, ServerError, ResponseFormatError) as exc:  # no clear answer: it may have arrived
        _record(path, key, row, UNCERTAIN, None)
        return {"status": UNCERTAIN, "error": str(exc)}
    except CanvasAPIError as exc:  # Canvas answered no (4xx, or throttled throughout): nothing was sent
        return {"status": FAILED, "error": str(exc)}
    conversation = answer[0] if isinstance(answer, list) and answer else answer
    conversation_id = int(conversation["id"]) if isinstance(conversation, dict) and "id" in conversation else None
    _record(path, key, row, SENT, conversation_id)
    return {"status": SENT, "conversation_id": conversation_id}


def _results(results: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(results, columns=["course_id", "student_id", "status", "conversation_id", "error"])
    frame["conversation_id"] = frame["conversation_id"].astype("Int64")
    frame["status"] = frame["status"].astype("str")
    frame["error"] = frame["error"].astype("str")
    return frame


def _summary(results: pd.DataFrame) -> str:
    counts = results["status"].value_counts()
    failed = results[results["status"].isin([FAILED, UNCERTAIN])].iloc[0]
    what = (
        "got no answer, so the message may have arrived (check with load_conversations; a re-send skips it "
        "unless retry_uncertain=True)"
        if failed["status"] == UNCERTAIN
        else f"was refused: {failed['error']}"
    )
    done = int(counts.get(SENT, 0) + counts.get(ALREADY, 0))
    return (
        f"Stopped after messaging {done} of {len(results)} student(s): student {failed['student_id']} {what}. "
        f"{int(counts.get(NOT_ATTEMPTED, 0))} not attempted. See this error's .results; sending the same "
        "draft again with confirm=True skips everyone already messaged."
    )
