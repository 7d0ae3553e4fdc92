"""The direct driver: a restart against an in-process octosim simulation, with no HTTP.

Requests go straight to the simulation's routes (``octosim.delivery.deliver``, so the
scenario's faults still apply) and answers come back as the JSON value the route built,
never serialised. Time is the simulation's virtual clock. This is what makes Monte Carlo
validation of thousands of restarts cheap; the procedure is the same one the httpx
drivers run.
"""

from __future__ import annotations

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
    from octosim.delivery import deliver
    from restart.drivers.inprocess import to_api_request, to_event

    key = sim.api_key or ""

    def transport(send: Send) -> Response | TransportFailure:
        return to_event(deliver(sim.parts, to_api_request(send, key), send.timeout))

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
