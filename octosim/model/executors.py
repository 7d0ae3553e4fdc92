"""Task executors: what a task of each type does while it is Executing. Pluggable.

An executor has a ``name`` (the task type, ``Health``), a default ``description``, a
``validate`` that returns a create request's ``Arguments`` normalised (or raises
:class:`ArgumentError` listing every problem), and an ``execute`` that returns a *flow*: a
generator that does the task's work and **yields what it waits for**. The engine drives it
in virtual time, as ``restart/drivers/loop.py`` drives the restart procedure: it starts the
wait, and sends the wait's result back into the generator when it comes. What a flow
returns ends the task: ``None`` is Success, a string is Failed with that ErrorMessage.

What a flow can wait for (each is a :class:`Wait`):

- :class:`Delay` ``(seconds)``: time passing; resumes with None.
- :class:`Forever` ``()``: nothing; the task runs until it is cancelled.
- :class:`AllOf` ``(flows)``: several flows side by side (one per target); resumes with the
  list of their results, in the order given, once every one has returned.
- :class:`FirstOf` ``(waits or flows)``: a race; resumes with ``(index, result)`` of the
  first to finish, and stops the others.
- :class:`Subflow` ``(flow)``: a flow as one wait (``yield from flow`` as an object).
- the Tentacle toolkit's waits, :class:`~octosim.model.contact.Contact` (Halibut reaching a
  Tentacle) and :class:`~octosim.model.scripting.ScriptRun` (a script run on a target).

A flow composes others with ``yield from`` (one after the other) or the two combinators
(side by side), so a deployment (steps × targets × rolling windows) is written as plain
code, with no callbacks. An executor that waits for ten seconds and fails one time in ten::

    @dataclass
    class Flaky:
        name: str = "Flaky"
        description: str = "A task that sometimes fails"

        def validate(self, arguments, space_id, world):
            return dict(arguments)

        def execute(self, run):
            fails = run.rng.random() < 0.1  # the stream of task type Flaky
            run.log("Working")
            yield Delay(10)
            return "It failed." if fails else None

Executors written before flows (``start(run)`` scheduling callbacks) are still accepted:
:mod:`octosim.model.callbacks` adapts them.

Cancelling a task stops whatever its flow waits on (timers, contacts, the flows inside an
:class:`AllOf`) and the flow is never resumed, so executors need no cancellation
bookkeeping of their own.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Generator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from octosim.clock import ScheduledCall, VirtualClock
from octosim.journal import Journal, Kind
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement, LogCategory, Task

if TYPE_CHECKING:
    from octosim.model.randomness import Streams
    from octosim.model.world import World

__all__ = [
    "AllOf",
    "ArgumentError",
    "Delay",
    "Executor",
    "FirstOf",
    "Flow",
    "Forever",
    "Resume",
    "Subflow",
    "TaskHost",
    "TaskRun",
    "Wait",
    "drive",
]

#: A generator that yields what it waits for and returns its result.
Flow = Generator["Wait", Any, Any]
#: Asked on every resumption of every wait (TaskRun.finished): on Python 3.11 reading a
#: member off its enum class goes through EnumType.__getattr__'s hook each time.
_EXECUTING = TaskState.Executing

#: What a wait calls, once, with its result.
Resume = Callable[[Any], None]


class ArgumentError(ValueError):
    """A create request whose ``Arguments`` are wrong; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Executor(Protocol):
    """What a task type does. ``name`` is the task type (``Health``, ``AdHocScript``)."""

    name: str
    description: str  # default Description of a task created without one

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return ``arguments`` normalised (echoed back by the API); raise ArgumentError."""
        ...

    def execute(self, run: TaskRun) -> Flow:
        """Return the flow that executes ``run.task``; what it returns ends the task
        (None: Success; a string: Failed with that ErrorMessage)."""
        ...


class TaskHost(Protocol):
    """What a run needs of the engine that runs it (a
    :class:`~octosim.model.engine.TaskEngine` is one)."""

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def world(self) -> World: ...

    @property
    def streams(self) -> Streams: ...

    @property
    def executors(self) -> Mapping[str, Executor]: ...

    def complete(self, task: Task, *, succeeded: bool, error_message: str = "") -> None: ...

    def create(
        self,
        space_id: str,
        name: str,
        arguments: Mapping[str, Any],
        *,
        description: str | None = None,
        queue_time: float | None = None,
        queue_time_expiry: float | None = None,
        rerun_of: str | None = None,
    ) -> Task: ...

    def on_behalf_of(self, task: Task) -> AbstractContextManager[Task]: ...


class TaskRun:
    """One execution of one task: the executor's handle on time, randomness and the log."""

    def __init__(self, engine: TaskHost, task: Task) -> None:
        self.engine = engine
        self.task = task
        self._calls: list[ScheduledCall] = []
        self._cancel_hooks: list[Callable[[], None]] = []
        self._end_hooks: list[Callable[[], None]] = []
        self.step: ActivityElement = task.log
        #: The simulation's clock.
        self.clock: VirtualClock = engine.clock
        #: The world the task runs in.
        self.world: World = engine.world
        #: The simulation's journal.
        self.journal: Journal = engine.journal

    @property
    def rng(self) -> random.Random:
        """The random stream of this task's type (``"task", task.name``): what an executor
        draws from unless its draws belong to another purpose (:meth:`stream`).

        Made when first drawn from, not when the run starts: seeding one costs about 1% of
        a whole simulated restart, and most task types never draw from theirs (a health
        check draws per machine, a script from its agent)."""
        return self.engine.streams.stream("task", self.task.name)

    def stream(self, *purpose: str) -> random.Random:
        """Return the simulation's random stream for ``purpose`` (e.g. ``"health",
        machine.id``), so draws for one purpose never shift another's."""
        return self.engine.streams.stream(*purpose)

    @property
    def finished(self) -> bool:
        """True once the task has left Executing (completed or being cancelled)."""
        return self.task.state is not _EXECUTING

    def call_later(self, delay: float, callback: Callable[[], object]) -> ScheduledCall:
        """Schedule ``callback`` in ``delay`` seconds, unless the task is cancelled first."""
        def guarded() -> None:
            if not self.finished:
                callback()
        call = self.clock.call_later(max(0.0, delay), guarded)
        self._calls.append(call)
        return call

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` if the task is cancelled while executing."""
        self._cancel_hooks.append(hook)

    def on_end(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` right after the task ends by its flow returning (its execution
        slot already free; not when it is cancelled)."""
        self._end_hooks.append(hook)

    def log(self, message: str, category: LogCategory = LogCategory.Info,
            element: ActivityElement | None = None) -> None:
        """Write a line to the task's activity log (the current step unless ``element``)."""
        (element or self.step).write(self.clock.now(), message, category)

    def note(self, kind: Kind, text: str, subject: str | None = None) -> None:
        """Record ``text`` in the journal at the current virtual time."""
        self.journal.record(self.clock.now(), kind, text, subject or self.task.id)

    def succeed(self) -> None:
        """End the task in Success (no-op if it already left Executing)."""
        if not self.finished:
            self.engine.complete(self.task, succeeded=True)

    def fail(self, error_message: str) -> None:
        """End the task in Failed with ``error_message`` (no-op if it already left Executing)."""
        if not self.finished:
            self.engine.complete(self.task, succeeded=False, error_message=error_message)

    def cancelled(self) -> None:
        """Called by the engine on cancel: drop pending work and run the cancel hooks."""
        for call in self._calls:
            call.cancel()
        for hook in self._cancel_hooks:
            hook()


