"""The driver loop, once, for every edge: perform each action until ``Finish``.

A transport is a function from :class:`~restart.protocol.Send` to the event (a
:class:`~restart.protocol.Response` or :class:`~restart.protocol.TransportFailure`). It must
honour ``send.timeout`` and must not raise for transport problems: it reports them as a
TransportFailure, so the procedure can retry, and clean up if it gives up.

A direct in-process driver is then a few lines::

    def run_direct(sim, target, policy=None, *, rng=None):
        proc = RestartProcedure(target, policy, rng=rng, web_base_url=sim.base_url)
        def transport(send: Send) -> Response:
            answer = sim.handle(send.request)  # the simulator's API, no HTTP
            return Response(answer.status, answer.headers, answer.data)
        return drive(proc, transport, clock=sim.clock.now, sleep=sim.clock.sleep)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from restart._stepper import ProtocolError
from restart.protocol import Action, Event, Finish, Response, Send, TransportFailure
from restart.report import Progress, RestartReport

__all__ = ["Procedure", "adrive", "drive", "logging_sink", "raise_for_error"]

_log = logging.getLogger("restart")
_LOG_LEVELS = {"warning": logging.WARNING, "error": logging.WARNING, "verbose": logging.DEBUG}


class Procedure(Protocol):
    """What a driver runs: :class:`~restart.procedure.RestartProcedure` or
    :class:`~restart.seedport.SeedScript`."""

    def start(self, now: float) -> Action:
        """Begin at ``now``; return the first action."""
        ...

    def send(self, event: Event, now: float) -> Action:
        """Hand in the pending action's result at ``now``; return the next action."""
        ...

    def cancel(self, now: float) -> Action:
        """Interrupt at ``now``; return the first cleanup action (or Finish)."""
        ...


def logging_sink(
    on_event: Callable[[Progress], None] | None,
) -> Callable[[Progress], None]:
    """Return a progress callback that logs each line to the ``restart`` logger (INFO,
    WARNING for warnings and errors, DEBUG for the verbose request and retry lines) and
    then calls ``on_event``, if given."""

    def sink(progress: Progress) -> None:
        level = _LOG_LEVELS.get(progress.level, logging.INFO)
        _log.log(level, "%s%s", progress.text, f" {progress.link}" if progress.link else "")
        if on_event is not None:
            on_event(progress)

    return sink


def raise_for_error(report: RestartReport) -> RestartReport:
    """Return ``report``, or raise its typed error when one ended the run (the error's
    ``.report`` is the report)."""
    if report.error is not None:
        raise report.error
    return report


def drive(
    procedure: Procedure,
    transport: Callable[[Send], Response | TransportFailure],
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    raise_errors: bool = True,
) -> RestartReport:
    """Run ``procedure`` to the end with ``transport``, ``clock`` and ``sleep``.

    On KeyboardInterrupt (``start`` included) the procedure is cancelled and its cleanup
    (bounded by the policy's cleanup allowance) is driven to the end; the report
    (``interrupted=True``, outcome ``failed``) is then *returned*, not re-raised, so the
    caller can show what was cleaned up. A second Ctrl-C during cleanup propagates at once,
    as does one before ``start`` began the run (the procedure refuses ``cancel`` then).

    Returns the report. Raises the report's typed error (a
    :class:`~restart.errors.RestartError`) when ``raise_errors`` and one ended the run.
    """
    action: Action
    try:
        action = procedure.start(clock())
        action = _run(procedure, action, transport, clock, sleep)
    except KeyboardInterrupt as interrupt:
        try:
            cleanup = procedure.cancel(clock())
        except ProtocolError:  # interrupted before start() began the run: nothing to report
            raise interrupt from None
        action = _run(procedure, cleanup, transport, clock, sleep)
    assert isinstance(action, Finish)
    return raise_for_error(action.report) if raise_errors else action.report


def _run(
    procedure: Procedure,
    action: Action,
    transport: Callable[[Send], Response | TransportFailure],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Finish:
    while not isinstance(action, Finish):
        event: Event
        if isinstance(action, Send):
            event = transport(action)
        else:
            sleep(action.seconds)
            event = None
        action = procedure.send(event, clock())
    return action


async def adrive(
    procedure: Procedure,
    transport: Callable[[Send], Awaitable[Response | TransportFailure]],
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    raise_errors: bool = True,
) -> RestartReport:
    """Run ``procedure`` to the end, awaiting ``transport`` and ``sleep``.

    On cancellation (``task.cancel()``, ``asyncio.timeout``, Ctrl-C under ``asyncio.run``)
    the procedure is cancelled and its cleanup runs to the end, shielded from further
    cancellation (it is bounded by the policy's cleanup allowance); then CancelledError is
    re-raised, as asyncio requires. The report is lost with it, but its last progress line
    (``Outcome: failed: interrupted ...``) reaches ``on_event``.

    Returns the report. Raises the report's typed error when ``raise_errors`` and one
    ended the run; CancelledError when cancelled.
    """
    action = procedure.start(clock())
    try:
        action = await _arun(procedure, action, transport, clock, sleep)
    except asyncio.CancelledError:
        cleanup = asyncio.ensure_future(
            _arun(procedure, procedure.cancel(clock()), transport, clock, sleep)
        )
        while not cleanup.done():
            try:
                await asyncio.shield(cleanup)
            except asyncio.CancelledError:
                continue  # cancelled again: the cleanup is bounded, so let it finish
        cleanup.result()
        raise
    assert isinstance(action, Finish)
    return raise_for_error(action.report) if raise_errors else action.report


async def _arun(
    procedure: Procedure,
    action: Action,
    transport: Callable[[Send], Awaitable[Response | TransportFailure]],
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> Finish:
    while not isinstance(action, Finish):
        event: Event
        if isinstance(action, Send):
            event = await transport(action)
        else:
            await sleep(action.seconds)
            event = None
        action = procedure.send(event, clock())
    return action
