"""What a sandbox view is given (:class:`Query`, :class:`Request`) and what it may answer besides
JSON (:class:`Reply`, :class:`HTTPAnswer`, :class:`Paged`).

The view modules import these, and :mod:`.routes` imports the view modules, so the types live
here, below both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

__all__ = ["HTTPAnswer", "Paged", "Query", "Reply", "Request"]


class Query(dict[str, str]):
    """A GET's query: the last value of each parameter (as a dict), and every value of one (:meth:`all`)."""

    def __init__(self, lists: Mapping[str, list[str]] | None = None) -> None:
        lists = lists or {}
        super().__init__({k: v[-1] for k, v in lists.items()})
        self.lists = {k: list(v) for k, v in lists.items()}

    def all(self, key: str) -> list[str]:
        return self.lists.get(key, [])


class HTTPAnswer(Exception):
    """Raised inside a view to answer with a status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass(frozen=True)
class Request:
    """What a POST view, or a service's view, gets of the request."""

    path: str
    url: str  # the whole URL as the client asked for it
    headers: Any  # the handler's email.message.Message: a mapping that may repeat a name
    query: dict[str, str]
    body: bytes = b""

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass
class Paged:
    """A list answer the handler serves page by page with Link headers."""

    rows: list


@dataclass
class Reply:
    """A view's whole answer when JSON alone does not say it: a status, headers, a body that is not
    JSON (bytes, sent with the ``Content-Type`` in ``headers``), or what Canvas charges for it.

    ``cost`` replaces the throttle's charge (server time) with a fixed number of units, as
    Canvas's newest controllers charge some actions (the page-view service's).
    """

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    cost: float | None = None
