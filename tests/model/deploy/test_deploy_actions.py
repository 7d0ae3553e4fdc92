"""The actions of one step: where each runs (``Octopus.Action.RunOnServer`` is per action,
§2.5), its run ``Condition`` (§2.4), and action types the simulator does not model."""

from __future__ import annotations

from octosim.model.projects import DeploymentAction, DeploymentStep
from octosim.model.script_mutex import mutex_for
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement
from tests.model.deploy.deploy_sim import deploy, deploy_sim, names, project_with


def script(name: str, body: str, *, on_server: bool, **fields: object) -> DeploymentAction:
    """Return a PowerShell script action, on a worker when ``on_server``."""
    action = DeploymentAction(name, properties={
        "Octopus.Action.RunOnServer": "true" if on_server else "false",
        "Octopus.Action.Script.ScriptBody": body,
    })
    for key, value in fields.items():
        setattr(action, key, value)
    return action


def messages(element: ActivityElement) -> list[str]:
    """Return every log line under ``element``, in tree order."""
    return [entry.message for node in element.walk() for entry in node.log]


def test_run_on_server_is_per_action_in_a_rolling_step() -> None:
    """[take out of the load balancer from a worker, deploy on the target]: the first
    action runs on a worker on behalf of each target, the second on the target itself,
    under FullIsolation (the target's mutex has a writer while it runs)."""
    sim = deploy_sim(2)
    step = DeploymentStep("Rolling", [
        script("LB out", "Write-Host out #{Octopus.Machine.Name}", on_server=True),
        script("Deploy", "Write-Host deployed #{Octopus.Machine.Name}", on_server=False),
    ], {"Octopus.Action.TargetRoles": "app", "Octopus.Action.MaxParallelism": "1"})
    task = deploy(sim, project_with(sim, [step]))
    app = {m.name: m for m in sim.world.machines.values()}
    writers = {name: 0 for name in ("app-01", "app-02")}
    for tick in range(400):
        sim.clock.advance_to(tick / 4)
        for name in writers:
            writers[name] = max(writers[name], mutex_for(sim.engine, app[name]).writers)
    assert task.state is TaskState.Success
    [step_node] = task.log.children
    assert names(step_node) == ["app-01", "app-02"]
    for target in step_node.children:
        assert names(target) == ["LB out", "Deploy"]
        out, deployed = target.children
        assert "Executing LB out (type Octopus.Script) on Worker-1" in messages(out)
        assert f"out {target.name}" in messages(out)
        assert f"Executing Deploy (type Octopus.Script) on {target.name}" in messages(deployed)
        assert f"deployed {target.name}" in messages(deployed)
    assert writers == {"app-01": 1, "app-02": 1}
