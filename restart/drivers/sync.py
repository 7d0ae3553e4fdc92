"""The synchronous driver: a restart over an ``httpx.Client``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from restart.drivers._httpx import (
    failure_for,
    procedure_for,
    redactor,
    request_kwargs,
    to_response,
)
from restart.drivers.loop import drive
from restart.policy import RestartPolicy
from restart.protocol import Response, Send, TransportFailure
from restart.report import Progress, RestartReport
from restart.target import RestartTarget

__all__ = ["run_sync", "sync_transport"]


def sync_transport(client: httpx.Client) -> Callable[[Send], Response | TransportFailure]:
    """Return a transport that performs each Send with ``client`` (within its timeout).

    The client's API key is blanked out of everything the answers bring in.
    """
    redact = redactor(client)

    def transport(send: Send) -> Response | TransportFailure:
        try:
            answer = client.request(**request_kwargs(send))
        except httpx.RequestError as exc:
            return failure_for(send, exc, redact)
        return to_response(send, answer, redact)

    return transport


def run_sync(
    client: httpx.Client,
    target: RestartTarget,
    policy: RestartPolicy | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_event: Callable[[Progress], None] | None = None,
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RestartReport:
    """Restart ``target``'s Tentacle through ``client`` and return the report.

    ``client`` must have ``base_url`` set to the Octopus server and carry the API key in
    its ``X-Octopus-ApiKey`` header (:func:`restart.client.octopus_client` makes one).
    ``clock``/``sleep`` are the only time sources (pass a virtual clock's to simulate);
    ``rng`` draws backoff jitter and the run token; ``on_event`` receives progress lines,
    which are also logged to the ``restart`` logger. ``wall_clock`` (UTC) dates the report's
    moments; pass a simulation's virtual wall clock (``sim.clock.wall``) with its ``clock``.

    Ctrl-C cancels the tasks the run created, then *returns* the report with
    ``interrupted=True`` and outcome ``failed`` (a second Ctrl-C propagates at once).

    Raises ConfigurationError, AuthenticationError (PermissionDeniedError), NotFoundError
    or ServerError when one ends the run (``err.report`` holds the report).
    """
    procedure = procedure_for(client, target, policy, rng, on_event, wall_clock)
    return drive(procedure, sync_transport(client), clock=clock, sleep=sleep)
