"""A faithful local Canvas for demos, notebooks and tests.

It generates a seeded synthetic institution (:class:`Institution`) and serves
Canvas's Analytics API for it over real HTTP (:class:`SandboxServer`), with
Link pagination, string ids, async jobs, Canvas's leaky-bucket throttle and
fault injection. It shares no code with the client or the transforms.
"""

from .faults import FaultPlan
from .institution import Config, Institution
from .server import DEFAULT_TOKEN, SandboxServer, SandboxSettings
from .throttle import ThrottleConfig

__all__ = [
    "DEFAULT_TOKEN",
    "Config",
    "FaultPlan",
    "Institution",
    "SandboxServer",
    "SandboxSettings",
    "ThrottleConfig",
]
