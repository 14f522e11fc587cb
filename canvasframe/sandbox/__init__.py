"""A faithful local Canvas for demos, notebooks and tests.

It generates a seeded synthetic institution (:class:`Institution`) and serves
Canvas's Analytics API for it over real HTTP (:class:`SandboxServer`), with
Link pagination, string ids, async jobs, each user's request-level page views (the
30-day list and the asynchronous history API), Canvas's leaky-bucket throttle and
fault injection. It shares no code with the client or the transforms.
"""

from .faults import FaultPlan
from .institution import Config, Institution
from .server import DEFAULT_TOKEN, SAMPLE_COST_SCALE, SandboxServer, SandboxSettings
from .throttle import ThrottleConfig

__all__ = [
    "DEFAULT_TOKEN",
    "SAMPLE_COST_SCALE",
    "Config",
    "FaultPlan",
    "Institution",
    "SandboxServer",
    "SandboxSettings",
    "ThrottleConfig",
]
