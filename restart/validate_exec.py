"""Running many validation runs: in chunks, on any ``concurrent.futures.Executor``.

Results never depend on how the work was split or where it ran: run ``i`` of a group
always uses seed ``base_seed + i``, and rows are put back in index order, so one worker,
eight, a thread pool, a Dask cluster and this process give the same answer.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from restart.policy import RestartPolicy
from restart.validate_runs import Chunk, Procedure, Row, run_chunk

if TYPE_CHECKING:
    from octosim.scenario import Scenario

__all__ = ["ChunkWork", "Group", "InlineExecutor", "ProgressCallback", "Runner", "default_workers"]

#: ``progress(stage, done, total)``: ``done`` of ``total`` runs of ``stage`` have finished.
#: Called once per finished chunk; ``total`` may grow while a stage runs (the
#: recommendation adds batches as its search goes on).
ProgressCallback = Callable[[str, int, int], None]

# Chunk bounds. Small chunks balance the load and move the progress bar; each chunk also
# costs a pickle round trip (scenario and policy out, rows back, ~0.1 ms), which is why
# not 1. Presets differ in cost per run several times over and a batch ends when its last
# chunk does, so about 16 chunks per worker: the last one alone is a few percent of a batch.
_MIN_CHUNK = 10
_MAX_CHUNK = 200
_CHUNKS_PER_WORKER = 16
# Chunks handed to the executor ahead of the results: enough that no worker waits for the
# next one, few enough that an error or Ctrl-C leaves little to cancel, and an executor
# that runs a call as it is submitted (InlineExecutor) still reports progress per chunk.
_AHEAD_PER_WORKER = 2

_P = ParamSpec("_P")
_T = TypeVar("_T")
#: A row of some kind of run: a tuple whose first item is the run's index in its group.
_R = TypeVar("_R", bound=tuple[Any, ...])
#: What runs one chunk: top-level (a process pool pickles it by name), returns the chunk's
#: key and its rows.
ChunkWork = Callable[[Chunk], tuple[int, list[_R]]]


class InlineExecutor(Executor):
    """An executor that runs each call in this process, when it is submitted.

    What ``workers=1`` uses; pass it as ``executor=`` to debug a run under a debugger or
    a profiler. Exceptions are kept in the future, as a pool's are (KeyboardInterrupt and
    other BaseExceptions propagate at once).
    """

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


@dataclass(frozen=True)
class Group:
    """``runs`` runs of one procedure and policy on one scenario's machine ``machine`` (a
    name; None: the first), seeds ``base_seed + i``."""

    procedure: Procedure
    scenario: Scenario
    policy: RestartPolicy
    base_seed: int
    runs: int
    machine: str | None = None


def default_workers() -> int:
    """The number of CPUs this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class Runner:
    """Runs batches of :class:`Group` on an executor, gathering rows in index order.

    ``executor``: any ``concurrent.futures.Executor`` (a thread or process pool, a Dask
    cluster's, :class:`InlineExecutor`); the caller owns it and shuts it down. Without one,
    ``workers=1`` runs everything in this process and ``workers > 1`` starts a process
    pool of that size, owned by the runner. ``workers`` also sizes the chunks (about eight
    per worker), so with an executor of your own pass its width. Use as a context manager:
    an owned pool lives from ``__enter__`` to ``__exit__`` so that the batches of one
    validation share it. Raises ValueError for ``workers < 1``.
    """

    def __init__(
        self,
        workers: int,
        progress: ProgressCallback | None = None,
        *,
        executor: Executor | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._progress = progress
        self._given = executor
        self._executor: Executor | None = None
        self._owned: ProcessPoolExecutor | None = None
        self._done: dict[str, int] = {}
        self._total: dict[str, int] = {}

    def __enter__(self) -> Runner:
        if self._given is not None:
            self._executor = self._given
        elif self.workers == 1:
            self._executor = InlineExecutor()
        else:
            self._executor = self._owned = _process_pool(self.workers)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned is not None:
            # On an error (or Ctrl-C) drop the queued chunks instead of running them out.
            self._owned.shutdown(wait=True, cancel_futures=exc is not None)
            self._owned = None
        self._executor = None

    def run(self, groups: Sequence[Group], stage: str) -> list[list[Row]]:
        """Run every group; return each group's rows in index order.

        Raises whatever a run raised (RuntimeError naming the scenario and seed), after
        cancelling the chunks not started yet; RuntimeError outside ``with``.
        """
        return self.map(run_chunk, groups, stage)

    def map(self, work: ChunkWork[_R], groups: Sequence[Group], stage: str) -> list[list[_R]]:
        """As :meth:`run`, with ``work`` running each chunk instead of
        :func:`~restart.validate_runs.run_chunk` (fleet validation runs a whole rollout per
        seed: :mod:`restart.validate_fleet_runs`); the same chunks, order and progress."""
        if self._executor is None:
            raise RuntimeError("Runner.run is called inside `with Runner(...) as runner:`")
        chunks = self._split(groups)
        self._total[stage] = self._total.get(stage, 0) + sum(g.runs for g in groups)
        self._done.setdefault(stage, 0)
        self._report(stage)
        rows: list[list[_R]] = [[] for _ in groups]
        self._execute(work, self._executor, iter(chunks), rows, stage)
        for group_rows in rows:
            group_rows.sort(key=lambda row: row[0])
        return rows

    def _execute(
        self, work: ChunkWork[_R], executor: Executor, chunks: Iterator[Chunk],
        rows: list[list[_R]], stage: str,
    ) -> None:
        ahead = max(2, self.workers * _AHEAD_PER_WORKER)
        pending: set[Future[tuple[int, list[_R]]]] = set()
        try:
            while True:
                for chunk in chunks:
                    pending.add(executor.submit(work, chunk))
                    if len(pending) >= ahead:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    key, got = future.result()  # re-raises a worker's exception here
                    self._gather(rows, key, got, stage)
        except BaseException:
            for future in pending:
                future.cancel()
            raise

    def _gather(self, rows: list[list[_R]], key: int, got: list[_R], stage: str) -> None:
        rows[key].extend(got)
        self._done[stage] += len(got)
        self._report(stage)

    def _report(self, stage: str) -> None:
        if self._progress is not None:
            self._progress(stage, self._done[stage], self._total[stage])

    def _split(self, groups: Sequence[Group]) -> list[Chunk]:
        total = sum(g.runs for g in groups)
        size = math.ceil(total / (self.workers * _CHUNKS_PER_WORKER)) if total else 1
        size = min(_MAX_CHUNK, max(_MIN_CHUNK, size))
        return [
            Chunk(key, g.procedure, g.scenario, g.policy, g.base_seed, start,
                  min(size, g.runs - start), g.machine)
            for key, g in enumerate(groups)
            for start in range(0, g.runs, size)
        ]


def _process_pool(workers: int) -> ProcessPoolExecutor:
    # Forking a process that has threads (a pytest-xdist worker, say) can deadlock the
    # child, and Python 3.13 warns of it: then use a forkserver, which forks from a clean
    # process. A single-threaded parent (the CLI) forks directly: its workers start warm,
    # which saves ~2 s of a 10,000-run validation.
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if threading.active_count() == 1 and "fork" in methods else (
        "forkserver" if "forkserver" in methods else "spawn"
    )
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_started)


def _worker_started() -> None:
    # A forked worker shares its parent's heap page by page until it writes to one. The
    # cyclic collector writes to every object it walks, so without this each worker's
    # first collections copy the whole inherited heap; frozen objects are never walked.
    gc.freeze()
