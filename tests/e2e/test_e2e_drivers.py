"""All three drivers against every shipped preset, checked against the simulator's model.

For each preset and seed the client runs through the sync driver (``sim.client()``), the
async driver (``sim.async_client()``) and the direct driver (no HTTP), and each run must:

- end with the outcome the preset is built to produce;
- return by its deadline (virtual time);
- leave no task it created Queued or Executing (cancelled ones may still be Cancelling for
  the server's cancel delay, and must be complete after it);
- agree with the model: ``restarted`` only if the Tentacle's process start time really
  changed, with the report's witnesses equal to the model's.

The oracle is the model (``sim.world``, ``sim.engine.tasks``), never the API the client read.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import pytest

from octosim.model.states import TaskState
from octosim.scenario import presets
from octosim.simulation import Simulation
from restart import Outcome, RestartPolicy, RestartReport, RestartTarget, run_async, run_sync
from restart.drivers.direct import run_direct

TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")
SEEDS = (0, 1, 2)
RESTARTED = frozenset({Outcome.RESTARTED})

#: What the client must conclude on each preset (docs/scenarios.md says what each shows).
EXPECTED: dict[str, frozenset[Outcome]] = {
    "default": RESTARTED,
    "named-instance": RESTARTED,
    "linux": RESTARTED,
    "slow-windows": RESTARTED,  # the 30 s wait is too short; verify polls until it is back
    "flaky-health": RESTARTED,  # one failed check is retried within the window
    "busy-server": RESTARTED,  # every task waits Queued for a slot first
    "never-returns": frozenset({Outcome.TIMED_OUT}),
    "flaky-network": RESTARTED,
    "polling": RESTARTED,
    "seed-deployment": RESTARTED,  # web-01, default instance: the restart client's target
    "seed-deployment-linux": RESTARTED,
    "task-cap-deadlock": RESTARTED,  # svc1-01 alone: the rollout runs only in a Fleet
    # Half of all starts fail and the watchdog retries a minute later: some seeds come
    # back after the health window, and then timed_out is the right verdict.
    "watchdog": frozenset({Outcome.RESTARTED, Outcome.TIMED_OUT}),
}
#: Presets where the Tentacle may come back only after the client has given up, so
#: "restarted in the model" does not imply "reported restarted".
LATE_RETURNS = {"watchdog"}


def test_every_preset_has_an_expectation() -> None:
    assert set(EXPECTED) == set(presets()), "a preset was added or removed: update EXPECTED"


@dataclass(frozen=True)
class Before:
    witness: float


def before(sim: Simulation) -> Before:
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None
    return Before(agent.witness)


def wall(sim: Simulation, t: float) -> datetime:
    """A process start time as the client can read it: Linux's ``ps -o lstart=`` prints
    whole seconds, PowerShell's ``ToString("o")`` down to the microsecond here."""
    at = sim.clock.wall(t)
    linux = sim.world.machines["Machines-1"].os_family == "Linux"
    return at.replace(microsecond=0) if linux else at


def check_run(preset: str, sim: Simulation, report: RestartReport, start: Before) -> None:
    """Assert the run's outcome, bound, cleanliness and agreement with the model."""
    timeline = sim.timeline(last=60)
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None
    restarted = agent.witness != start.witness  # the truth, read before time moves on

    assert report.outcome in EXPECTED[preset], f"{report.reason}\n{timeline}"
    assert report.error is None, report.reason
    assert report.ended - report.started <= RestartPolicy().deadline

    created = [t.id for t in report.tasks]
    assert created, "the client created no task"
    running = {
        task_id: str(sim.engine.tasks[task_id].state)
        for task_id in created
        if sim.engine.tasks[task_id].state in (TaskState.Queued, TaskState.Executing)
    }
    assert not running, f"tasks left running: {running}\n{timeline}"

    # Safe: never "restarted" unless the process really restarted, and the witnesses the
    # report shows are the model's.
    if report.ok:
        assert restarted, f"reported a restart that did not happen\n{timeline}"
        assert agent.is_up
        assert report.witness_before is not None and report.witness_after is not None
        assert wall(sim, start.witness) in report.witness_before
        assert wall(sim, agent.witness) in report.witness_after
        assert wall(sim, start.witness) not in report.witness_after
    if preset not in LATE_RETURNS:
        assert report.ok == restarted, f"{report.outcome} but restarted={restarted}\n{timeline}"

    # Cancelled tasks finish within the server's cancel delay.
    sim.clock.sleep(sim.options.cancel_delay)
    unfinished = [i for i in created if not sim.engine.tasks[i].is_completed]
    assert not unfinished, f"still not complete after the cancel delay: {unfinished}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", presets())
def test_sync_driver(preset: str, seed: int) -> None:
    sim = Simulation.from_scenario(preset, seed=seed)
    start = before(sim)
    with sim.client() as client:
        report = run_sync(
            client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep, rng=random.Random(seed)
        )
    check_run(preset, sim, report, start)


def virtual_sleep(sim: Simulation) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        sim.clock.sleep(seconds)

    return sleep


@pytest.mark.anyio
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", presets())
async def test_async_driver(preset: str, seed: int) -> None:
    sim = Simulation.from_scenario(preset, seed=seed)
    start = before(sim)
    async with sim.async_client() as client:
        report = await run_async(
            client,
            TARGET,
            clock=sim.clock.now,
            sleep=virtual_sleep(sim),
            rng=random.Random(seed),
        )
    check_run(preset, sim, report, start)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", presets())
def test_direct_driver(preset: str, seed: int) -> None:
    sim = Simulation.from_scenario(preset, seed=seed)
    start = before(sim)
    report = run_direct(sim, TARGET, rng=random.Random(seed))
    check_run(preset, sim, report, start)


@pytest.mark.anyio
@pytest.mark.parametrize("preset", presets())
async def test_the_three_drivers_agree(preset: str) -> None:
    """Same scenario, seed and client random source: the same report and the same journal,
    whichever edge the requests went through (the direct driver is a faithful shortcut)."""
    seed = 5
    runs: list[tuple[dict[str, object], str]] = []

    sim = Simulation.from_scenario(preset, seed=seed)
    with sim.client() as client:
        report = run_sync(
            client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep, rng=random.Random(seed),
            wall_clock=sim.clock.wall,
        )
    runs.append((report.to_dict(), sim.timeline()))

    sim = Simulation.from_scenario(preset, seed=seed)
    async with sim.async_client() as aclient:
        report = await run_async(
            aclient, TARGET, clock=sim.clock.now, sleep=virtual_sleep(sim), rng=random.Random(seed),
            wall_clock=sim.clock.wall,
        )
    runs.append((report.to_dict(), sim.timeline()))

    sim = Simulation.from_scenario(preset, seed=seed)
    report = run_direct(sim, TARGET, rng=random.Random(seed))
    runs.append((report.to_dict(), sim.timeline()))

    (sync_report, sync_journal), (async_report, async_journal), (direct_report, direct_journal) = (
        runs
    )
    assert async_report == sync_report
    assert direct_report == sync_report
    assert async_journal == sync_journal
    assert direct_journal == sync_journal


@pytest.mark.parametrize("preset", presets())
def test_direct_driver_monte_carlo(preset: str) -> None:
    """Many seeds through the direct driver: bounded, clean and safe on every one."""
    for seed in range(10, 40):
        sim = Simulation.from_scenario(preset, seed=seed)
        start = before(sim)
        report = run_direct(sim, TARGET, rng=random.Random(seed))
        check_run(preset, sim, report, start)