# -- what a flow waits for ------------------------------------------------------------------------
class Wait(Protocol):
    """Something a flow waits for. ``begin`` starts waiting, calls ``resume(result)`` once
    when it is over (possibly at once, before ``begin`` returns), and returns a function
    that stops the wait (after which ``resume`` is never called)."""

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Start waiting during ``run``; return a function that stops the wait."""
        ...


class Delay:
    """Time passing: resumes with None after ``seconds`` (negative counts as 0)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Delay({self.seconds!r})"

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Schedule the resumption on the run's clock (cancelled with the task)."""
        return run.call_later(self.seconds, lambda: resume(None)).cancel


class Forever:
    """Nothing: a flow that yields it waits until its task is cancelled."""

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Never resume."""
        return _nothing


class AllOf:
    """Several flows side by side, started in the order given; resumes with the list of
    their results (in that order) once every one has returned."""

    def __init__(self, flows: tuple[Flow, ...] | list[Flow]) -> None:
        self.flows = tuple(flows)

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Start every flow; resume when the last returns."""
        results: list[Any] = [None] * len(self.flows)
        pending = set(range(len(self.flows)))
        drivers: list[_Driver] = []

        def returned(index: int, value: Any) -> None:
            results[index] = value
            pending.discard(index)
            if not pending:
                resume(results)

        for index, flow in enumerate(self.flows):
            drivers.append(_Driver(run, flow, functools.partial(returned, index)))
        if not pending:
            resume(results)
        for driver in drivers:
            driver.start()
        return lambda: _stop_all(drivers)


