"""The static world as Octopus JSON: the root document, spaces and space homes, users,
environments, machines (DeploymentTargetResource) and machine connection status.

Machines are rendered from :class:`~octosim.model.world.Machine`'s own fields only; its
``agent`` belongs to the Tentacle model and is never read here.
"""

from __future__ import annotations

from typing import Any

from octosim.api.timefmt import Dates
from octosim.model.states import HealthStatus
from octosim.model.world import Environment, Machine, Space, User

__all__ = [
    "API_VERSION",
    "ENVIRONMENT_QUERY",
    "MACHINE_QUERY",
    "SPACE_QUERY",
    "TASK_QUERY",
    "connection_status",
    "environment_resource",
    "machine_resource",
    "machine_status",
    "root_resource",
    "space_home",
    "space_resource",
    "user_resource",
]

#: The C# client refuses servers outside 3.0.0–3.0.99 (octopus-api.md §1).
API_VERSION = "3.0.0"

# RFC 6570 templates, as real servers send them; clients expand them before use.
TASK_QUERY = (
    "{?skip,active,environment,tenant,runbook,project,name,node,running,states,"
    "hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,includeSystem,"
    "description,fromCompletedDate,toCompletedDate,fromQueueDate,toQueueDate}"
)
MACHINE_QUERY = (
    "{?skip,take,name,ids,partialName,roles,isDisabled,healthStatuses,commStyles,"
    "environmentIds,thumbprint}"
)
ENVIRONMENT_QUERY = "{?name,skip,ids,take,partialName}"
SPACE_QUERY = "{?skip,ids,take,partialName}"


def _collection_links(prefix: str) -> dict[str, str]:
    """Links to the collections the simulator serves under ``prefix`` (``/api`` or a space)."""
    return {
        "Tasks": f"{prefix}/tasks{{/id}}{TASK_QUERY}",
        "TaskTypes": f"{prefix}/tasks/tasktypes",
        "Machines": f"{prefix}/machines{{/id}}{MACHINE_QUERY}",
        "Environments": f"{prefix}/environments{{/id}}{ENVIRONMENT_QUERY}",
    }


def root_resource(version: str, installation_id: str) -> dict[str, Any]:
    """Return the root document served at ``GET /api`` (octopus-api.md §1)."""
    return {
        "Application": "Octopus Deploy",
        "Version": version,
        "ApiVersion": API_VERSION,
        "InstallationId": installation_id,
        "IsEarlyAccessProgram": False,
        "HasLongTermSupport": False,
        "Links": {
            "Self": "/api",
            "SpaceHome": "/api/{spaceId}",
            "Spaces": f"/api/spaces{{/id}}{SPACE_QUERY}",
            "CurrentUser": "/api/users/me",
            **_collection_links("/api"),
            "Web": "/app",
        },
    }


def space_home(space: Space) -> dict[str, Any]:
    """Return a space's home document (SpaceRootResource): ``{Id, Links}``."""
    prefix = f"/api/{space.id}"
    return {
        "Id": space.id,
        "Links": {"Self": prefix, **_collection_links(prefix), "Web": f"/app#/{space.id}"},
    }


def space_resource(space: Space) -> dict[str, Any]:
    """Return a SpaceResource. Its links include the space home's collection links, so a
    client reading ``{Id, Links}`` from ``/api/spaces/{id}`` finds what a space home has."""
    return {
        "Id": space.id,
        "Name": space.name,
        "Slug": space.slug,
        "Description": space.description,
        "IsDefault": space.is_default,
        "TaskQueueStopped": space.task_queue_stopped,
        "SpaceManagersTeams": [f"teams-spacemanagers-{space.id}"],
        "SpaceManagersTeamMembers": [],
        "Links": {
            "Self": f"/api/spaces/{space.id}",
            "SpaceHome": f"/api/{space.id}",
            **_collection_links(f"/api/{space.id}"),
            "Web": f"/app#/spaces/{space.id}",
            "Logo": f"/api/spaces/{space.id}/logo",
            "Search": f"/api/spaces/{space.id}/search",
        },
    }


