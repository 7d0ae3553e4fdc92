"""Lifecycles: which environments a release may be deployed to, given where it succeeded.

Octopus's rules (octopus-deployments.md §5.1, CONFIRMED from the lifecycle docs):

- a lifecycle **with no phases** has one implicit phase per environment of its space, in the
  environments' sort order, each to be deployed in order; environments added later join;
- a phase **with no environments** means every environment not named by an earlier phase;
- a phase is complete once its release has succeeded in all of its environments, or in
  ``minimum_environments_before_promotion`` of them when that is set; an optional phase never
  holds the release back;
- the release may go to every environment of every phase up to and including the first
  incomplete phase that is not optional. Redeploying to an earlier environment stays allowed.

:func:`effective_phases` and :func:`allowed_environments` are pure; they take environments as
``(id, sort_order)`` pairs so they need nothing else from the world (and
:func:`allowed_by_phases` takes the phases already made).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from operator import itemgetter

__all__ = [
    "EffectivePhase",
    "Lifecycle",
    "Phase",
    "allowed_by_phases",
    "allowed_environments",
    "effective_phases",
]


@dataclass
class Phase:
    """A phase of a lifecycle, as Octopus stores it.

    ``optional_deployment_targets`` is Octopus's API name for the environments deployed
    *manually* (the UI's wording); they count towards completing the phase like the
    automatic ones.
    """

    name: str
    automatic_deployment_targets: list[str] = field(default_factory=list)
    optional_deployment_targets: list[str] = field(default_factory=list)
    #: 0 means "all environments of the phase".
    minimum_environments_before_promotion: int = 0
    is_optional_phase: bool = False

    @property
    def environment_ids(self) -> list[str]:
        """Return the phase's environments, automatic ones first."""
        return [*self.automatic_deployment_targets, *self.optional_deployment_targets]


@dataclass
class Lifecycle:
    """A ``Lifecycles-N``; no phases means the default one-phase-per-environment convention."""

    id: str
    space_id: str
    name: str
    phases: list[Phase] = field(default_factory=list)
    description: str = ""


@dataclass(frozen=True)
class EffectivePhase:
    """A phase with its environments made explicit (what ``/lifecycles/{id}/preview`` shows)."""

    name: str
    environment_ids: tuple[str, ...]
    minimum_environments_before_promotion: int
    is_optional_phase: bool

    def is_complete(self, succeeded: Set[str]) -> bool:
        """Return True if a release that succeeded in ``succeeded`` has passed this phase."""
        if self.is_optional_phase:
            return True
        done = sum(1 for env in self.environment_ids if env in succeeded)
        if self.minimum_environments_before_promotion > 0:
            return done >= self.minimum_environments_before_promotion
        return all(env in succeeded for env in self.environment_ids)


def effective_phases(
    lifecycle: Lifecycle, environments: Iterable[tuple[str, int]]
) -> list[EffectivePhase]:
    """Return the phases of ``lifecycle`` with their environments filled in.

    ``environments`` are the space's environments as ``(id, sort_order)``. With no phases,
    one phase per environment in sort order (named after nothing better: the environment
    id); a phase listing no environment takes every environment no earlier phase named.
    """
    ordered = [env_id for env_id, _ in sorted(environments, key=itemgetter(1, 0))]
    if not lifecycle.phases:
        return [EffectivePhase(env_id, (env_id,), 0, False) for env_id in ordered]
    phases: list[EffectivePhase] = []
    named: set[str] = set()
    for phase in lifecycle.phases:
        if phase.environment_ids:
            env_ids = tuple(phase.environment_ids)
        else:
            env_ids = tuple(env for env in ordered if env not in named)
        named.update(env_ids)
        phases.append(
            EffectivePhase(
                phase.name, env_ids, phase.minimum_environments_before_promotion,
                phase.is_optional_phase,
            )
        )
    return phases


def allowed_environments(
    lifecycle: Lifecycle,
    environments: Iterable[tuple[str, int]],
    succeeded: Set[str],
) -> list[str]:
    """Return the ids of the environments a release may be deployed to now, in phase order.

    ``succeeded`` are the environments where the release has a successful deployment.
    """
    return allowed_by_phases(effective_phases(lifecycle, environments), succeeded)


def allowed_by_phases(phases: Iterable[EffectivePhase], succeeded: Set[str]) -> list[str]:
    """Return what :func:`allowed_environments` returns, given the lifecycle's
    :func:`effective_phases`."""
    allowed: list[str] = []
    for phase in phases:
        allowed.extend(env for env in phase.environment_ids if env not in allowed)
        if not phase.is_complete(succeeded):
            break
    return allowed
