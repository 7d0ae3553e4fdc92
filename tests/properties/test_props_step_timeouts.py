"""The restart step under its step's execution timeout (docs/properties.md, "Step
timeouts"): whenever the timeout cuts the restart client short, the client still leaves no
task behind.

Hypothesis draws the recipe's story (tests/e2e/seed_deployment_world.py: install Java, the
restart client on a worker on behalf of two Tentacles, check Java) with a drawn
``Octopus.Action.ExecutionTimeout.Minutes`` on the restart step (1 to 4 minutes: the default
policy's restart takes about one), a task cap of 1 to 4 (1: the client's tasks wait behind
the deployment until the timeout), a post-restart wait and a seed. Once the deployment ended
and the client's cleanup allowance passed:

- every task a client created that was still Queued or Executing when the timeout cut that
  client short was cancelled (the client cleans up as after a cancel), and nothing the
  clients created is Queued or Executing;
- every Tentacle's service is Running (a restart cut short still ends with its Tentacle up);
- a deployment whose restart step was cut short failed.

A failure prints the seed and the last 60 lines of the simulation's timeline.
"""

from __future__ import annotations

import re

from hypothesis import event, given, note
from hypothesis import strategies as st

from octosim.model.projects import EXECUTION_TIMEOUT_MINUTES
from octosim.model.states import ServiceState, TaskState
from restart.policy import RestartPolicy
from tests.e2e.seed_deployment_world import deploy, seed_deployment, story_steps

#: What the timeout's log line says (DeploymentChoices.execution_timed_out).
TIMED_OUT = "did not finish within its execution timeout"
#: The tail of the description of a task a restart client created: the machine it is for.
_TAG = re.compile(r" - (Machines-\d+) \(restart-tentacle [0-9a-f]{8}/\d+\)$")


@given(seed=st.integers(0, 2**16), minutes=st.integers(1, 4), cap=st.integers(1, 4),
       wait=st.sampled_from([0, 30, 90]))
def test_a_restart_step_cut_short_by_its_timeout_leaves_no_task_behind(
    seed: int, minutes: int, cap: int, wait: int,
) -> None:
    steps = story_steps()
    steps[1].actions[0].properties[EXECUTION_TIMEOUT_MINUTES] = str(minutes)
    world = seed_deployment(seed=seed, steps=steps,
                            variables={"RestartTentacle.PostRestartWait": str(wait)})
    sim = world.sim
    sim.engine.task_cap = cap
    note(f"Simulation(seed={seed}), timeout {minutes} min, task cap {cap}, wait {wait} s")
    task = deploy(world)
    assert task.is_completed, "the deployment did not end within an hour"
    sim.clock.advance_to(sim.clock.now() + RestartPolicy().cleanup_allowance + 120)

    problems = []
    active = [t for t in sim.engine.tasks.values()
              if t is not task and t.state in (TaskState.Queued, TaskState.Executing)]
    problems += [f"{t.id} ({t.description}) is still {t.state}" for t in active]
    for machine in sim.world.machines.values():
        agent = machine.agent
        if agent is not None and agent.instance.state is not ServiceState.Running:
            problems.append(f"{machine.name}'s Tentacle is {agent.instance.state}")
    restart_step = task.log.children[1]
    cuts = {node.name.rsplit(" on behalf of ", 1)[-1]: line.occurred_at
            for node in restart_step.walk() for line in node.log if TIMED_OUT in line.message}
    for t in sim.engine.tasks.values():
        tag = _TAG.search(t.description)
        cut_at = cuts.get(sim.world.machines[tag.group(1)].name) if tag else None
        if cut_at is None or t.created > cut_at:
            continue
        if (t.completed_time is None or t.completed_time > cut_at) and (
                t.state is not TaskState.Canceled):
            problems.append(f"{t.id} ({t.description}) was active when its client was cut "
                            f"short at {cut_at:.1f}s, and ended {t.state}")
    cut = bool(cuts)
    event(f"the restart step was {'cut short' if cut else 'not cut short'}; the deployment "
          f"{task.state}")
    if cut and task.state is TaskState.Success:
        problems.append("the deployment succeeded with its restart step cut short")
    assert not problems, (
        "\n".join(problems) + f"\nSimulation(seed={seed}) at {sim.clock.now():.1f}s\n"
        f"--- timeline (last 60 lines) ---\n{sim.timeline(last=60)}")
