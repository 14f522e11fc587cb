"""``cf.sample()``: the bundled sample institution, served by the sandbox in this process."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import threading
from dataclasses import replace
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._settings import environment
from .client import Canvas, connect, set_default_canvas
from .sandbox import SAMPLE_COST_SCALE, Config, SandboxServer, SandboxSettings

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["SampleCanvas", "connect_or_sample", "sample"]

SAMPLE_CONFIG = files("canvasframe") / "data" / "sample-institution.json"
NOTICE = (
    "canvasframe: using the bundled SAMPLE institution — synthetic data generated for demos, "
    "served by a local sandbox Canvas. Call cf.connect() for your own Canvas."
)

_lock = threading.Lock()
_server: SandboxServer | None = None


def sample_config() -> Config:
    """The committed configuration of the sample institution."""
    return Config(**json.loads(SAMPLE_CONFIG.read_text()))


def sample_settings(base: SandboxSettings | None = None) -> SandboxSettings:
    """How the sample is served (``base``'s other settings kept): page views charged at the sample's
    scale, each request served once."""
    return replace(base or SandboxSettings(), page_view_cost_scale=SAMPLE_COST_SCALE, page_view_duplicates=False)


def sample_server() -> SandboxServer:
    """The process-wide sample server, started on first use (127.0.0.1, a free port)."""
    global _server
    with _lock:
        if _server is None:
            _server = SandboxServer(config=sample_config(), settings=sample_settings()).start()
            atexit.register(_server.stop)
        return _server


def generator_digest(package: Traversable | None = None) -> str:
    """A hash of the sandbox's source: the sample's data change whenever it does."""
    package = package or files("canvasframe") / "sandbox"
    sources = sorted((f for f in package.iterdir() if f.name.endswith(".py")), key=lambda f: f.name)
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def sample_namespace(config: Config, generator: str) -> str:
    """The sample's cache namespace: the same configuration made by the same sandbox code, the same name.

    Both go in, so an upgrade that changes how the sandbox makes its data never serves frames
    cached from the old data.
    """
    blob = json.dumps([config.to_dict(), generator], sort_keys=True).encode()
    return f"sample-{hashlib.sha256(blob).hexdigest()[:12]}"


class SampleCanvas(Canvas):
    """A session with the bundled sample institution, with the ids and keys a demo needs.

    Made by :func:`sample`; everything a :class:`Canvas` does works the same. The
    attributes below exist only here: on your own Canvas you know your ids, and your
    tools' keys come from your Canvas admin.

    Attributes
    ----------
    sample_account_id : int
        The sample institution's root account.
    sample_course_id : int
        Its first course with students.
    sample_new_quizzes_course_id : int
        Its second course with students, which has moved to New Quizzes: its graded quiz is a
        New Quiz (read through the New Quizzes reports), beside a classic practice quiz.
    sample_as_of : pandas.Timestamp
        The sample's "now": its data stops here. Pass it as ``as_of=`` to reports that count
        days up to now (``cf.reports.student_table``), so they read the same on any day.
    """

    sample_account_id: int
    sample_course_id: int
    sample_new_quizzes_course_id: int
    sample_as_of: pd.Timestamp

    def __init__(self, server: SandboxServer, **options: Any) -> None:
        super().__init__(server.url, server.token, **options)
        self._server = server
        inst = server.institution
        self.sample_account_id = inst.root_account.id
        self.sample_course_id = next(c.id for c in inst.courses.values() if c.enrollments)
        self.sample_new_quizzes_course_id = int(inst.new_quizzes_course_id or self.sample_course_id)
        self.sample_as_of = pd.Timestamp(inst.as_of)

    def summary(self) -> list[tuple[str, str]]:
        return [("data", "synthetic: canvasframe's bundled sample institution"), *super().summary()]

    @property
    def sample_ids(self) -> dict[str, int]:
        """``{"course_id": ..., "account_id": ...}``: the sample's ids by the name loaders give them."""
        return {"course_id": self.sample_course_id, "account_id": self.sample_account_id}

    def xapi_callback_url(self, course_id: int, student_id: int) -> str:
        """The ``$Canvas.xapi.url`` a tool launched by this student in this course would receive."""
        return self._server.xapi_callback_url(course_id, student_id)

    @property
    def xapi_tool_credentials(self) -> tuple[str, str]:
        """The sample LTI 1.1 tool's consumer key and shared secret, which sign xAPI statements."""
        return self._server.xapi.consumer_key, self._server.xapi.shared_secret

    @property
    def lti_developer_key(self) -> tuple[str, str]:
        """The sample LTI Advantage tool's client id and RSA private key (PEM), for ``cf.lti.ClientCredentials``."""
        return self._server.lti.client_id, self._server.lti.tool_private_key.decode()


def sample(
    *,
    quiet: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    max_workers: int | None = None,
    offline: bool | None = None,
    cache_namespace: str | None = None,
    tz: str | None = None,
    names: bool = True,
) -> SampleCanvas:
    """Connect to the bundled sample institution and make it the loaders' default.

    The sandbox runs on 127.0.0.1 in a background thread. Its cache entries are
    filed under a namespace named after the sample's configuration and the sandbox
    code that generates it, so they are reused across runs even though the port
    changes, and never outlive a change to the data.

    Parameters
    ----------
    quiet : bool
        Do not print the notice that the data is synthetic.
    cache_dir : str or path, optional
        Where loaders keep Arrow files (as for :class:`~canvasframe.client.Canvas`).
    max_workers : int, optional
        Upper bound on concurrent requests (as for :class:`~canvasframe.client.Canvas`).
    offline : bool, optional
        Read only the cache (default: ``CANVASFRAME_OFFLINE=1``).
    cache_namespace : str, optional
        Name under which cache entries are filed (default: one per sample configuration).
    tz : str, optional
        The time zone people are shown times in (default: the sample course's own).
    names : bool
        Show students' names in reports, widgets and plots (``False``: ids only).

    Returns
    -------
    SampleCanvas
        With ``sample_account_id`` and ``sample_course_id``.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.sample(quiet=True)
    >>> cf.load_course_activity(canvas.sample_course_id).columns.tolist()
    ['course_id', 'date', 'views', 'participations']
    """
    server = sample_server()
    if cache_namespace is None:
        cache_namespace = sample_namespace(server.institution.config, generator_digest())
    canvas = SampleCanvas(
        server,
        cache_dir=cache_dir,
        max_workers=max_workers,
        offline=offline,
        cache_namespace=cache_namespace,
        tz=tz,
        names=names,
    )
    set_default_canvas(canvas)
    if not quiet:
        print(NOTICE, file=sys.stderr)
    return canvas


def connect_or_sample(course_id: int | None = None, account_id: int | None = None) -> tuple[Canvas, int, int | None]:
    """Your Canvas when it is configured, else the sample institution; says which it uses.

    Your Canvas is used when ``CANVAS_BASE_URL``, ``CANVAS_API_TOKEN`` and a course id
    (``course_id=`` or ``CANVAS_COURSE_ID``) are all set; the account id comes from
    ``account_id=`` or ``CANVAS_ACCOUNT_ID`` (department views need it). Otherwise
    the bundled sample institution is served and its ids are returned. This is
    what the example notebooks call, so they run unchanged on either.

    Returns
    -------
    (Canvas, int, int or None)
        The session (also made the loaders' default), the course id, the account id.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas, course_id, account_id = cf.connect_or_sample()
    Using the bundled sample institution (synthetic data): course 1078, account 1001.
    """
    env = environment("course_id", "account_id", "base_url", "token")
    course_id = course_id or env.course_id
    account_id = account_id or env.account_id
    if env.base_url and env.token and course_id:
        canvas = connect()
        print(f"Using your Canvas at {canvas.root_url}: course {course_id}, account {account_id}.")
        return canvas, course_id, account_id
    sample_canvas = sample(quiet=True)  # one notice, the line below: a second, on stderr, looked like an error
    course_id, account_id = sample_canvas.sample_course_id, sample_canvas.sample_account_id
    print(f"Using the bundled sample institution (synthetic data): course {course_id}, account {account_id}.")
    return sample_canvas, course_id, account_id
