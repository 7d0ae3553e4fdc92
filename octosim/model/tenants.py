"""Tenants, and which targets take part in a tenant's deployments.

A :class:`Tenant` is connected to projects, per environment. A machine's tenancy
(:class:`MachineTenancy`, Octopus's ``TenantedDeploymentParticipation`` with ``TenantIds`` and
``TenantTags``) decides whether it is a target of a tenanted or an untenanted deployment: the
:class:`~octosim.model.world.Machine` of the world has no such fields, so the deployment store
keeps them beside it (see :meth:`DeploymentStore.set_machine_tenancy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["MachineTenancy", "Tenant", "TenantedDeploymentParticipation"]


class TenantedDeploymentParticipation(StrEnum):
    """How a machine takes part in tenanted deployments (Octopus's enum)."""

    Untenanted = "Untenanted"
    Tenanted = "Tenanted"
    TenantedOrUntenanted = "TenantedOrUntenanted"


@dataclass
class Tenant:
    """A ``Tenants-N``; ``project_environments`` maps a project id to its environment ids."""

    id: str
    space_id: str
    name: str
    project_environments: dict[str, list[str]] = field(default_factory=dict)
    tenant_tags: list[str] = field(default_factory=list)
    description: str = ""

    def is_connected(self, project_id: str, environment_id: str) -> bool:
        """Return True if this tenant may be deployed for ``project_id`` to ``environment_id``."""
        return environment_id in self.project_environments.get(project_id, ())


@dataclass(frozen=True)
class MachineTenancy:
    """A machine's part in tenanted deployments; the default is Octopus's (untenanted)."""

    participation: TenantedDeploymentParticipation = TenantedDeploymentParticipation.Untenanted
    tenant_ids: tuple[str, ...] = ()
    tenant_tags: tuple[str, ...] = ()

    def serves(self, tenant: Tenant | None) -> bool:
        """Return True if the machine is a target of a deployment for ``tenant`` (None =
        untenanted)."""
        kind = TenantedDeploymentParticipation
        if tenant is None:
            return self.participation is not kind.Tenanted
        if self.participation is kind.Untenanted:
            return False
        return tenant.id in self.tenant_ids or any(
            tag in self.tenant_tags for tag in tenant.tenant_tags
        )
