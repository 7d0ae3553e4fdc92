"""Running many validation runs: chunked, on every core, with progress per chunk.

Results never depend on how the work was split: run ``i`` of a group always uses seed
``base_seed + i``, and rows are put back in index order, so one worker and eight give the
same answer.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from restart.policy import RestartPolicy
from restart.validate_runs import Chunk, Procedure, Row, run_chunk

if TYPE_CHECKING:
    from octosim.scenario import Scenario

__all__ = ["Group", "ProgressCallback", "Runner", "default_workers"]

#: ``progress(stage, done, total)``: ``done`` of ``total`` runs of ``stage`` have finished.
#: Called once per finished chunk; ``total`` may grow while a stage runs (the
#: recommendation adds batches as its search goes on).
ProgressCallback = Callable[[str, int, int], None]

# Chunk bounds. Small chunks balance the load and move the progress bar; each chunk also
# costs a pickle round trip (scenario and policy out, rows back), which is why not 1.
# About 8 chunks per worker keeps both cores busy to the end of a batch.
_MIN_CHUNK = 10
_MAX_CHUNK = 200
_CHUNKS_PER_WORKER = 8


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
    """Runs batches of :class:`Group` in this process (``workers=1``) or on a process pool.

    Use as a context manager: the pool lives from ``__enter__`` to ``__exit__`` so that the
    batches of one validation share it. Raises ValueError for ``workers < 1``.
    """

    def __init__(self, workers: int, progress: ProgressCallback | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._progress = progress
        self._pool: ProcessPoolExecutor | None = None
        self._done: dict[str, int] = {}
        self._total: dict[str, int] = {}

    def __enter__(self) -> Runner:
        if self.workers > 1:
            # Forking a process that has threads (a pytest-xdist worker, say) can deadlock
            # the child, and Python 3.13 warns of it: then use a forkserver, which forks
            # from a clean process. A single-threaded parent (the CLI) forks directly: its
            # workers start warm, which saves ~2 s of a 10,000-run validation.
            methods = multiprocessing.get_all_start_methods()
            method = "fork" if threading.active_count() == 1 and "fork" in methods else (
                "forkserver" if "forkserver" in methods else "spawn"
            )
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            # On an error (or Ctrl-C) drop the queued chunks instead of running them out.
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)
            self._pool = None

    def run(self, groups: Sequence[Group], stage: str) -> list[list[Row]]:
        """Run every group; return each group's rows in index order.

        Raises whatever a run raised (RuntimeError naming the scenario and seed).
        """
        chunks = self._split(groups)
        self._total[stage] = self._total.get(stage, 0) + sum(g.runs for g in groups)
        self._done.setdefault(stage, 0)
        self._report(stage)
        rows: list[list[Row]] = [[] for _ in groups]
        if self._pool is None:
            for chunk in chunks:
                key, got = run_chunk(chunk)
                self._gather(rows, key, got, stage)
        else:
            futures = [self._pool.submit(run_chunk, chunk) for chunk in chunks]
            self._collect(futures, rows, stage)
        for group_rows in rows:
            group_rows.sort(key=lambda row: row[0])
        return rows

    def _collect(
        self, futures: list[Future[tuple[int, list[Row]]]], rows: list[list[Row]], stage: str
    ) -> None:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                key, got = future.result()  # re-raises a worker's exception here
                self._gather(rows, key, got, stage)

    def _gather(self, rows: list[list[Row]], key: int, got: list[Row], stage: str) -> None:
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
