"""A small hostile HTTP server for tests: it answers as a broken or malicious server would.

Each path is one attack; ``/ok`` answers normally. It runs on 127.0.0.1 (port 0) in a
thread, like the sandbox, and counts the requests each path received.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOMB = gzip.compress(b"0" * (64 * 2**20), compresslevel=9)  # 64 MiB of zeros in about 64 KiB


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, byte: bytes, times: int) -> None:
        """One byte every 0.2 s, each well inside any read timeout, until the client hangs up."""
        for _ in range(times):
            try:
                self.wfile.write(byte)
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), headers)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/api/v1")
        with self.server.lock:
            self.server.hits[path] += 1
            hits = self.server.hits[path]
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if path == "/ok":
            self._json(200, [{"ok": True}])
        elif path == "/retry-after":  # throttled once, asking for an absurd or broken wait
            if hits == 1:
                self._send(429, b"429 Too Many Requests (Rate Limit Exceeded)", {"Retry-After": query["value"]})
            else:
                self._json(200, [{"ok": True}])
        elif path == "/drip":  # one byte at a time, each well inside the read timeout
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self._drip(b" ", 1000)
        elif path in ("/drip-headers", "/drip-headers-lrs/statements"):  # headers byte by byte, never a body
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._drip(b"X", 200)
        elif path == "/stall":  # half the body, then silence past the read timeout
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "20")
            self.end_headers()
            self.wfile.write(b'[{"ok": ')
            self.wfile.flush()
            time.sleep(3)
        elif path == "/endless":  # a new next link on every page
            page = int(query.get("page", 1))
            self._json(200, [{"page": page}], {"Link": f'<{base}/api/v1/endless?page={page + 1}>; rel="next"'})
        elif path == "/bomb":
            self._send(200, BOMB, {"Content-Encoding": "gzip"})
        elif path == "/redirect-same":
            self._send(302, b"", {"Location": "/api/v1/ok"})
        elif path == "/redirect-loop":
            self._send(302, b"", {"Location": "/api/v1/redirect-loop"})
        elif path == "/redirect-other":  # another origin: 127.0.0.2 is this machine, but not this host
            self._send(302, b"", {"Location": f"http://127.0.0.2:{self.server.server_address[1]}/api/v1/ok"})
        elif path == "/huge-report-id":
            self._send(500, b'{"errors": [{"message": "boom"}], "error_report_id": 1e400}')
        elif path == "/deep-error":
            self._send(500, b"[" * 200_000 + b"]" * 200_000)
        elif path == "/echo":  # a 200 HTML page (a login page, a proxy) that shows what it was sent
            shown = self.headers.get("Authorization", "")
            html_page = f"<html><body>{'x' * int(query.get('pad', 0))}{shown} is not welcome here</body></html>"
            self._send(200, html_page.encode(), {"Content-Type": "text/html"})
        elif path == "/leaky-next":  # a next link that carries a credential, percent-encoded
            link = f"{base}/api/v1/ok?{query.get('name', 'access%5Ftoken=')}leaked-credential-4711"
            self._json(200, [{"page": 1}], {"Link": f'<{link}>; rel="next"'})
        elif path == "/redirect-to-echo":  # a same-origin redirect whose Location carries no query
            self._send(302, b"", {"Location": "/api/v1/echo-query"})
        elif path == "/echo-query":
            self._json(200, query)
        elif path == "/login/oauth2/token":  # an LTI token endpoint answering what the test set
            self._json(200, self.server.token_answer)
        elif path == "/async":  # a background job ...
            self._json(200, {"progress_url": f"{base}/api/v1/progress-failed"})
        elif path == "/progress-failed":  # ... that fails with a message that is not text
            self._json(200, {"workflow_state": "failed", "message": {"errors": ["disk full"], "code": 7}})
        elif path == "/odd-lrs/statements":  # an LRS page whose more link is an object
            self._json(200, {"statements": [], "more": {"href": "/next"}})
        elif path in ("/xapi/statements", "/more"):  # an LRS whose more link never ends
            n = int(query.get("n", 0))
            self._json(200, {"statements": [], "more": f"/more?n={n + 1}"})
        else:
            self._json(404, {"errors": [{"message": "The specified resource does not exist."}]})


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.token_answer: object = {}  # what /login/oauth2/token answers
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
