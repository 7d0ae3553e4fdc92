"""The direct driver: a restart against an in-process octosim simulation, with no HTTP.

Requests go straight to the simulation's routes (``octosim.delivery.deliver``, so the
scenario's faults still apply) and answers come back as the JSON value the route built,
never serialised. Time is the simulation's virtual clock. This is what makes Monte Carlo
validation of thousands of restarts cheap; the procedure is the same one the httpx
drivers run.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from restart.drivers.loop import drive, logging_sink
from restart.policy import RestartPolicy
from restart.procedure import RestartProcedure
from restart.protocol import Response, Send, TransportFailure
from restart.report import Progress, RestartReport
from restart.target import RestartTarget

if TYPE_CHECKING:
    from octosim.simulation import Simulation
    from restart.drivers.loop import Procedure

__all__ = ["direct_transport", "drive_direct", "run_direct"]


def direct_transport(sim: Simulation) -> Callable[[Send], Response | TransportFailure]:
    """Return a transport that hands each Send to ``sim`` as an API request with its key."""
    from octosim.api.messages import ApiRequest
    from octosim.delivery import Lost, deliver

    key = sim.api_key or ""

    def transport(send: Send) -> Response | TransportFailure:
        request = send.request
        headers = {"x-octopus-apikey": key}
        body = b""
        if request.json is not None:
            body = json.dumps(request.json).encode()
        if request.content_type is not None:
            headers["content-type"] = request.content_type
        answer = deliver(
            sim.parts,
            ApiRequest(request.method, request.path, request.params, headers, body),
            send.timeout,
        )
        if isinstance(answer, Lost):
            return TransportFailure(
                "connect" if answer.kind == "connect" else "timeout", answer.message
            )
        data = answer.data
        text = "" if data is not None else answer.content.decode("utf-8", "replace")
        return Response(answer.status, answer.headers, data, text)

    return transport


def run_direct(
    sim: Simulation,
    target: RestartTarget,
    policy: RestartPolicy | None = None,
    *,
    rng: random.Random | None = None,
    on_event: Callable[[Progress], None] | None = None,
    raise_errors: bool = True,
) -> RestartReport:
    """Restart ``target``'s Tentacle inside ``sim`` and return the report.

    Raises the report's typed error (ConfigurationError, AuthenticationError, NotFoundError,
    ServerError) when one ended the run and ``raise_errors``.
    """
    procedure = RestartProcedure(
        target,
        policy,
        rng=rng,
        web_base_url=sim.base_url,
        on_progress=logging_sink(on_event) if on_event is not None else None,
        wall_clock=sim.clock.wall,
    )
    return drive_direct(sim, procedure, raise_errors=raise_errors)


def drive_direct(
    sim: Simulation, procedure: Procedure, *, raise_errors: bool = True
) -> RestartReport:
    """Run any restart procedure (the procedure or the seed port) inside ``sim``."""
    return drive(
        procedure,
        direct_transport(sim),
        clock=sim.clock.now,
        sleep=sim.clock.sleep,
        raise_errors=raise_errors,
    )
