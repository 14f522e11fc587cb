"""The sandbox server's lifecycle: what it serves, where it listens, starting and stopping.

What a request gets is decided in :mod:`.handler` (the order of checks) and
:mod:`.routes` (which view answers which path), both from the :mod:`.state` this server
holds; background jobs are :mod:`.jobs`.

>>> from canvasframe.sandbox import SandboxServer
>>> with SandboxServer() as server:
...     server.url.startswith("http://127.0.0.1:"), server.token
(True, 'sandbox-token')
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

from .faults import FaultPlan
from .handler import Handler
from .institution import Config, Institution
from .state import DEFAULT_TOKEN, SAMPLE_COST_SCALE, STUDENT_TOKEN, SandboxSettings, SandboxState
from .throttle import ThrottleConfig

__all__ = ["DEFAULT_TOKEN", "SAMPLE_COST_SCALE", "STUDENT_TOKEN", "SandboxServer", "SandboxSettings"]


class SandboxServer(SandboxState):
    """A local Canvas serving one :class:`Institution` over real HTTP.

    Parameters
    ----------
    institution : Institution, optional
        What to serve; generated from ``config`` when not given.
    host, port : str, int
        Where to listen; ``port=0`` picks a free port. Binds to loopback unless told otherwise.
    tokens : dict, optional
        token -> role; role ``"admin"`` sees everything, ``"no-analytics"`` gets 403.
    throttle : ThrottleConfig, optional
        Canvas's leaky bucket (on by default with Canvas's parameters).
    faults : FaultPlan, optional
        Injected failures.
    settings : SandboxSettings, optional
        Response shape, page-view buckets, server time, async behaviour.
    """

    def __init__(
        self,
        institution: Institution | None = None,
        *,
        config: Config | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict[str, str] | None = None,
        throttle: ThrottleConfig | None = None,
        faults: FaultPlan | None = None,
        settings: SandboxSettings | None = None,
    ) -> None:
        super().__init__(institution, config=config, tokens=tokens, throttle=throttle, faults=faults, settings=settings)
        handler = type("Handler", (Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound = str(self._httpd.server_address[0])
        self.url = f"http://{'[' + bound + ']' if ':' in bound else bound}:{self.port}"

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="canvasframe-sandbox", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
