"""The fleet half of the scenario schema: generated agents and the rollout (issue 18).

- ``[[agent_groups]]`` generate agents: ``count`` of them, named by a pattern
  (``"web-{n:03}"``: web-001, web-002, …), with one OS, style, environment and roles, a
  share of them running a named instance, and service timings drawn per restart from a
  range as an agent's are. Which agents run the named instance is spread evenly over the
  group (no draw), so the agents a group makes depend on the scenario alone, and are checked
  when it is read like the agents it lists.
- ``[rollout]`` describes what happens to them, ONE of: ``[[rollout.deployments]]`` (one
  deployment, or K concurrent ones: project, environment, tenant, when), each project's
  role steps run ``max_parallelism`` targets at once; or ``[rollout.restarts]``:
  independent restarts of the agents, arriving over time at a fixed ``interval`` or a
  ``rate`` (random gaps drawn from the seed).

octosim only describes a rollout: the restart package runs it
(``restart.fleet.Fleet.from_scenario``), since the restart client is not octosim's to run.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.durations import Span
from octosim.scenario._knob import knob, show
from octosim.scenario.deployment_schema import MAX_PROJECTS, ProjectSpec, StepSpec

__all__ = [
    "METHODS",
    "AgentGroupSpec",
    "RestartArrivalsSpec",
    "RolloutDeploymentSpec",
    "RolloutSpec",
    "check_agent_group",
    "check_fleet",
    "named_instance_at",
    "rollout_steps",
]

#: What restarts a Tentacle in ``[rollout.restarts]``: the restart client, or the recipe's
#: port (the restart package's ``RestartMethod``).
METHODS = ("Client", "Recipe")

_TIMING = ServiceTiming()
_MAX_ARRIVALS_PER_MINUTE = 10_000.0


# -- [[agent_groups]] ---------------------------------------------------------------------------
#: What a name pattern may hold in braces: the agent's number, perhaps zero-padded to at
#: most 99 places (a wider field would build names of any length).
_NUMBER = re.compile(r"\{n(:0?[1-9]?[0-9]?)?\}")


def check_agent_group(group: AgentGroupSpec) -> Iterator[tuple[str, str]]:
    if "{" in _NUMBER.sub("", group.name) or "}" in _NUMBER.sub("", group.name):
        yield "name", ("cannot be filled in: its only placeholder may be the agent's number, "
                       f'{{n}} or {{n:03}}, e.g. "web-{{n:03}}"; got {show(group.name)}')
        return
    try:
        first = group.agent_name(1)
        second = group.agent_name(2)
    except (KeyError, IndexError, ValueError) as exc:
        yield "name", (f"cannot be filled in ({exc!s}); write the agent's number as {{n}} or "
                       f'{{n:03}}, e.g. "web-{{n:03}}"')
        return
    if group.count > 1 and first == second:
        yield "name", (f"every agent of the group would be named {first!r}; put the agent's "
                       f'number in it, e.g. "{group.name}-{{n:03}}"')
    if not group.named_instance.strip():
        yield "named_instance", "expected an instance name that is not blank"
    elif group.named_instance.lower() == DEFAULT_INSTANCE.lower():
        yield "named_instance", (f"{DEFAULT_INSTANCE!r} is the default instance; name another "
                                 "(the Tentacle's service is then 'OctopusDeploy Tentacle: NAME')")


@dataclass(frozen=True)
class AgentGroupSpec:
    """Agents made by pattern (an ``[[agent_groups]]`` table).

    ``name``: each agent's name, ``{n}`` its number from 1 (``"web-{n:03}"``).
    ``environment`` (None: the scenario's first). ``named_instances``: the share of the
    group running the instance ``named_instance`` instead of the default one, spread evenly
    (0.1 of 20 agents: the 10th and the 20th). The timings are each agent's, drawn per
    restart from ``[min, max]`` as for ``[[agents]]``.
    """

    name: str = field(default="tentacle-{n:03}", metadata=knob(
        pattern=r"(?s).*\S.*", pattern_text="a name pattern that is not blank"))
    count: int = field(default=1, metadata=knob(low=1, high=10_000))
    os: str = field(default="Windows", metadata=knob(choices=("Windows", "Linux"),
                                                     fold_case=True))
    communication_style: str = field(default="listening", metadata=knob(
        choices=("listening", "polling"), fold_case=True))
    environment_name: str | None = field(default=None, metadata=knob(toml="environment"))
    roles: tuple[str, ...] = field(default=("web-server",), metadata=knob(high=100))
    named_instances: float = field(default=0.0, metadata=knob(high=1.0))
    named_instance: str = "Web"
    stop_seconds: Span = field(default=_TIMING.stop_seconds, metadata=knob(unit="seconds"))
    start_seconds: Span = field(default=_TIMING.start_seconds, metadata=knob(unit="seconds"))
    startup_delay: Span = field(default=_TIMING.startup_delay, metadata=knob(unit="seconds"))
    fail_to_start_rate: float = field(default=_TIMING.fail_to_start_rate,
                                      metadata=knob(high=1.0))

    def agent_name(self, n: int) -> str:
        """The name of the group's ``n``-th agent (from 1). Raises ValueError for a pattern
        with any placeholder but the number (``{n}``, ``{n:03}``)."""
        if "{" in _NUMBER.sub("", self.name) or "}" in _NUMBER.sub("", self.name):
            raise ValueError(f"the name pattern {self.name!r} may hold only {{n}} or {{n:03}}")
        return self.name.format(n=n)

    def is_named(self, n: int) -> bool:
        """Whether the ``n``-th agent (from 1) runs the named instance."""
        return named_instance_at(n, self.named_instances)


def named_instance_at(n: int, share: float) -> bool:
    """Whether the ``n``-th of a group (from 1) is one of the ``share`` running a named
    instance: spread evenly, ``floor(n * share)`` of the first ``n`` are."""
    return math.floor(n * share + 1e-9) > math.floor((n - 1) * share + 1e-9)


# -- [rollout] ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RolloutDeploymentSpec:
    """One deployment of the rollout (``[[rollout.deployments]]``): a new release of
    ``project`` deployed to ``environment`` (for ``tenant``) at virtual time ``at``."""

    project: str = field(metadata=knob(pattern=r"(?s).*\S.*",
                                       pattern_text="a project name that is not blank"))
    environment: str = field(metadata=knob(pattern=r"(?s).*\S.*",
                                           pattern_text="an environment name that is not blank"))
    tenant: str | None = None
    at: float = field(default=0.0, metadata=knob(unit="seconds"))


def _check_arrivals(arrivals: RestartArrivalsSpec) -> Iterator[tuple[str, str]]:
    if arrivals.rate is not None and arrivals.interval:
        yield "rate", ("give the restarts' arrivals as a fixed interval or a rate, not both; "
                       "drop one")


@dataclass(frozen=True)
class RestartArrivalsSpec:
    """Independent restarts arriving over time (``[rollout.restarts]``): one restart of each
    agent named in ``agents`` (none: every agent, or every agent with ``role``), in order,
    by ``method``. The first arrives at ``first``; the next ``interval`` seconds later
    each, or, with ``rate`` (restarts per minute), after gaps drawn at random (a Poisson
    stream, from the seed)."""

    agents: tuple[str, ...] = field(default=(), metadata=knob(high=10_000))
    role: str | None = None
    method: str = field(default="Client", metadata=knob(choices=METHODS, fold_case=True))
    first: float = field(default=0.0, metadata=knob(unit="seconds"))
    interval: float = field(default=0.0, metadata=knob(unit="seconds"))
    rate: float | None = field(default=None, metadata=knob(
        low=0.0, low_open=True, high=_MAX_ARRIVALS_PER_MINUTE, unit="restarts per minute"))

    def chosen(self, agents: Sequence[_Agent]) -> list[str]:
        """The names of the agents to restart, in order, out of the scenario's ``agents``."""
        if self.agents:
            return list(self.agents)
        role = (self.role or "").lower()
        return [a.name for a in agents if not role or role in (r.lower() for r in a.roles)]

    def times(self, count: int, rng: random.Random) -> list[float]:
        """The virtual times of ``count`` arrivals; a ``rate`` draws its gaps from ``rng``."""
        times, t = [], self.first
        for _ in range(count):
            times.append(t)
            t += rng.expovariate(self.rate / 60.0) if self.rate else self.interval
        return times


@dataclass(frozen=True)
class RolloutSpec:
    """What the rollout does (``[rollout]``): ``deployments`` or ``restarts``, one of them.

    ``max_parallelism``: the rolling window of every step with roles in the projects the
    rollout deploys (Octopus's ``Octopus.Action.MaxParallelism``; absent: each step's own).
    ``horizon``: how long the runner lets the rollout run, in virtual seconds; what has not
    ended by then never would have (a hang)."""

    deployments: tuple[RolloutDeploymentSpec, ...] = field(default=(), metadata=knob(
        high=MAX_PROJECTS))
    restarts: RestartArrivalsSpec | None = field(default=None, metadata=knob(
        check=_check_arrivals))
    max_parallelism: int | None = field(default=None, metadata=knob(low=1, high=10_000))
    horizon: float = field(default=3600.0, metadata=knob(low=0.0, low_open=True,
                                                         unit="seconds"))


def rollout_steps(project: ProjectSpec, rollout: RolloutSpec | None) -> tuple[StepSpec, ...]:
    """Return ``project``'s steps, each step with roles given the rollout's
    ``max_parallelism`` when the rollout deploys the project."""
    if rollout is None or rollout.max_parallelism is None or not any(
            d.project.lower() == project.name.lower() for d in rollout.deployments):
        return project.steps
    return tuple(replace(s, max_parallelism=rollout.max_parallelism) if s.roles else s
                 for s in project.steps)


# -- what names must refer to -------------------------------------------------------------------
class _Agent(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def roles(self) -> tuple[str, ...]: ...


class _Declared(Protocol):
    # What the checks read of a scenario (schema.Scenario, which imports this module).
    @property
    def environments(self) -> tuple[str, ...]: ...
    @property
    def agent_groups(self) -> tuple[AgentGroupSpec, ...]: ...
    @property
    def projects(self) -> tuple[ProjectSpec, ...]: ...
    @property
    def rollout(self) -> RolloutSpec | None: ...
    def all_agents(self) -> Sequence[_Agent]: ...


def _unknown(where: str, name: str, known: Sequence[str], what: str) -> Iterator[tuple[str, str]]:
    if name.lower() not in {k.lower() for k in known}:
        shown = list(known)[:20]
        more = ", …" if len(known) > 20 else ""
        yield where, f"expected one of the {what} {show(shown)[:-1]}{more}], got {show(name)}"


def check_fleet(scenario: _Declared, tenants: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(key, problem)`` for a group in an environment the scenario lacks, and for a
    rollout that describes both or neither of its kinds, or names a project, environment,
    tenant, agent or role the scenario does not have."""
    envs = list(scenario.environments)
    for i, group in enumerate(scenario.agent_groups):
        if group.environment_name is not None:
            yield from _unknown(f"agent_groups[{i}].environment", group.environment_name, envs,
                                "environments")
    rollout = scenario.rollout
    if rollout is None:
        return
    if bool(rollout.deployments) == (rollout.restarts is not None):
        yield "rollout", ("describe ONE rollout: [[rollout.deployments]] (one deployment, or "
                          "several at once) or [rollout.restarts] (restarts arriving over time)")
    projects = [p.name for p in scenario.projects]
    for i, deployment in enumerate(rollout.deployments):
        at = f"rollout.deployments[{i}]"
        yield from _unknown(f"{at}.project", deployment.project, projects, "projects")
        yield from _unknown(f"{at}.environment", deployment.environment, envs, "environments")
        if deployment.tenant is not None:
            yield from _unknown(f"{at}.tenant", deployment.tenant, tenants, "tenants")
    if rollout.max_parallelism is not None and rollout.restarts is not None:
        yield "rollout.max_parallelism", ("is the rolling window of deployments; restarts "
                                          "arriving on their own have none: drop it")
    restarts = rollout.restarts
    if restarts is None:
        return
    try:
        agents = scenario.all_agents()
    except (KeyError, IndexError, ValueError):
        return  # a group's name pattern that cannot be filled in: its own problem
    names = [a.name for a in agents]
    for j, name in enumerate(restarts.agents):
        yield from _unknown(f"rollout.restarts.agents[{j}]", name, names, "agents")
    if restarts.role is not None and not any(
            restarts.role.lower() in (r.lower() for r in a.roles) for a in agents):
        yield "rollout.restarts.role", f"no agent has the role {restarts.role!r}"
