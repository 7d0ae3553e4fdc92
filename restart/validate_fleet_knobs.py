"""What fleet validation can change in a fleet scenario: the policy its restart steps use,
the server's task cap, the rollout's MaxParallelism.

A deployment's restart step reads its policy from the project's ``RestartTentacle.<Knob>``
variables (:mod:`restart.step_actions`), not from the command line; :func:`with_policy`
writes a policy there, so ``validate --health-window 120 --scenario task-cap-deadlock``
means the same for a restart started by a deployment as for one started from outside, and
the recommendation can try a health window or a deadline in the steps.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from restart.policy import KNOBS, RestartPolicy
from restart.step_actions import ACTION_TYPE, POLICY_PREFIX

if TYPE_CHECKING:
    from octosim.scenario import ProjectSpec, Scenario

__all__ = ["policy_variables", "with_max_parallelism", "with_policy", "with_task_cap"]

_DEFAULTS = RestartPolicy()


def _variable(field: str) -> str:
    # restart.step_actions' spelling: RestartTentacle.HealthWindow for health_window.
    return POLICY_PREFIX + "".join(word.capitalize() for word in field.split("_"))


def policy_variables(policy: RestartPolicy) -> dict[str, str]:
    """The ``RestartTentacle.<Knob>`` variables that give ``policy`` to a restart step: one
    per knob that differs from the client's default (and the instance, if named), so a
    value the project already sets stays unless the policy changes that knob."""
    found = {_variable(k.name): f"{getattr(policy, k.name):g}" for k in KNOBS
             if getattr(policy, k.name) != getattr(_DEFAULTS, k.name)}
    if policy.instance is not None:
        found[_variable("instance")] = policy.instance
    return found


def with_policy(scenario: Scenario, policy: RestartPolicy) -> Scenario:
    """Return ``scenario`` with ``policy`` in every project that has a restart step (its
    :func:`policy_variables`, replacing the project's variables of the same names)."""
    values = policy_variables(policy)
    if not values:
        return scenario
    return dataclasses.replace(scenario, projects=tuple(
        _with_variables(p, values) if _restarts(p) else p for p in scenario.projects))


def with_task_cap(scenario: Scenario, cap: int) -> Scenario:
    """Return ``scenario`` with the server's task cap at ``cap``."""
    return dataclasses.replace(scenario, server=dataclasses.replace(scenario.server,
                                                                    task_cap=cap))


def with_max_parallelism(scenario: Scenario, window: int) -> Scenario:
    """Return ``scenario`` with its deployments' role steps running ``window`` targets at
    once. Raises ValueError when the rollout is not deployments (restarts arriving on their
    own have no rolling window)."""
    rollout = scenario.rollout
    if rollout is None or not rollout.deployments:
        raise ValueError("MaxParallelism is the rolling window of a deployment; this "
                         "rollout has no [[rollout.deployments]]")
    return dataclasses.replace(scenario, rollout=dataclasses.replace(
        rollout, max_parallelism=window))


def _restarts(project: ProjectSpec) -> bool:
    return any(a.action_type.lower() == ACTION_TYPE.lower()
               for step in project.steps for a in step.actions)


def _with_variables(project: ProjectSpec, values: dict[str, str]) -> ProjectSpec:
    from octosim.scenario import VariableSpec

    names = {name.lower() for name in values}
    kept = tuple(v for v in project.variables if v.name.lower() not in names)
    added = tuple(VariableSpec(name, value) for name, value in values.items())
    return dataclasses.replace(project, variables=kept + added)
