"""Building the deployment half of a scenario into a world's
:class:`~octosim.model.deployment_store.DeploymentStore`, and its worker pool.

:func:`build_deployments` declares, in this order, the lifecycles, project groups, projects,
tenants, machine tenancy, then each project's process, variables and runbooks (a runbook's
snapshot takes the project's variables, so they come first). Names become the ids the store
gave. Step and action GUIDs and drawn snapshot names come from the world's random stream, so
``Simulation.from_scenario`` calls this after the world stream is the simulation's: the same
seed gives the same ids, and a scenario without projects draws nothing.

A scenario that was read is checked already (:func:`.deployment_schema.check_deployments`);
one built in Python is not, so what the store refuses is raised as a ScenarioError naming
the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deployment_rules import publish_runbook_snapshot
from octosim.model.deployment_store import DeploymentStore
from octosim.model.lifecycles import Phase
from octosim.model.process_runner import ACTION_CONDITION_EXPRESSION, CONDITION_EXPRESSION
from octosim.model.projects import (
    MAX_PARALLELISM,
    RUN_ON_SERVER,
    SCRIPT_BODY,
    SCRIPT_SYNTAX,
    TARGET_ROLES,
    DeploymentAction,
    DeploymentStep,
)
from octosim.model.runbooks import EnvironmentScope
from octosim.model.tenants import MachineTenancy, TenantedDeploymentParticipation
from octosim.model.variables import Variable, VariableScope
from octosim.model.workers import WorkerPools
from octosim.scenario._knob import ScenarioError
from octosim.scenario.deployment_schema import StepSpec, check_deployments
from octosim.scenario.fleet_schema import rollout_steps

if TYPE_CHECKING:
    from octosim.model.agents import AgentBinding
    from octosim.model.world import World
    from octosim.scenario.schema import Scenario

__all__ = ["build_deployments", "build_steps", "build_workers"]


def build_workers(scenario: Scenario, world: World, engine: AgentBinding) -> WorkerPools:
    """Return the worker pools ``[workers]`` describes (made on first use, as always)."""
    return WorkerPools(world, engine, os_family=scenario.workers.os,
                       workers_per_pool=scenario.workers.count)


def build_deployments(scenario: Scenario, store: DeploymentStore) -> None:
    """Declare the scenario's lifecycles, project groups, projects (process, variables,
    runbooks) and tenants in ``store``, in the world's default space.

    Raises ScenarioError naming the key of each name that refers to nothing (a scenario
    built in Python is not checked when it is made).
    """
    problems = [f"{key}: {text}" for key, text in check_deployments(scenario)]
    if problems:
        raise ScenarioError(problems, scenario.name)
    try:
        _build(scenario, store)
    except DeploymentModelError as refused:  # the store's own rules, e.g. a phase
        raise ScenarioError([str(e) for e in refused.errors] or [str(refused)],
                            scenario.name) from None


def _build(scenario: Scenario, store: DeploymentStore) -> None:
    world = store.world
    space = world.default_space.id
    envs = {e.name.lower(): e.id for e in store.environments_of(space)}
    machines = {m.name.lower(): m.id for m in world.machines.values() if m.space_id == space}

    def env_ids(names: Sequence[str]) -> list[str]:
        return [envs[n.lower()] for n in names]

    for cycle in scenario.lifecycles:
        store.add_lifecycle(space, cycle.name, [
            Phase(p.name, env_ids(p.environments), env_ids(p.optional_environments),
                  p.minimum_environments_before_promotion, p.optional)
            for p in cycle.phases], description=cycle.description)
    for group in scenario.project_groups:
        store.add_project_group(space, group.name, description=group.description)
    projects = {
        p.name.lower(): store.add_project(space, p.name, project_group=p.group,
                                          lifecycle=p.lifecycle, description=p.description)
        for p in scenario.projects
    }
    tenants: dict[str, str] = {}
    for tenant in scenario.tenants:
        connected = {projects[link.project.lower()].id: env_ids(link.environments)
                     for link in tenant.projects}
        made = store.add_tenant(space, tenant.name, connected)
        made.description = tenant.description
        tenants[tenant.name.lower()] = made.id
    for agent in scenario.agents:
        if agent.tenanted_deployment_participation is not None or agent.tenants:
            store.set_machine_tenancy(machines[agent.name.lower()], MachineTenancy(
                agent.tenanted_deployment_participation
                or TenantedDeploymentParticipation.Untenanted,
                tuple(tenants[t.lower()] for t in agent.tenants or ())))
    for spec in scenario.projects:
        project = projects[spec.name.lower()]
        # A rollout's max_parallelism is the rolling window of the projects it deploys.
        steps = rollout_steps(spec, scenario.rollout)
        store.set_process(project.deployment_process_id, build_steps(steps, envs))
        store.set_variables(project.variable_set_id, [
            Variable(v.name, v.value, v.sensitive, VariableScope(
                environment=tuple(env_ids(v.environments)), role=v.roles,
                machine=tuple(machines[m.lower()] for m in v.machines),
                tenant=tuple(tenants[t.lower()] for t in v.tenants)),
                description=v.description)
            for v in spec.variables])
        for book in spec.runbooks:
            runbook = store.add_runbook(
                project.id, book.name, description=book.description,
                environment_scope=(EnvironmentScope.Specified if book.environments
                                   else EnvironmentScope.All),
                environments=env_ids(book.environments))
            store.set_process(runbook.process.id, build_steps(book.steps, envs))
            if book.publish:
                publish_runbook_snapshot(store, runbook.id)


def build_steps(steps: Sequence[StepSpec], environments: dict[str, str]) -> list[DeploymentStep]:
    """Return the model's steps for ``steps``; ``environments`` maps lower-case environment
    names to ids. Each readable key becomes the Octopus property it stands for."""
    built: list[DeploymentStep] = []
    for step in steps:
        properties = dict(step.properties or {})
        if step.roles:
            properties[TARGET_ROLES] = ",".join(step.roles)
        if step.max_parallelism is not None:
            properties[MAX_PARALLELISM] = str(step.max_parallelism)
        if step.condition_expression is not None:
            properties[CONDITION_EXPRESSION] = step.condition_expression
        actions = []
        for action in step.actions:
            props = dict(action.properties or {})
            if action.script_body is not None:
                props[SCRIPT_BODY] = action.script_body
            if action.syntax is not None:
                props[SCRIPT_SYNTAX] = action.syntax
            if action.run_on_server:
                props[RUN_ON_SERVER] = "true"
            if action.condition_expression is not None:
                props[ACTION_CONDITION_EXPRESSION] = action.condition_expression
            actions.append(DeploymentAction(
                action.name or step.name, action.action_type, props,
                environments=[environments[e.lower()] for e in action.environments],
                excluded_environments=[environments[e.lower()]
                                       for e in action.excluded_environments],
                condition=action.condition))
        built.append(DeploymentStep(step.name, actions, properties, step.condition,
                                    step.start_trigger))
    return built
