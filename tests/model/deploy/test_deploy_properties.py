"""Properties of deployments over random processes: no more than MaxParallelism targets run
a step's script at once, and never two FullIsolation scripts on one target at once."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.projects import StartTrigger
from octosim.model.scripting import ScriptContext
from octosim.model.scripts import ScriptSyntax
from octosim.model.states import TaskState
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with

SCRIPT_SECONDS = 5.0  # deploy_sim's FAST timing


@dataclass(frozen=True)
class Probe:
    """A script effect that only says which step's script is starting."""

    step: str


def probe_handler(body: str, syntax: ScriptSyntax) -> tuple[object, ...] | None:
    return (Probe(body.split()[1]),) if body.startswith("probe ") else None


def most_at_once(starts: list[float]) -> int:
    """How many scripts of ``SCRIPT_SECONDS`` starting at ``starts`` overlap at most (one
    ending at the moment another starts does not overlap it)."""
    events = sorted([(t, 1) for t in starts] + [(t + SCRIPT_SECONDS, -1) for t in starts],
                    key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


step_shapes = st.lists(
    st.tuples(st.integers(1, 4), st.booleans()),  # (MaxParallelism, StartWithPrevious)
    min_size=1, max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(targets=st.integers(1, 5), shapes=step_shapes, seed=st.integers(0, 3))
def test_windows_and_the_script_mutex_hold(targets: int, shapes: list[tuple[int, bool]],
                                           seed: int) -> None:
    sim = deploy_sim(targets, seed=seed)
    adhoc = sim.engine.executors["AdHocScript"]
    assert isinstance(adhoc, AdHocScriptExecutor)
    adhoc.interpreter.register(probe_handler, first=True)
    starts: list[tuple[str, str, float]] = []

    def record(ctx: ScriptContext, effect: Probe) -> None:
        starts.append((effect.step, ctx.machine.name, ctx.run.clock.now()))

    adhoc.on(Probe, record)
    steps = [
        script_step(f"S{n}", f"probe S{n}", roles="app",
                    start_trigger=StartTrigger.StartWithPrevious if together
                    else StartTrigger.StartAfterPrevious,
                    properties={"Octopus.Action.TargetRoles": "app",
                                "Octopus.Action.MaxParallelism": str(window)})
        for n, (window, together) in enumerate(shapes, start=1)
    ]
    task = deploy(sim, project_with(sim, steps))
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Success, task.error_message
    assert len(starts) == targets * len(shapes)
    for n, (window, _together) in enumerate(shapes, start=1):
        step_starts = [t for step, _machine, t in starts if step == f"S{n}"]
        assert most_at_once(step_starts) <= min(window, targets)
    for machine in {m for _step, m, _t in starts}:
        assert most_at_once([t for _step, m, t in starts if m == machine]) == 1
