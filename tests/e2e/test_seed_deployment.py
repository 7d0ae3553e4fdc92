"""The recipe's whole story, end to end: a step sets JAVA_HOME for the machine, the Tentacle is
restarted on a worker on behalf of each target, and a later step needs JAVA_HOME.

With the recipe on default-instance Tentacles, the restart step "succeeds" (its pattern
matches named instances only: nothing restarts), the check fails and so does the deployment.
With the restart client the restart is verified, the check sees JAVA_HOME and the deployment
succeeds. On Linux a verified restart helps only if the Tentacle's unit reads
/etc/environment. The world is tests/e2e/seed_deployment_world.py (the presets
seed-deployment and seed-deployment-linux describe the same).
"""

from __future__ import annotations

import contextlib
import io
import re
from contextlib import ExitStack
from pathlib import Path

import pytest

from octosim.model.projects import SCRIPT_BODY, DeploymentAction, DeploymentStep
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory, Task
from octosim.model.truth import TentacleTruth
from tests.e2e.seed_deployment_world import (
    JAVA_HOME,
    SeedDeployment,
    deploy,
    seed_deployment,
    story_steps,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployments.md"
FAILED = ("The deployment failed because one or more steps failed. Please see the deployment "
          "log for details.")


def _step(task: Task, name: str) -> ActivityElement:
    found = [e for e in task.log.children if e.name.endswith(f": {name}")]
    assert len(found) == 1, [e.name for e in task.log.children]
    return found[0]


def _messages(element: ActivityElement, category: LogCategory | None = None) -> list[str]:
    return [line.message for e in element.walk() for line in e.log
            if category is None or line.category is category]


def _run(world: SeedDeployment) -> tuple[Task, dict[str, TentacleTruth]]:
    """Deploy, watching what really happens to each target's Tentacle."""
    sim = world.sim
    with ExitStack() as stack:
        truths = {m.name: stack.enter_context(TentacleTruth(m, sim.clock))
                  for m in sim.world.machines.values()}
        task = deploy(world)
    return task, truths


def test_windows_recipe_the_false_success_fails_the_deployment() -> None:
    world = seed_deployment("Recipe")
    task, truths = _run(world)
    assert task.state is TaskState.Failed and task.error_message == FAILED
    restart = _step(task, "Restart Tentacle")
    assert restart.status is ActivityStatus.Success  # the recipe believed it
    assert _messages(restart).count("Tentacle is communicating again.") == 2
    assert not any(t.restarted for t in truths.values())  # nothing restarted
    assert "'OctopusDeploy Tentacle:*' matches no service; nothing restarts" in (
        world.sim.timeline())
    check = _step(task, "Check Java")
    assert check.status is ActivityStatus.Failed
    assert _messages(check, LogCategory.Error).count("JAVA_HOME is not set") == 2
    # Step 1 did its job: the machine has JAVA_HOME; the Tentacle's snapshot does not.
    agent = world.sim.world.machines["Machines-1"].agent
    assert agent is not None
    assert agent.environment.machine_value("JAVA_HOME") == JAVA_HOME["Windows"]


def test_windows_client_verifies_the_restart_and_the_deployment_succeeds() -> None:
    world = seed_deployment("Client")
    task, truths = _run(world)
    assert task.state is TaskState.Success, task.error_message
    assert all(t.restarted for t in truths.values())
    restart = _step(task, "Restart Tentacle")
    assert _messages(restart).count("The Tentacle restarted: its start time changed.") == 2
    check = _step(task, "Check Java")
    assert _messages(check, LogCategory.Info).count(
        f"JAVA_HOME is {JAVA_HOME['Windows']}") == 2
    # The restart's tasks ran between step 2's start and step 3's.
    children = [t for t in world.sim.engine.tasks.values() if t is not task]
    assert {t.name for t in children} == {"AdHocScript", "Health"}
    assert all(t.state is TaskState.Success for t in children)
    assert restart.started is not None and check.started is not None
    assert all(restart.started <= t.created and t.completed_time is not None
               and t.completed_time <= check.started for t in children)


def test_linux_client_with_a_unit_that_reads_etc_environment_succeeds() -> None:
    world = seed_deployment("Client", os="Linux", unit_reads_etc_environment=True)
    task, truths = _run(world)
    assert task.state is TaskState.Success, task.error_message
    assert all(t.restarted for t in truths.values())
    assert _messages(_step(task, "Check Java"), LogCategory.Info).count(
        f"JAVA_HOME is {JAVA_HOME['Linux']}") == 2


def test_linux_the_stock_unit_makes_even_a_verified_restart_useless() -> None:
    # The trap: Tentacle's own systemd unit has no EnvironmentFile=/etc/environment.
    world = seed_deployment("Client", os="Linux")
    task, truths = _run(world)
    assert all(t.restarted for t in truths.values())
    restart = _step(task, "Restart Tentacle")
    assert restart.status is ActivityStatus.Success
    assert task.state is TaskState.Failed
    assert _messages(_step(task, "Check Java"), LogCategory.Error).count(
        "JAVA_HOME is not set") == 2


def test_linux_recipe_fails_at_its_own_step_without_powershell() -> None:
    world = seed_deployment("Recipe", os="Linux", unit_reads_etc_environment=True)
    task, truths = _run(world)
    assert task.state is TaskState.Failed
    assert _step(task, "Restart Tentacle").status is ActivityStatus.Failed
    assert "Restart Tentacle Failed" in _messages(_step(task, "Restart Tentacle"),
                                                  LogCategory.Error)
    assert _step(task, "Check Java").status is ActivityStatus.Skipped
    assert not any(t.restarted for t in truths.values())


#: The PATH form of the story: step 1 adds Java to the machine PATH unless it is there
#: already, step 3 needs it on the PATH its Tentacle's scripts start with.
JAVA_BIN = r"C:\Program Files\Java\jdk-21\bin"
ADD_TO_PATH = rf"""
$dir = '{JAVA_BIN}'
$machine = [Environment]::GetEnvironmentVariable('PATH', 'Machine')
if (($machine -split ';') -notcontains $dir) {{
    [Environment]::SetEnvironmentVariable('PATH', $machine.TrimEnd(';') + ";$dir", 'Machine')
    Write-Host "Added $dir to the machine PATH"
}} else {{
    Write-Host "$dir is already on the machine PATH"
}}
"""
NEEDS_PATH = rf"""
$found = $env:PATH.Split(';') | ForEach-Object {{ $_.TrimEnd('\') }}
if ($found -notcontains '{JAVA_BIN}') {{ Fail-Step "Java is not on the PATH" }}
Write-Host "Java is on the PATH"
"""


def _path_steps() -> list[DeploymentStep]:
    install, restart, check = story_steps()
    return [_with_script(install, ADD_TO_PATH), restart, _with_script(check, NEEDS_PATH)]


def _with_script(step: DeploymentStep, body: str) -> DeploymentStep:
    [action] = step.actions
    return DeploymentStep(step.name, [DeploymentAction(
        action.name, properties={**action.properties, SCRIPT_BODY: body})], step.properties)


@pytest.mark.parametrize(("method", "state"), [
    ("Recipe", TaskState.Failed), ("Client", TaskState.Success)])
def test_windows_the_path_story_fails_without_a_restart_and_adds_java_once(
        method: str, state: TaskState) -> None:
    world = seed_deployment(method, steps=_path_steps())
    task, _ = _run(world)
    assert task.state is state, task.error_message
    added = f"Added {JAVA_BIN} to the machine PATH"
    assert _messages(_step(task, "Install Java"), LogCategory.Info).count(added) == 2
    check = _step(task, "Check Java")
    if method == "Recipe":
        assert _messages(check, LogCategory.Error).count("Java is not on the PATH") == 2
    else:
        assert _messages(check, LogCategory.Info).count("Java is on the PATH") == 2
        again = deploy(world)  # a second deployment finds Java on the PATH and adds nothing
        assert again.state is TaskState.Success, again.error_message
        assert _messages(_step(again, "Install Java"), LogCategory.Info).count(
            f"{JAVA_BIN} is already on the machine PATH") == 2
        for machine in world.sim.world.machines.values():
            assert machine.agent is not None
            path = machine.agent.environment.machine_value("PATH")
            assert path is not None and path.split(";").count(JAVA_BIN) == 1


@pytest.mark.parametrize("method", ["Recipe", "Client"])
def test_the_same_seed_tells_the_same_story(method: str) -> None:
    timelines = []
    for _ in range(2):
        world = seed_deployment(method, seed=7)
        deploy(world)
        timelines.append(world.sim.timeline())
    assert timelines[0] == timelines[1]


def test_the_docs_story_runs_and_prints_the_timelines_pasted_there() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The recipe's whole story"):]
    section = section[:section.index("\n### ")]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    pasted = re.findall(r"```text\n(.*?)```", section, re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    assert out.getvalue() == "".join(pasted)
