"""Workers: Tentacle-like agents in a worker pool that run steps on the server's behalf.

octopus-deployments.md §2.5: an action with ``Octopus.Action.RunOnServer`` true runs on a
worker of the space's default pool: once, or once per target ("on behalf of") when its step
targets roles. A worker is a :class:`~octosim.model.world.Machine` with its own
:class:`~octosim.model.agents.TentacleAgent` (so its own services, restarts, script mutex
and process environment) that is *not* a deployment target: it is kept here, not in
``world.machines``, so it never appears in the machine lists, health checks or fingerprints.

Each space's pool (``Default Worker Pool``, ids ``WorkerPools-N``/``Workers-N``) is made on
first use with ``workers_per_pool`` workers; steps take its workers in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from octosim.model.agents import TentacleAgent
from octosim.model.world import Machine

if TYPE_CHECKING:
    from octosim.model.agents import AgentBinding
    from octosim.model.world import World

__all__ = ["DEFAULT_WORKER_POOL", "WorkerPool", "WorkerPools"]

DEFAULT_WORKER_POOL = "Default Worker Pool"


@dataclass
class WorkerPool:
    """A ``WorkerPools-N`` and its workers; :meth:`next_worker` hands them out in turn."""

    id: str
    space_id: str
    name: str
    workers: list[Machine] = field(default_factory=list)
    _turn: int = 0

    def next_worker(self) -> Machine:
        """Return the worker the next step execution runs on (round robin)."""
        worker = self.workers[self._turn % len(self.workers)]
        self._turn += 1
        return worker


class WorkerPools:
    """The default worker pool of every space of one server, made on first use.

    ``os_family``: the workers' OS (``Windows`` or ``Linux``); ``workers_per_pool``: how many
    each pool has (at least one).
    """

    def __init__(
        self, world: World, engine: AgentBinding, *, os_family: str = "Windows",
        workers_per_pool: int = 1,
    ) -> None:
        if workers_per_pool < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {workers_per_pool}")
        if os_family not in ("Windows", "Linux"):
            raise ValueError(f"os_family must be 'Windows' or 'Linux', not {os_family!r}")
        self.world = world
        self.engine = engine
        self.os_family = os_family
        self.workers_per_pool = workers_per_pool
        self._pools: dict[str, WorkerPool] = {}

    def default_pool(self, space_id: str) -> WorkerPool:
        """Return the space's ``Default Worker Pool`` (made with its workers on first use)."""
        pool = self._pools.get(space_id)
        if pool is None:
            pool = WorkerPool(self.world.next_id("WorkerPools"), space_id, DEFAULT_WORKER_POOL)
            policy = next(p.id for p in self.world.policies.values()
                          if p.space_id == space_id and p.is_default)
            for _ in range(self.workers_per_pool):
                worker_id = self.world.next_id("Workers")
                name = f"Worker-{worker_id.rsplit('-', 1)[1]}"
                worker = Machine(worker_id, space_id, name, [], [], policy,
                                 f"https://{name.lower()}:10933/", "", os_family=self.os_family)
                if self.os_family == "Linux":
                    worker.operating_system, worker.shell_name = "Ubuntu 22.04", "Bash"
                TentacleAgent(worker).bind(self.engine)
                pool.workers.append(worker)
            self._pools[space_id] = pool
        return pool
