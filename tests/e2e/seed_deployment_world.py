"""The recipe's whole story as a world: Tentacles whose step changes an environment variable,
a restart on their behalf, and a step that needs the change.

Built with the Python store API; the presets ``seed-deployment`` and
``seed-deployment-linux`` describe the same world in TOML. Project "Java App", deployed to
Production (web-01 and web-02, role web-server, default-instance Tentacles):

1. "Install Java" on each target sets machine-level ``JAVA_HOME`` (Windows: the registry's
   machine environment; Linux: ``/etc/environment``);
2. "Restart Tentacle", ``Octosim.RestartTentacle`` run on a worker on behalf of web-server,
   with the project variable ``RestartMethod`` (``Client`` or ``Recipe``);
3. "Check Java" on each target fails unless the Tentacle's environment has ``JAVA_HOME``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.projects import (
    RUN_ON_SERVER,
    SCRIPT_BODY,
    SCRIPT_SYNTAX,
    TARGET_ROLES,
    DeploymentAction,
    DeploymentStep,
)
from octosim.model.tasks import Task
from octosim.model.variables import Variable
from octosim.scenario import AgentSpec, Scenario
from octosim.simulation import Simulation
from restart.step_actions import ACTION_TYPE, METHOD_VARIABLE, install

__all__ = [
    "CHECK_JAVA",
    "INSTALL_JAVA",
    "JAVA_HOME",
    "PROJECT",
    "ROLE",
    "SeedDeployment",
    "deploy",
    "from_preset",
    "seed_deployment",
    "story_steps",
]

PROJECT = "Java App"
ROLE = "web-server"
ENVIRONMENT = "Production"
TARGETS = ("web-01", "web-02")
#: The value step 1 sets, per OS family.
JAVA_HOME = {"Windows": r"C:\Program Files\Java\jdk-21", "Linux": "/usr/lib/jvm/java-21"}
#: Step 1's script, per OS family.
INSTALL_JAVA = {
    "Windows": ("[Environment]::SetEnvironmentVariable('JAVA_HOME',"
                r"'C:\Program Files\Java\jdk-21','Machine')"),
    "Linux": "echo 'JAVA_HOME=/usr/lib/jvm/java-21' | sudo tee -a /etc/environment",
}
#: Step 3's script, per OS family.
CHECK_JAVA = {
    "Windows": ('if (-not $env:JAVA_HOME) { Fail-Step "JAVA_HOME is not set" }\n'
                'Write-Host "JAVA_HOME is $env:JAVA_HOME"'),
    "Linux": ('[ -n "$JAVA_HOME" ] || fail_step "JAVA_HOME is not set"\n'
              'echo "JAVA_HOME is $JAVA_HOME"'),
}
_SYNTAX = {"Windows": "PowerShell", "Linux": "Bash"}


@dataclass(frozen=True)
class SeedDeployment:
    """The simulation and the ids of its story."""

    sim: Simulation
    project_id: str
    os: str


def story_steps(os: str = "Windows") -> list[DeploymentStep]:
    """The project's three steps for ``os`` Tentacles."""
    syntax = _SYNTAX[os]
    return [
        DeploymentStep("Install Java", [DeploymentAction("Install Java", properties={
            SCRIPT_SYNTAX: syntax, SCRIPT_BODY: INSTALL_JAVA[os]})], {TARGET_ROLES: ROLE}),
        DeploymentStep("Restart Tentacle", [DeploymentAction(
            "Restart Tentacle", action_type=ACTION_TYPE, properties={RUN_ON_SERVER: "true"})],
            {TARGET_ROLES: ROLE}),
        DeploymentStep("Check Java", [DeploymentAction("Check Java", properties={
            SCRIPT_SYNTAX: syntax, SCRIPT_BODY: CHECK_JAVA[os]})], {TARGET_ROLES: ROLE}),
    ]


def seed_deployment(method: str = "Client", *, os: str = "Windows",
                    unit_reads_etc_environment: bool | None = None, seed: int = 0,
                    variables: Mapping[str, str] | None = None,
                    steps: Sequence[DeploymentStep] | None = None) -> SeedDeployment:
    """Return the story's world with ``RestartMethod`` = ``method`` (``Client`` or
    ``Recipe``) on ``os`` Tentacles; ``unit_reads_etc_environment`` is the Linux units'
    (None: the simulator's default, not). ``variables``: more project variables;
    ``steps``: another process (default :func:`story_steps`). ``Octosim.RestartTentacle``
    is installed."""
    agents = tuple(
        AgentSpec(name=name, os=os, environment_name=ENVIRONMENT, roles=(ROLE,),
                  unit_reads_etc_environment=unit_reads_etc_environment)
        for name in TARGETS)
    sim = install(Simulation.from_scenario(
        Scenario(name="seed-deployment", environments=(ENVIRONMENT,), agents=agents),
        seed=seed))
    store = sim.deployments
    project = store.add_project("Spaces-1", PROJECT)
    store.set_process(project.deployment_process_id,
                      list(steps) if steps is not None else story_steps(os))
    store.set_variables(project.variable_set_id, [
        Variable(METHOD_VARIABLE, method),
        *(Variable(name, value) for name, value in (variables or {}).items())])
    return SeedDeployment(sim, project.id, os)


def deploy(world: SeedDeployment, *, until: float = 3600.0) -> Task:
    """Create a release of the project, deploy it to Production and run the simulation
    until the Deploy task ends (at most ``until`` virtual seconds); return the task."""
    store, sim = world.sim.deployments, world.sim
    release = create_release(store, world.project_id, now=sim.clock.now())
    deployment = create_deployment(store, release.id, ENVIRONMENT, now=sim.clock.now())
    task = queue_deployment(sim.engine, store, deployment.id)
    while not task.is_completed and sim.clock.now() < until:
        sim.clock.advance_to(min(until, sim.clock.now() + 60))
    return task


def from_preset(preset: str, method: str | None = None, *, seed: int = 0) -> SeedDeployment:
    """The story's world as the shipped preset ``seed-deployment`` or
    ``seed-deployment-linux`` describes it, ``Octosim.RestartTentacle`` installed;
    ``method`` replaces the preset's ``RestartMethod`` (``Recipe``) when given."""
    sim = install(Simulation.from_scenario(preset, seed=seed))
    store = sim.deployments
    project = store.project("Spaces-1", PROJECT)
    if method is not None:
        kept = [v for v in store.variables_of(project.id).variables
                if v.name != METHOD_VARIABLE]
        store.set_variables(project.variable_set_id, [*kept, Variable(METHOD_VARIABLE, method)])
    os = "Linux" if preset.endswith("-linux") else "Windows"
    return SeedDeployment(sim, project.id, os)
