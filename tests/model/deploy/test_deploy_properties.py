"""Properties of deployments over random processes: no more than MaxParallelism targets run
a step's script at once, never two FullIsolation scripts on one target at once, never two
deployments of one project to one environment at once."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.executors import Delay, Flow
from octosim.model.projects import StartTrigger
from octosim.model.scripting import ScriptContext
from octosim.model.scripts import ScriptSyntax
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.variables import Variable
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step

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


@settings(max_examples=30, deadline=None)
@given(
    plan=st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 60),
                            st.integers(0, 40)), min_size=1, max_size=6),
    cap=st.integers(1, 4),
)
def test_deployments_of_one_project_to_one_environment_never_overlap(
    plan: list[tuple[str, int, int]], cap: int
) -> None:
    sim = deploy_sim(1)
    sim.engine.task_cap = cap
    projects = {}
    for name in ("A", "B"):
        sim.deploy.actions.register(f"Test.Work{name}", _work)
        projects[name] = project_with(sim, [python_step("Work", f"Test.Work{name}")], [
            Variable("Seconds", "1")], name=name)
    tasks = []
    for name, seconds, after in plan:
        sim.clock.advance_to(sim.clock.now() + after)
        store = sim.deployments
        store.set_variables(projects[name].variable_set_id, [Variable("Seconds", str(seconds))])
        tasks.append((name, deploy(sim, projects[name])))
    sim.clock.advance_to(sim.clock.now() + 10_000)
    for name in ("A", "B"):
        spans = sorted((t.start_time, t.completed_time) for n, t in tasks if n == name)
        assert all(t.state is TaskState.Success for n, t in tasks if n == name)
        for (_s1, end), (start, _e2) in itertools.pairwise(spans):
            assert end is not None and start is not None and start >= end


def _work(ctx: StepContext) -> Flow:
    yield Delay(float(ctx.variables["Seconds"]))
