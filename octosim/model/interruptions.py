"""Guided failure: a failed action waits for an operator's Retry, Fail or Ignore.

octopus-deployments.md §2.6 and §2.2 (CONFIRMED): with guided failure on (the deployment's
``UseGuidedFailure`` or its environment's default), a failure raises an *interruption*
instead of failing the step; the task stays ``Executing`` (other targets go on) with
``HasPendingInterruptions`` true, and the operator's answer decides: **Retry** runs the action
again, **Fail** fails it as without guided failure, **Ignore** lets the step go on as if it had
succeeded. The interruption's title and form wording are UNCONFIRMED (chosen below).

A flow asks with ``answer = yield GuidedFailure(board, title, element)``; the API lists
:meth:`InterruptionBoard.pending` and answers with :meth:`InterruptionBoard.submit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from octosim.journal import Kind
from octosim.model.executors import Resume, TaskRun
from octosim.model.tasks import ActivityElement, LogCategory, Task

__all__ = ["GuidedFailure", "GuidedFailureAnswer", "Interruption", "InterruptionBoard"]


class GuidedFailureAnswer(StrEnum):
    """What an operator may answer (the form's ``Result`` values)."""

    Retry = "Retry"
    Fail = "Fail"
    Ignore = "Ignore"


@dataclass(eq=False)
class Interruption:
    """An ``Interruptions-N`` raised by a task; ``answer`` is None while it is pending."""

    id: str
    space_id: str
    task_id: str
    title: str
    created: float
    answer: GuidedFailureAnswer | None = None
    notes: str = ""
    answered: float | None = None
    #: False once its task no longer waits for it (answered, or the task was cancelled).
    is_pending: bool = True
    _resume: Resume | None = field(default=None, repr=False)

    @property
    def type(self) -> str:
        """Octopus's ``Type`` of an interruption raised by guided failure."""
        return "GuidedFailure"


class InterruptionBoard:
    """Every interruption of one server, by id, in the order raised."""

    def __init__(self, next_id: Callable[[str], str]) -> None:
        self._next_id = next_id
        self.interruptions: dict[str, Interruption] = {}

    def pending(self, task_id: str | None = None) -> list[Interruption]:
        """Return the pending interruptions (of ``task_id`` only, if given)."""
        return [i for i in self.interruptions.values()
                if i.is_pending and (task_id is None or i.task_id == task_id)]

    def regarding(self, task_id: str) -> list[Interruption]:
        """Return every interruption ``task_id`` raised, answered or not, oldest first
        (``/interruptions?regarding=ServerTasks-N``)."""
        return [i for i in self.interruptions.values() if i.task_id == task_id]

    def has_pending(self, task: Task) -> bool:
        """Octopus's ``HasPendingInterruptions`` of ``task``."""
        # Asked on every render of every task: most servers have no interruption at all.
        return bool(self.interruptions) and bool(self.pending(task.id))

    def raise_for(self, run: TaskRun, title: str, resume: Resume) -> Interruption:
        """Raise an interruption for ``run``'s task; ``resume`` gets the answer."""
        interruption = Interruption(
            self._next_id("Interruptions"), run.task.space_id, run.task.id, title,
            run.clock.now(), _resume=resume,
        )
        self.interruptions[interruption.id] = interruption
        run.task.touch()
        return interruption

    def submit(self, interruption_id: str, answer: str, notes: str = "",
               *, now: float = 0.0) -> Interruption:
        """Answer a pending interruption with ``Retry``, ``Fail`` or ``Ignore`` (any case);
        its task goes on at once. Returns it.

        Raises KeyError for an unknown id and ValueError, saying what to send, for any other
        answer or an interruption that is no longer pending.
        """
        interruption = self.interruptions[interruption_id]
        choices = {a.value.lower(): a for a in GuidedFailureAnswer}
        chosen = choices.get(answer.strip().lower())
        if chosen is None:
            raise ValueError(f"{answer!r} is not an answer to a guided failure: send one of "
                             f"{', '.join(a.value for a in GuidedFailureAnswer)}")
        if not interruption.is_pending:
            raise ValueError(f"{interruption_id} has already been answered or its task ended; "
                             "list the pending interruptions to find one to answer")
        interruption.answer, interruption.notes, interruption.answered = chosen, notes, now
        interruption.is_pending = False
        resume, interruption._resume = interruption._resume, None
        if resume is not None:
            resume(chosen)
        return interruption

    def withdraw(self, interruption: Interruption) -> None:
        """Its task stopped waiting (cancelled): it is no longer pending."""
        interruption.is_pending = False
        interruption._resume = None


class GuidedFailure:
    """A wait: raise an interruption titled ``title`` on ``board``; resumes with the
    :class:`GuidedFailureAnswer` once it is answered."""

    def __init__(self, board: InterruptionBoard, title: str, element: ActivityElement) -> None:
        self.board = board
        self.title = title
        self.element = element

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Raise the interruption; resume with the answer."""
        def answered(answer: object) -> None:
            run.log(f"{self.title}: the operator chose {answer}", LogCategory.Info, self.element)
            run.task.touch()
            resume(answer)

        interruption = self.board.raise_for(run, self.title, answered)
        run.log(f"Guided failure: {self.title}. Waiting for an operator to choose Retry, "
                f"Fail or Ignore ({interruption.id}).", LogCategory.Warning, self.element)
        run.note(Kind.Task, f"{run.task.id} raised {interruption.id}: {self.title}")
        return lambda: self.board.withdraw(interruption)
