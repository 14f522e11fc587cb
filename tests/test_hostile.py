"""Hostile servers and hostile configuration against the one HTTP layer: every wait, size and page
count a server chooses is capped, redirects never leave the origin, and no failure is a raw
exception or shows a secret (tests/hostile.py is the server)."""

from __future__ import annotations

import pytest

import canvasframe as cf
from canvasframe import xapi
from canvasframe._http import Limits

from .hostile import HostileServer

TOKEN = "hostile-test-token-9f8e7d6c5b4a"


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


def _canvas(server: HostileServer, **limits) -> cf.Canvas:
    return cf.Canvas(
        server.url, token=TOKEN, backoff=0.01, max_backoff=0.02, retries=1, timeout=(2, 2), limits=Limits(**limits)
    )


@pytest.mark.parametrize("value", ["1e9", "inf", "nan", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_retry_after_is_capped_or_ignored(hostile, value, transport_sleeps):
    """Judged by the waits the transport asked for: never more than the cap, whatever the header says."""
    hostile.hits.clear()
    data, _ = _canvas(hostile, max_retry_after=0.05).request(f"{hostile.url}/api/v1/retry-after?value={value}")
    assert data == [{"ok": True}] and hostile.hits["/retry-after"] == 2
    assert all(0 <= wait <= 0.05 for wait in transport_sleeps)  # uncapped, 1e9 would have been asked for


def test_a_server_that_drips_bytes_hits_the_total_deadline(hostile):
    """Each byte comes well inside the 2 s read timeout, for 200 s: an answer at all means the deadline cut it."""
    with pytest.raises(cf.NetworkError, match=r"deadline \(Limits.deadline\)"):
        _canvas(hostile, deadline=1.0).request(f"{hostile.url}/api/v1/drip")


def test_a_body_that_stalls_mid_way_is_a_network_error(hostile):
    """A read timeout after the headers is the network's fault, as it is before them: retried, then NetworkError."""
    hostile.hits.clear()
    with pytest.raises(cf.NetworkError, match="ReadTimeoutError after 2 attempts"):
        cf.Canvas(hostile.url, token=TOKEN, retries=1, backoff=0.01, timeout=(2, 0.5)).request(
            f"{hostile.url}/api/v1/stall"
        )
    assert hostile.hits["/stall"] == 2


def test_endless_pagination_stops_at_the_page_cap(hostile):
    with pytest.raises(cf.ResponseFormatError, match=r"more than 7 pages"):
        _canvas(hostile, max_pages=7).get_paginated("endless")
    with pytest.raises(cf.ResponseFormatError, match=r"more than 4 pages"):
        xapi.read_statements(xapi.LRS(f"{hostile.url}/xapi", limits=Limits(max_pages=4)))


def test_a_gzip_bomb_is_refused_at_the_size_cap(hostile):
    with pytest.raises(cf.ResponseFormatError, match=r"larger than 1048576 bytes once decompressed"):
        _canvas(hostile, max_body=2**20).request(f"{hostile.url}/api/v1/bomb")


def test_redirects_stay_on_the_origin(hostile):
    canvas = _canvas(hostile)
    assert canvas.request(f"{hostile.url}/api/v1/redirect-same")[0] == [{"ok": True}]
    with pytest.raises(cf.ResponseFormatError, match=r"redirected \(302\) to 'http://127.0.0.2"):
        canvas.request(f"{hostile.url}/api/v1/redirect-other")
    with pytest.raises(cf.ResponseFormatError, match=r"more than 5 redirects"):
        canvas.request(f"{hostile.url}/api/v1/redirect-loop")


def test_a_post_is_never_redirected(hostile):
    """An xAPI statement (with the learner's e-mail) is not re-sent wherever a redirect points."""
    stmt = xapi.statement("ada@example.edu", "experienced", "https://x.test/p")
    hostile.hits.clear()
    with pytest.raises(cf.ResponseFormatError, match=r"redirected \(302\)"):
        xapi.send_to_canvas(f"{hostile.url}/api/v1/redirect-same", stmt, "key", "secret-123456")
    assert hostile.hits["/ok"] == 0


@pytest.mark.parametrize("path", ["huge-report-id", "deep-error"])
def test_hostile_error_bodies_are_typed_errors(hostile, path):
    with pytest.raises(cf.ServerError) as info:
        _canvas(hostile).request(f"{hostile.url}/api/v1/{path}")
    assert info.value.error_report_id is None and len(str(info.value)) < 2000


@pytest.mark.parametrize(
    "token",
    [TOKEN + "\nX-Injected: 1", TOKEN[:10] + " " + TOKEN[10:], TOKEN + "é", TOKEN + "\x00"],
    ids=["line-break", "space", "non-latin-1", "nul"],
)
def test_a_token_that_cannot_be_a_token_is_refused_without_showing_it(token):
    with pytest.raises(cf.ConfigError, match="copy it again") as info:
        cf.Canvas("https://canvas.example.edu", token=token)
    assert TOKEN[:10] not in str(info.value) and "X-Injected" not in str(info.value)


def test_a_callable_token_is_checked_on_every_request(hostile):
    canvas = cf.Canvas(hostile.url, token=lambda: TOKEN + "\r\nX: y", retries=0)
    with pytest.raises(cf.ConfigError, match="token= callable returned") as info:
        canvas.request(f"{hostile.url}/api/v1/ok")
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: cf.Canvas("https://user:hunter2-secret@canvas.example.edu", token=TOKEN),
        lambda: xapi.LRS("https://key:hunter2-secret@lrs.example.edu/xapi"),
    ],
    ids=["canvas", "lrs"],
)
def test_a_url_with_a_password_is_refused_without_showing_it(make):
    with pytest.raises(cf.ConfigError, match=r"user name or password") as info:
        make()
    assert "hunter2" not in str(info.value)


