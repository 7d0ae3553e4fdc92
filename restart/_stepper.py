"""A generator, run as a sans-IO procedure (``start`` / ``send`` / ``cancel``).

The procedure and the seed port are written as plain, linear generators that ``yield`` a
:class:`~restart.protocol.Send` or :class:`~restart.protocol.Sleep` and receive the
resulting event, then ``return`` the report. This class turns that into the h11-style
protocol of :mod:`restart.protocol` and checks the driver keeps its side of it.
"""

from __future__ import annotations

from collections.abc import Generator

from restart.protocol import Action, Event, Finish, Response, Send, Sleep, TransportFailure
from restart.report import RestartReport

__all__ = ["Body", "Cancelled", "GeneratorProcedure", "ProtocolError"]

Body = Generator[Send | Sleep, Event, RestartReport]


class ProtocolError(RuntimeError):
    """The driver broke the protocol: sent before start, after Finish, the wrong event for
    the pending action, or a clock that went backwards. A bug in the driver, not in Octopus."""


class Cancelled(BaseException):
    """Thrown into the body by :meth:`GeneratorProcedure.cancel`.

    A BaseException so that no ``except Exception`` in a body can swallow it by accident.
    """


class GeneratorProcedure:
    """Base class: subclasses implement :meth:`_body`; ``self.now`` is the driver's time."""

    def __init__(self) -> None:
        self._gen: Body | None = None
        self._pending: Action | None = None
        self._now = 0.0
        self._cancel_requested = False
        # Set by a body while it cleans up: a cancel() then abandons only the pending action
        # instead of throwing Cancelled into the cleanup.
        self._shielded = False
        # What ended the body without a Finish (a Ctrl-C landing in its own code): it
        # cannot be resumed; cancel() may recover (_recovery), any other call raises it again.
        self._died: BaseException | None = None

    @property
    def now(self) -> float:
        """The time the driver handed in with the latest call."""
        return self._now

    @property
    def finished(self) -> bool:
        """True once a :class:`Finish` was returned."""
        return isinstance(self._pending, Finish)

    def _body(self) -> Body:
        raise NotImplementedError

    def _recovery(self) -> Body | None:
        """What runs instead after Ctrl-C landed in the body's own code (between its
        actions, not in the driver's sleep or request), which ends the body: the same
        cleanup and report as an interrupt between actions. None (this default): nothing
        can be recovered, and the interrupt is raised again."""
        return None

    def start(self, now: float) -> Action:
        """Begin the run at time ``now``; return the first action.

        Raises ProtocolError if already started.
        """
        if self._gen is not None:
            raise ProtocolError("start() was already called; create a new procedure per run")
        self._now = now
        self._gen = self._body()
        return self._advance(None, first=True)

    def send(self, event: Event, now: float) -> Action:
        """Hand in the result of the pending action at time ``now``; return the next action.

        ``event`` is the Response or TransportFailure for a Send, None after a Sleep.
        Raises ProtocolError on a mismatched event, a call before start or after Finish, or
        a ``now`` earlier than the last one.
        """
        pending = self._check_call(now)
        if isinstance(pending, Send) and not isinstance(event, Response | TransportFailure):
            raise ProtocolError(
                f"the pending action is Send; answer it with a Response or TransportFailure, "
                f"got {type(event).__name__}"
            )
        if isinstance(pending, Sleep) and event is not None:
            raise ProtocolError("the pending action is Sleep; answer it with None")
        return self._advance(event)

    def cancel(self, now: float) -> Action:
        """Interrupt the run (Ctrl-C, asyncio cancellation) at time ``now``: the pending action
        is abandoned and the next actions are the cleanup, ending in Finish. Returns the next
        action (the same Finish if already finished).

        Cancelling during cleanup (a second cancel, or one after the run already gave up)
        abandons only the pending action: the cleanup goes on with the next one. Raises
        ProtocolError before start, and again whatever ended the body without a Finish (a
        Ctrl-C landing in the body's own cleanup code): that body cannot be resumed.
        """
        if self.finished:
            assert isinstance(self._pending, Finish)
            return self._pending
        if isinstance(self._died, KeyboardInterrupt) and not self._shielded:
            recovery = self._recovery()
            if recovery is not None:  # the body was not cleaning up yet: recover, once
                self._check_time(now)
                self._died, self._cancel_requested, self._gen = None, True, recovery
                return self._advance(None, first=True)
        pending = self._check_call(now)
        if self._cancel_requested or self._shielded:
            abandoned: Event = (
                TransportFailure("other", "abandoned: cancelled")
                if isinstance(pending, Send)
                else None
            )
            return self._advance(abandoned)
        self._cancel_requested = True
        return self._advance(None, throw=True)

    def _check_call(self, now: float) -> Action:
        if self._died is not None:
            raise self._died
        if self._gen is None or self._pending is None:
            raise ProtocolError("call start(now) first")
        if isinstance(self._pending, Finish):
            raise ProtocolError("the run is finished; read the report from the Finish action")
        self._check_time(now)
        return self._pending

    def _check_time(self, now: float) -> None:
        if now < self._now:
            raise ProtocolError(
                f"the clock went backwards ({now!r} < {self._now!r}); drive the procedure with a "
                "monotonic clock such as time.monotonic"
            )
        self._now = now

    def _advance(self, event: Event, *, first: bool = False, throw: bool = False) -> Action:
        assert self._gen is not None
        action: Action
        try:
            if first:
                action = next(self._gen)
            elif throw:
                action = self._gen.throw(Cancelled())
            else:
                action = self._gen.send(event)
        except StopIteration as stop:
            action = Finish(stop.value)
        except BaseException as exc:
            self._died = exc
            raise
        self._pending = action
        return action