def user_resource(user: User) -> dict[str, Any]:
    """Return a UserResource (``Links.Spaces`` is ``/api/users/{id}/spaces``)."""
    base = f"/api/users/{user.id}"
    return {
        "Id": user.id,
        "Username": user.username,
        "DisplayName": user.display_name,
        "IsActive": True,
        "IsService": user.is_service,
        "EmailAddress": user.email,
        "CanPasswordBeEdited": not user.is_service,
        "IsRequestor": True,
        "Identities": [],
        "Links": {
            "Self": base,
            "Spaces": f"{base}/spaces",
            "Permissions": f"{base}/permissions",
            "ApiKeys": f"{base}/apikeys{{/id}}{{?skip,take}}",
            "Web": f"/app#/users/{user.id}",
        },
    }


def environment_resource(env: Environment) -> dict[str, Any]:
    """Return an EnvironmentResource."""
    base = f"/api/{env.space_id}/environments/{env.id}"
    return {
        "Id": env.id,
        "SpaceId": env.space_id,
        "Name": env.name,
        "Description": env.description,
        "SortOrder": env.sort_order,
        "UseGuidedFailure": env.use_guided_failure,
        "AllowDynamicInfrastructure": env.allow_dynamic_infrastructure,
        "ExtensionSettings": [],
        "Links": {
            "Self": base,
            "Machines": f"{base}/machines{MACHINE_QUERY}",
            "Web": f"/app#/{env.space_id}/infrastructure/environments/{env.id}",
        },
    }


def machine_status(machine: Machine) -> str:
    """Return the machine's ``Status`` (MachineModelStatus) implied by its health."""
    if machine.is_disabled:
        return "Disabled"
    if machine.health_status is HealthStatus.Unavailable:
        return "Offline"
    if machine.health_status is HealthStatus.Unknown:
        return "Unknown"
    return "Online"  # Healthy, HasWarnings and Unhealthy were all reached


def machine_resource(machine: Machine, *, in_process: bool = False) -> dict[str, Any]:
    """Return a DeploymentTargetResource (octopus-api.md §5). ``in_process``: a task is
    running against the machine right now (``IsInProcess``)."""
    base = f"/api/{machine.space_id}/machines/{machine.id}"
    return {
        "Id": machine.id,
        "Name": machine.name,
        "SpaceId": machine.space_id,
        "Slug": machine.slug,
        "EnvironmentIds": list(machine.environment_ids),
        "Roles": list(machine.roles),
        "TenantIds": [],
        "TenantTags": [],
        "TenantedDeploymentParticipation": "Untenanted",
        "IsDisabled": machine.is_disabled,
        "IsInProcess": in_process,
        "MachinePolicyId": machine.machine_policy_id,
        "HealthStatus": machine.health_status.value,
        "Status": machine_status(machine),
        "StatusSummary": machine.status_summary,
        "HasLatestCalamari": machine.has_latest_calamari,
        "OperatingSystem": machine.operating_system,
        "ShellName": machine.shell_name,
        "ShellVersion": machine.shell_version,
        "Architecture": machine.architecture,
        "Uri": machine.uri,
        "Thumbprint": machine.thumbprint,
        "Endpoint": {
            "CommunicationStyle": machine.communication_style.value,
            "Uri": machine.uri,
            "Thumbprint": machine.thumbprint,
            "TentacleVersionDetails": {
                "Version": machine.tentacle_version,
                "UpgradeLocked": False,
                "UpgradeSuggested": False,
                "UpgradeRequired": False,
                "UpgradeAvailable": False,
            },
            "CertificateSignatureAlgorithm": "sha256RSA",
            "Links": {},
        },
        "Links": {
            "Self": base,
            "Connection": f"{base}/connection",
            "TasksTemplate": f"{base}/tasks{{?skip,take,type}}",
            "Web": f"/app#/{machine.space_id}/infrastructure/machines/{machine.id}/settings",
        },
    }


def connection_status(machine: Machine, dates: Dates) -> dict[str, Any]:
    """Return a MachineConnectionStatus from the machine's last health interaction."""
    checked = dates.iso_or_none(machine.last_checked)
    return {
        "Id": f"MachineConnectionStatuses-{machine.id.rsplit('-', 1)[-1]}",
        "MachineId": machine.id,
        "Status": machine_status(machine),
        "CurrentTentacleVersion": machine.tentacle_version,
        "LastChecked": checked,
        "Logs": [
            {"Category": "Info", "OccurredAt": checked, "MessageText": line}
            for line in machine.connection_logs
        ],
        "Links": {
            "Self": f"/api/{machine.space_id}/machines/{machine.id}/connection",
            "Machine": f"/api/{machine.space_id}/machines/{machine.id}",
        },
    }
