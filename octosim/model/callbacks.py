"""Executors written before flows, still accepted: a ``start(run)`` that schedules callbacks.

New executors are flows (:mod:`octosim.model.executors`); this adapter keeps users' older
ones working unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from octosim.model.executors import Flow, Forever, TaskRun

if TYPE_CHECKING:
    from octosim.model.world import World

__all__ = ["CallbackAdapter", "CallbackExecutor"]


class CallbackExecutor(Protocol):
    """An executor written before flows: ``start(run)`` schedules callbacks on the run and
    ends the task with ``run.succeed()``/``run.fail()``. Still accepted by
    :meth:`~octosim.model.engine.TaskEngine.register` (as a :class:`CallbackAdapter`), so
    users' executors keep working; write new ones as flows."""

    name: str
    description: str

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return ``arguments`` normalised (echoed back by the API); raise ArgumentError."""
        ...

    def start(self, run: TaskRun) -> None:
        """Begin executing ``run.task``; end it later with ``run.succeed()``/``run.fail()``."""
        ...


class CallbackAdapter:
    """A :class:`CallbackExecutor` as an :class:`Executor`: its flow calls ``start`` and
    then waits for ever, the task being ended by the callbacks ``start`` scheduled."""

    def __init__(self, executor: CallbackExecutor) -> None:
        self.executor = executor
        self.name = executor.name
        self.description = executor.description

    def __repr__(self) -> str:
        return f"CallbackAdapter({self.executor!r})"

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """The wrapped executor's validation."""
        return self.executor.validate(arguments, space_id, world)

    def execute(self, run: TaskRun) -> Flow:
        """Call ``start``; the task ends when its callbacks say so."""
        self.executor.start(run)
        yield Forever()