def test_a_known_secret_is_masked_wherever_it_turns_up(hostile):
    """Not only "Bearer ..." or access_token=: the value itself, in any message canvasframe writes."""
    canvas = _canvas(hostile)
    with pytest.raises(cf.NotFound) as info:
        canvas.request(f"{hostile.url}/api/v1/not-here-{TOKEN}")
    assert TOKEN not in str(info.value) and "[secure]" in str(info.value)
    assert TOKEN not in info.value.url


def _chain(error: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _everything_reachable(error: BaseException) -> str:
    """What an error reporter can reach: every exception of the chain, its args, attributes and locals."""
    import traceback

    parts = []
    for exc in _chain(error):
        parts += [repr(exc), str(exc), repr(exc.args), repr(vars(exc))]
    parts += traceback.TracebackException.from_exception(error, capture_locals=True).format()
    return "".join(parts)


@pytest.mark.parametrize("pad", [0, 150, 170, 185, 199])
def test_a_page_that_echoes_the_token_never_shows_it(hostile, pad):
    """Even where the token straddles the cut of the body's snippet, no part of it is shown."""
    with pytest.raises(cf.ResponseFormatError) as info:
        _canvas(hostile).request(f"{hostile.url}/api/v1/echo?pad={pad}")
    reachable = _everything_reachable(info.value)
    assert TOKEN[:10] not in reachable and TOKEN[-10:] not in reachable


@pytest.mark.parametrize("path", ["/api/v1/not-here", "/api/v1/drip", "/api/v1/huge-report-id"])
def test_no_foreign_exception_or_local_variable_holds_the_token(hostile, path):
    """The chain has only canvasframe's errors (a requests exception holds the request's headers),
    and a traceback printed with its locals (pytest --showlocals, %xmode Verbose) shows no token."""
    with pytest.raises(cf.CanvasframeError) as info:
        _canvas(hostile, deadline=0.5).request(f"{hostile.url}{path}")
    assert all(isinstance(e, cf.CanvasframeError) for e in _chain(info.value))
    assert TOKEN not in _everything_reachable(info.value)


def test_a_refused_connection_carries_no_requests_exception():
    canvas = cf.Canvas("http://127.0.0.1:9", token=TOKEN, retries=0, timeout=(1, 1))
    with pytest.raises(cf.NetworkError) as info:
        canvas.request("http://127.0.0.1:9/api/v1/courses")
    assert _chain(info.value) == [info.value] and TOKEN not in _everything_reachable(info.value)


@pytest.mark.parametrize("name", ["access%5Ftoken=", "access_token%3D", "ACCESS_TOKEN=", "x=1&access_token="])
def test_a_link_carrying_a_credential_is_refused_and_never_logged(hostile, caplog, name):
    import logging

    caplog.set_level(logging.DEBUG)  # urllib3's request lines too
    with pytest.raises(cf.ConfigError, match="credential") as info:
        _canvas(hostile).get_paginated(f"leaky-next?name={name.replace('%', '%25').replace('&', '%26')}")
    assert "leaked-credential-4711" not in caplog.text and "leaked-credential-4711" not in str(info.value)
    assert hostile.hits["/ok"] == 0  # never sent


def test_a_same_origin_redirect_keeps_the_query_asked_for(hostile):
    """GET /conversations/:id?auto_mark_as_read=false, redirected, still says it (or it would mark it read)."""
    canvas = _canvas(hostile)
    answer, _ = canvas.request(f"{hostile.url}/api/v1/redirect-to-echo", {"auto_mark_as_read": "false"})
    assert answer == {"auto_mark_as_read": "false"}


@pytest.mark.parametrize("service", ["Canvas", "the LRS"])
def test_a_server_that_drips_its_headers_hits_the_total_deadline(hostile, service):
    """The read timeout restarts with every byte; the deadline covers the status line and headers too.

    Judged by what happened, not by a clock: the server sends a byte every 0.2 s for 40 s, so an
    answer at all means the call was cut off, and only the deadline can have done it.
    """
    if service == "Canvas":
        call = lambda: _canvas(hostile, deadline=1.0).request(f"{hostile.url}/api/v1/drip-headers")  # noqa: E731
    else:
        lrs = xapi.LRS(f"{hostile.url}/api/v1/drip-headers-lrs", auth=("k", "s3cret-lrs"), limits=Limits(deadline=1.0))
        call = lambda: xapi.read_statements(lrs)  # noqa: E731
    with pytest.raises(cf.NetworkError, match=r"Limits\.deadline") as info:
        call()
    assert info.value.service == service