class FirstOf:
    """A race between waits (or flows), started in the order given: resumes with
    ``(index, result)`` of the first to finish and stops the others."""

    def __init__(self, *contenders: Wait | Flow) -> None:
        self.contenders = contenders

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Start the contenders one by one until one finishes."""
        stops: list[Callable[[], None]] = []
        won: list[bool] = [False]

        def finished(index: int, value: Any) -> None:
            if won[0]:
                return
            won[0] = True
            _stop_all(stops)
            resume((index, value))

        for index, contender in enumerate(self.contenders):
            stops.append(_as_wait(contender).begin(run, functools.partial(finished, index)))
            if won[0]:  # finished at once: the later ones never start
                stops[-1]()
                break
        return lambda: _stop_all(stops)


# -- the driver -----------------------------------------------------------------------------------
def drive(run: TaskRun, flow: Flow) -> None:
    """Drive ``flow`` as ``run``'s execution: what it returns ends the task (None:
    Success, a string: Failed with it). Cancelling the task stops what it waits on.
    An exception from the flow's first step propagates to the caller (the engine)."""

    def returned(result: object) -> None:
        if run.finished:
            return
        if result is None:
            run.succeed()
        else:
            run.fail(str(result))
        for hook in run._end_hooks:
            hook()

    driver = _Driver(run, flow, returned)
    run.on_cancel(driver.stop)
    driver.start()


class _Driver:
    """Runs one flow: sends each wait's result back into it until it returns."""

    __slots__ = ("_done", "_flow", "_run", "_stop", "_stopped")

    def __init__(self, run: TaskRun, flow: Flow, done: Resume) -> None:
        self._run = run
        self._flow = flow
        self._done = done
        self._stop: Callable[[], None] = _nothing
        self._stopped = False

    def start(self) -> None:
        self._advance(None)

    def stop(self) -> None:
        """Stop the current wait; the flow is never resumed."""
        if not self._stopped:
            self._stopped = True
            self._stop()

    def _advance(self, value: object) -> None:
        try:
            wait = self._flow.send(value)
        except StopIteration as stop:
            self._stopped = True
            self._done(stop.value)
            return
        resumption = _Resumption(self)
        stop_wait = _as_wait(wait).begin(self._run, resumption)
        if not resumption.arrived:
            self._stop = stop_wait


class _Resumption:
    """The one-shot ``resume`` handed to a wait.

    It advances the flow at once, even while the wait's ``begin`` is still running (a
    Tentacle already up, a script killed by the restart it starts): the flow is suspended
    at its ``yield`` then, and what it does next happens at the same moment, in the same
    order, as the change that ended the wait.
    """

    __slots__ = ("arrived", "driver")

    def __init__(self, driver: _Driver) -> None:
        self.driver = driver
        self.arrived = False

    def __call__(self, value: object) -> None:
        driver = self.driver
        # Once the task has ended (its Timeout, a cancel) nothing it waited for matters.
        if self.arrived or driver._stopped or driver._run.finished:
            return
        self.arrived = True
        driver._stop = _nothing
        driver._advance(value)


class Subflow:
    """A flow as one wait: ``result = yield Subflow(flow)`` is ``result = yield from
    flow``, for waits that are written as flows themselves (a Halibut contact)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Drive the flow; resume with what it returns."""
        driver = _Driver(run, self.flow, resume)
        driver.start()
        return driver.stop


def _as_wait(item: Wait | Flow) -> Wait:
    if isinstance(item, Generator):
        return Subflow(item)
    return item


def _stop_all(stops: list[_Driver] | list[Callable[[], None]]) -> None:
    for stop in stops:
        stop.stop() if isinstance(stop, _Driver) else stop()


def _nothing() -> None:
    """A wait that has nothing to stop."""
