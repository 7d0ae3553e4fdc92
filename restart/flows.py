"""A sans-IO procedure as an engine flow: a restart run *inside* a simulation, in virtual time.

The direct driver (:mod:`restart.drivers.direct`) runs a procedure from outside the
simulation: each Sleep advances the clock. Inside a task (a deployment's Python step action,
:mod:`restart.step_actions`) nothing may advance the clock: the engine is already running
the clock's events, and the task's flow must *yield* what it waits for. So here each action
of the procedure becomes part of a flow (:mod:`octosim.model.executors`):

- a ``Send`` is delivered in-process to the simulated API at the current virtual time,
  through the fault plan as every edge delivers it (:func:`octosim.delivery.decide`,
  ``arrive``, ``answer``); the time a fault makes the client wait (latency, a read timeout)
  becomes a :class:`~octosim.model.executors.Delay`;
- a ``Sleep`` becomes a ``Delay``.

The tasks the procedure creates (AdHocScript, Health) therefore go through the same queue
and task cap as the task whose flow runs it. Usage, inside any flow::

    server = SimulatedServer(sim.parts, sim.api_key)
    driven = ProcedureRun(RestartProcedure(target), server, run.clock)
    run.on_cancel(driven.cancel)      # a cancelled task still cleans up after the client
    report = yield from driven.flow()

:func:`drive_on_clock` runs such a flow with no task at all, on the clock's own events
(what :meth:`ProcedureRun.cancel` uses for the cleanup; a scheduler of many clients can do
the same).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from octosim.delivery import answer, arrive, decide
from octosim.model.executors import Delay, TaskRun
from restart.drivers.inprocess import to_api_request, to_event
from restart.protocol import Action, Event, Finish, Response, Send, TransportFailure

if TYPE_CHECKING:
    from octosim.clock import VirtualClock
    from octosim.delivery import ServerParts
    from octosim.simulation import Simulation
    from restart.drivers.loop import Procedure
    from restart.report import RestartReport

__all__ = ["DelayFlow", "ProcedureRun", "SimulatedServer", "drive_on_clock"]

T = TypeVar("T")
#: A flow that waits only for time passing: it runs inside a task (any flow may yield a
#: Delay) or on the clock alone (:func:`drive_on_clock`).
DelayFlow = Generator[Delay, Any, T]


@dataclass(frozen=True)
class SimulatedServer:
    """Where a procedure's requests go: a simulation's parts (routes, fault plan, clock) and
    the API key sent with each request."""

    parts: ServerParts
    api_key: str
    #: Opens a block in which the tasks a request queues are the children of a running
    #: task (the engine's ``on_behalf_of``): what the task-cap deadlock watch judges on.
    behalf: Callable[[], AbstractContextManager[object]] | None = None

    @classmethod
    def of(cls, sim: Simulation, api_key: str | None = None) -> SimulatedServer:
        """The server of ``sim``, with ``api_key`` (default: the simulation's own)."""
        return cls(sim.parts, api_key if api_key is not None else sim.api_key)

    def with_key(self, api_key: str) -> SimulatedServer:
        """The same server, asked with another API key."""
        return replace(self, api_key=api_key)

    def on_behalf_of(self, run: TaskRun) -> SimulatedServer:
        """The same server, its requests made from inside ``run``'s task: the tasks they
        queue are that task's children."""
        return replace(self, behalf=lambda: run.engine.on_behalf_of(run.task))

    def exchange(self, send: Send) -> DelayFlow[Response | TransportFailure]:
        """Deliver ``send`` now; wait (yield a Delay) as long as a fault makes the client
        wait; return the Response, or the TransportFailure of a lost answer."""
        parts = self.parts
        request = to_api_request(send, self.api_key)
        fate = decide(parts, request, send.timeout)
        with self._behalf():
            arrived = arrive(parts, fate, request)
        if fate.wait is not None:
            yield Delay(fate.wait)
        with self._behalf():
            return to_event(answer(parts, fate, request, arrived))

    def _behalf(self) -> AbstractContextManager[object]:
        return self.behalf() if self.behalf is not None else nullcontext()


class ProcedureRun:
    """One procedure (the restart client's, or the recipe's port) driven against a
    :class:`SimulatedServer` in virtual time.

    :meth:`flow` is the run as a flow; it returns the report (also kept as
    :attr:`report`). If the task running the flow is cancelled, the flow is never resumed:
    :meth:`cancel` then cancels the procedure, so its cleanup (cancelling the tasks it
    created) still runs, on the clock's own events. Closing the flow (a step's execution
    timeout) does the same.
    """

    def __init__(self, procedure: Procedure, server: SimulatedServer,
                 clock: VirtualClock) -> None:
        self.procedure = procedure
        self.server = server
        self.clock = clock
        #: The verdict, once the procedure finished (by itself or after :meth:`cancel`).
        self.report: RestartReport | None = None
        self._started = False
        self._cancelled = False

    def flow(self) -> DelayFlow[RestartReport]:
        """Run the procedure to its end; return its report. Closed before that (the step
        running it cancelled by its execution timeout), it cancels the procedure, as a
        cancelled task does."""
        self._started = True
        try:
            return (yield from self._drive(self.procedure.start(self.clock.now())))
        except GeneratorExit:
            self.cancel()
            raise

    def cancel(self) -> None:
        """The flow will not be resumed (its task was cancelled): interrupt the procedure
        and drive its cleanup on the clock. Does nothing before the flow started, after the
        procedure finished, or a second time."""
        if not self._started or self.report is not None or self._cancelled:
            return
        self._cancelled = True
        # Not now: this is called from inside the engine's cancel (perhaps an API request
        # being handled); the cleanup's own requests come after it, at the same instant.
        self.clock.call_later(0, self._clean_up)

    def _clean_up(self) -> None:
        first = self.procedure.cancel(self.clock.now())
        drive_on_clock(self._drive(first), self.clock)

    def _drive(self, action: Action) -> DelayFlow[RestartReport]:
        procedure, server, clock = self.procedure, self.server, self.clock
        while not isinstance(action, Finish):
            event: Event
            if isinstance(action, Send):
                event = yield from server.exchange(action)
            else:
                yield Delay(action.seconds)
                event = None
            action = procedure.send(event, clock.now())
        self.report = action.report
        return action.report


def drive_on_clock(flow: DelayFlow[T], clock: VirtualClock,
                   done: Callable[[T], object] | None = None) -> None:
    """Run ``flow`` on ``clock`` with no task: its first step now, each Delay as a clock
    event; call ``done`` with what it returns.

    Raises TypeError (from the step that yielded it) for a wait other than a Delay: only
    a task's flow can wait for scripts, contacts or other flows.
    """

    def step(value: object) -> None:
        try:
            wait = flow.send(value)
        except StopIteration as stop:
            if done is not None:
                done(stop.value)
            return
        if not isinstance(wait, Delay):
            flow.close()
            raise TypeError(f"drive_on_clock runs flows that yield only Delay, not {wait!r}; "
                            "run this flow as a task's flow instead")
        clock.call_later(max(0.0, wait.seconds), lambda: step(None))

    step(None)
