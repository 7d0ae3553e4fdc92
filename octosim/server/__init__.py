"""The simulator over real HTTP, for clients that are not Python (PowerShell, curl, Go, ...).

:class:`SimulatorApp` (:mod:`octosim.server.app`) is an ASGI application serving one
:class:`~octosim.simulation.Simulation` (:mod:`octosim.server.wire`: a request's parts
read off ASGI, answers and dropped connections written to it); :class:`LiveServer`
(:mod:`octosim.server.lifecycle`) runs it with uvicorn on a loopback address
(:mod:`octosim.server.hosts`), in a background thread (tests) or the calling thread
(``octosim serve``). docs/serve.md has the whole story and the server's limits.
"""

from octosim.options import DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE
from octosim.server.app import BODY_CEILING, SimulatorApp
from octosim.server.hosts import NonLoopbackError, check_host
from octosim.server.lifecycle import LiveServer

__all__ = ["BODY_CEILING", "DEFAULT_IDLE_TIMEOUT", "DEFAULT_KEEP_ALIVE", "LiveServer",
           "NonLoopbackError", "SimulatorApp", "check_host"]
