"""The asynchronous driver: a restart over an ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx

from restart.drivers._httpx import (
    failure_for,
    procedure_for,
    redactor,
    request_kwargs,
    to_response,
)
from restart.drivers.loop import adrive
from restart.policy import RestartPolicy
from restart.protocol import Response, Send, TransportFailure
from restart.report import Progress, RestartReport
from restart.target import RestartTarget

__all__ = ["async_transport", "run_async"]


def async_transport(
    client: httpx.AsyncClient,
) -> Callable[[Send], Awaitable[Response | TransportFailure]]:
    """Return a transport that performs each Send with ``client`` (within its timeout).

    The client's API key is blanked out of everything the answers bring in.
    """
    redact = redactor(client)

    async def transport(send: Send) -> Response | TransportFailure:
        try:
            answer = await client.request(**request_kwargs(send))
        except httpx.RequestError as exc:
            return failure_for(send, exc, redact)
        return to_response(send, answer, redact)

    return transport


async def run_async(
    client: httpx.AsyncClient,
    target: RestartTarget,
    policy: RestartPolicy | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    on_event: Callable[[Progress], None] | None = None,
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RestartReport:
    """Restart ``target``'s Tentacle through ``client`` and return the report.

    As :func:`restart.drivers.sync.run_sync`, except on cancellation: the created tasks
    are cancelled (shielded, bounded by the cleanup allowance) and CancelledError is
    re-raised; the final ``Outcome: failed: interrupted`` line reaches ``on_event``.

    Raises the typed RestartError that ended the run, or CancelledError.
    """
    procedure = procedure_for(client, target, policy, rng, on_event, wall_clock)
    return await adrive(procedure, async_transport(client), clock=clock, sleep=sleep)
