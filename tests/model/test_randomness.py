"""Per-purpose random streams: derived from the seed, cached, independent of each other."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys

import pytest

from octosim import Simulation
from octosim.journal import Kind
from octosim.model.generic import GenericExecutor
from octosim.model.randomness import PURPOSES, Streams, derive_seed
from octosim.scenario import Scenario
from restart import RestartTarget
from restart.drivers.direct import run_direct


def test_a_stream_is_created_once_and_cached_by_purpose() -> None:
    streams = Streams(3)
    agent = streams.stream("agent", "Machines-1")
    assert streams.stream("agent", "Machines-1") is agent
    assert streams.stream("agent", "Machines-2") is not agent


def test_the_same_seed_and_purpose_give_the_same_draws_and_others_do_not() -> None:
    def draws(seed: int, *purpose: str) -> list[float]:
        stream = Streams(seed).stream(*purpose)
        return [stream.random() for _ in range(5)]

    first = draws(3, "agent", "Machines-1")
    assert draws(3, "agent", "Machines-1") == first
    assert draws(4, "agent", "Machines-1") != first
    assert draws(3, "agent", "Machines-2") != first
    assert draws(3, "health", "Machines-1") != first
    # The parts are kept apart: ("a", "bc") is not ("ab", "c").
    assert derive_seed(3, "a", "bc") != derive_seed(3, "ab", "c")


def test_streams_do_not_depend_on_the_process_hash_salt() -> None:
    # Python's hash() of a str changes with PYTHONHASHSEED; a stream's seed must not.
    code = ("from octosim.model.randomness import derive_seed; "
            "print(derive_seed(7, 'agent', 'Machines-1'))")
    seeds = {
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                       env={"PYTHONHASHSEED": salt}).stdout.strip()
        for salt in ("1", "2")
    }
    assert seeds == {str(derive_seed(7, "agent", "Machines-1"))}


@pytest.mark.parametrize("purpose", [(), ("agent", "a\0b")])
def test_a_purpose_must_be_named_and_free_of_nul(purpose: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="purpose"):
        Streams(0).stream(*purpose)


def test_simulation_rng_is_the_user_stream_and_the_simulator_never_draws_from_it() -> None:
    sim = Simulation.from_scenario("flaky-health", seed=2)
    assert sim.rng is sim.streams.stream("user")
    assert "user" in PURPOSES
    state = sim.rng.getstate()
    run_direct(sim, RestartTarget("Spaces-1", machine_id="Machines-1"),
               rng=random.Random(2), raise_errors=False)
    assert sim.rng.getstate() == state


def test_a_task_type_stream_is_made_only_when_its_executor_draws() -> None:
    # Seeding a stream costs about 1% of a simulated restart: a task whose executor never
    # draws from run.rng (health checks, ad-hoc scripts) must not pay for one.
    sim = Simulation.from_scenario("default", seed=0)
    report = run_direct(sim, RestartTarget("Spaces-1", machine_id="Machines-1"),
                        rng=random.Random(0))
    assert report.ok, report.reason
    names = {task.name for task in sim.engine.tasks.values()}
    assert names == {"AdHocScript", "Health"}
    assert ("agent", "Machines-1") in sim.streams and ("health", "Machines-1") in sim.streams
    assert all(("task", name) not in sim.streams for name in names)
    # An executor that draws gets its stream.
    sim.engine.register(GenericExecutor("Flaky", failure_rate=0.5))
    sim.engine.create("Spaces-1", "Flaky", {})
    sim.clock.sleep(3600)
    assert ("task", "Flaky") in sim.streams


def service_story(background_tasks: int) -> list[tuple[float, str]]:
    """Restart web-01 on a server with ``background_tasks`` tasks of background load and
    room for them all, and return when and how its services changed."""
    preset = Scenario.load("slow-windows")
    load = dataclasses.replace(preset.server.background_load, count=background_tasks,
                               duration=(30.0, 90.0), repeat_until=0.0)
    server = dataclasses.replace(preset.server, task_cap=10, background_load=load)
    sim = Simulation.from_scenario(dataclasses.replace(preset, server=server), seed=5)
    report = run_direct(sim, RestartTarget("Spaces-1", machine_id="Machines-1"),
                        rng=random.Random(5), raise_errors=False)
    assert report.outcome.value == "restarted", report.reason
    assert len(sim.journal.entries(kind=Kind.Task)) > 0
    # The restart task's id counts the background tasks created before it; not a draw.
    return [(e.t, re.sub(r"ServerTasks-\d+", "ServerTasks-N", e.text))
            for e in sim.journal.entries(kind=Kind.Service)]


def test_one_more_background_task_leaves_the_agent_timings_unchanged() -> None:
    # With one shared random source the extra task's duration draw would shift every
    # later draw, the agent's stop and start durations among them.
    two, three = service_story(2), service_story(3)
    assert two == three
    assert any("Running" in text for _, text in two)  # a real restart happened
