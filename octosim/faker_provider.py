"""A Faker provider for Octopus ids, names, API keys, thumbprints, Tentacle URIs, the
``Octopus.*`` step variables the restart recipe reads, and projects, releases and
deployments: their ids, names, slugs, versions and system variables.

With the pytest plugin installed it is registered on Faker's own ``faker`` fixture; by hand::

    from faker import Faker
    from octosim.faker_provider import OctopusProvider

    fake = Faker()
    fake.add_provider(OctopusProvider)
    fake.octopus_api_key()        # 'API-4G7QK2...'
    fake.octopus_step_variables_for(sim)  # a machine, environment and space sim really has
    fake.octopus_release_version()  # '2.7.15', as the default version template makes

Every value is drawn from Faker's own random source, so ``Faker.seed(n)`` / the
``faker_seed`` fixture make them reproducible. Slugs, versions, deployment names and links
are made by the simulator's own functions, so they are what octosim itself serves.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING

from faker.providers import BaseProvider

from octosim.model.deployments import deploy_description, deployment_name
from octosim.model.projects import slug
from octosim.model.releases import next_version
from octosim.model.system_variables import deployment_links
from octosim.options import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from octosim.simulation import Simulation

__all__ = ["OctopusProvider"]

_ROLES = (
    "web-server", "app-server", "db-server", "worker", "api", "frontend", "backend",
    "iis", "tomcat", "java", "dotnet", "linux-web", "cache", "queue", "reporting",
)
_HOST_PREFIXES = ("web", "app", "api", "db", "svc", "build", "worker", "srv", "tentacle")
_ENVIRONMENTS = ("Development", "Test", "Staging", "UAT", "Production")
_KEY_ALPHABET = string.ascii_uppercase + string.digits
#: Project names are a company's and an application's, as teams name them.
_COMPANIES = ("Octo", "Acme", "Contoso", "Fabrikam", "Northwind", "Tailspin")
_APPLICATIONS = ("Pet Shop", "Payments", "Identity", "Catalog", "Web", "API", "Billing",
                 "Orders", "Java App", "Portal", "Reporting", "Search")


class OctopusProvider(BaseProvider):
    """Octopus Deploy values in the shapes real servers use."""

    def _id(self, kind: str, low: int = 1, high: int = 9999) -> str:
        return f"{kind}-{self.random_int(low, high)}"

    def octopus_space_id(self) -> str:
        """Return a space id like ``Spaces-1``."""
        return self._id("Spaces", 1, 99)

    def octopus_environment_id(self) -> str:
        """Return an environment id like ``Environments-42``."""
        return self._id("Environments")

    def octopus_environment_name(self) -> str:
        """Return an environment name like ``Production``."""
        return str(self.random_element(_ENVIRONMENTS))

    def octopus_machine_id(self) -> str:
        """Return a machine id like ``Machines-7``."""
        return self._id("Machines")

    def octopus_task_id(self) -> str:
        """Return a server task id like ``ServerTasks-12345``."""
        return self._id("ServerTasks", 1, 999_999)

    def octopus_project_id(self) -> str:
        """Return a project id like ``Projects-21``."""
        return self._id("Projects")

    def octopus_project_group_id(self) -> str:
        """Return a project group id like ``ProjectGroups-3``."""
        return self._id("ProjectGroups", 1, 999)

    def octopus_channel_id(self) -> str:
        """Return a channel id like ``Channels-12``."""
        return self._id("Channels")

    def octopus_lifecycle_id(self) -> str:
        """Return a lifecycle id like ``Lifecycles-4``."""
        return self._id("Lifecycles", 1, 999)

    def octopus_release_id(self) -> str:
        """Return a release id like ``Releases-1234``."""
        return self._id("Releases", 1, 99_999)

    def octopus_deployment_id(self) -> str:
        """Return a deployment id like ``Deployments-4321``."""
        return self._id("Deployments", 1, 99_999)

    def octopus_runbook_id(self) -> str:
        """Return a runbook id like ``Runbooks-68``."""
        return self._id("Runbooks")

    def octopus_runbook_run_id(self) -> str:
        """Return a runbook run id like ``RunbookRuns-123``."""
        return self._id("RunbookRuns", 1, 99_999)

    def octopus_tenant_id(self) -> str:
        """Return a tenant id like ``Tenants-9``."""
        return self._id("Tenants")

    def octopus_project_name(self) -> str:
        """Return a project name such as ``Contoso Payments``."""
        return f"{self.random_element(_COMPANIES)} {self.random_element(_APPLICATIONS)}"

    def octopus_project_slug(self, name: str | None = None) -> str:
        """Return the slug Octopus derives from a project's name (``name``, or one drawn as
        by :meth:`octopus_project_name`): ``Contoso Pet Shop`` → ``contoso-pet-shop``."""
        return slug(name if name is not None else self.octopus_project_name())

    def octopus_release_version(self, previous: Sequence[str] | None = None) -> str:
        """Return the version Octopus's default template
        (``#{Octopus.Version.LastMajor}.#{Octopus.Version.LastMinor}.#{Octopus.Version.NextPatch}``)
        gives the next release of a project whose releases are ``previous`` (a list of
        versions, perhaps empty: ``0.0.1``); not given, of a project whose last release is a
        drawn ``M.m.p``: ``M.m.(p+1)``, such as ``2.7.15``.

        Raises DeploymentModelError for a ``previous`` version that is not a version.
        """
        if previous is None:
            previous = [".".join(str(self.random_int(0, n)) for n in (5, 20, 50))]
        return next_version(previous)

    def octopus_machine_name(self) -> str:
        """Return a host-like machine name such as ``web-07``."""
        return f"{self.random_element(_HOST_PREFIXES)}-{self.random_int(1, 99):02d}"

    def octopus_role(self) -> str:
        """Return a target role such as ``web-server``."""
        return str(self.random_element(_ROLES))

    def octopus_roles(self, count: int | None = None) -> list[str]:
        """Return ``count`` distinct roles (1–3 when not given).

        Raises ValueError for a ``count`` below 0 or above the roles there are to draw."""
        if count is not None and not 0 <= count <= len(_ROLES):
            raise ValueError(f"count must be from 0 to {len(_ROLES)} (the distinct roles there "
                             f"are to draw), got {count!r}")
        n = count if count is not None else self.random_int(1, 3)
        return list(self.random_elements(_ROLES, length=n, unique=True))

    def octopus_api_key(self) -> str:
        """Return an API key in the real format, ``API-`` and 27 uppercase letters/digits
        (matches the Go client's check ``^API-[A-Z0-9]+$``)."""
        return "API-" + "".join(self.random_choices(_KEY_ALPHABET, length=27))

    def octopus_thumbprint(self) -> str:
        """Return a certificate thumbprint: 40 uppercase hex digits."""
        return "".join(self.random_choices("0123456789ABCDEF", length=40))

    def octopus_tentacle_uri(self, polling: bool = False) -> str:
        """Return a Tentacle endpoint URI: listening ``https://host:10933/`` or, with
        ``polling``, a ``poll://`` subscription id URI."""
        if polling:
            return "poll://" + "".join(self.random_choices(string.ascii_lowercase, length=20)) + "/"
        return f"https://{self.octopus_machine_name()}.example.internal:10933/"

    def octopus_instance_name(self) -> str:
        """Return a Tentacle instance name (``Tentacle`` is the default's)."""
        return str(self.random_element(("Tentacle", "Web", "Api", "Worker", "Tentacle2")))

    def octopus_step_variables(
        self, *, run_on_server: bool = True, server_url: str = DEFAULT_BASE_URL
    ) -> dict[str, str]:
        """Return the ``Octopus.*`` variables a step sees, as the seed script reads them:
        ``Octopus.Machine.Id``, ``Octopus.Machine.Name``, ``Octopus.Environment.Id``,
        ``Octopus.Space.Id``, ``Octopus.Web.BaseUrl``, ``Octopus.Action.TargetRoles`` and
        ``Octopus.Action.RunOnServer`` (``"true"``/``"false"``, the action property as the
        C# client and the simulator write it).
        A "run on behalf of" step has target roles and runs on the server."""
        return {
            "Octopus.Machine.Id": self.octopus_machine_id(),
            "Octopus.Machine.Name": self.octopus_machine_name(),
            "Octopus.Environment.Id": self.octopus_environment_id(),
            "Octopus.Environment.Name": self.octopus_environment_name(),
            "Octopus.Space.Id": self.octopus_space_id(),
            "Octopus.Web.BaseUrl": server_url,
            "Octopus.Action.TargetRoles": ",".join(self.octopus_roles()) if run_on_server else "",
            "Octopus.Action.RunOnServer": "true" if run_on_server else "false",
        }

    def octopus_deployment_variables(
        self, *, environment: str | None = None, server_url: str = DEFAULT_BASE_URL
    ) -> dict[str, str]:
        """Return the ``Octopus.*`` variables a deployment's every step sees (§3 of
        octopus-deployments.md), consistent with each other: ``Octopus.Project.Id``,
        ``.Project.Name``, ``.Release.Id``, ``.Release.Number``, ``.Release.Channel.Name``
        (``Default``), ``.Deployment.Id``, ``.Deployment.Name`` (``Deploy to Production``),
        ``.Environment.Id``, ``.Environment.Name`` (``environment``, or drawn), ``.Space.Id``,
        ``.Task.Id``, ``.Task.Name`` (``Deploy Contoso Payments release 2.7.15 to
        Production``), ``.Task.Argument[DeploymentId]``, ``.Web.BaseUrl`` and the web links,
        named as the simulator names them."""
        space, project, release = (self.octopus_space_id(), self.octopus_project_id(),
                                   self.octopus_release_id())
        deployment, name = self.octopus_deployment_id(), self.octopus_project_name()
        version = self.octopus_release_version()
        env = environment if environment is not None else self.octopus_environment_name()
        return {
            "Octopus.Space.Id": space,
            "Octopus.Project.Id": project,
            "Octopus.Project.Name": name,
            "Octopus.Release.Id": release,
            "Octopus.Release.Number": version,
            "Octopus.Release.Channel.Name": "Default",
            "Octopus.Environment.Id": self.octopus_environment_id(),
            "Octopus.Environment.Name": env,
            "Octopus.Deployment.Id": deployment,
            "Octopus.Deployment.Name": deployment_name(env),
            "Octopus.Task.Id": self.octopus_task_id(),
            "Octopus.Task.Name": deploy_description(name, version, env),
            "Octopus.Task.Argument[DeploymentId]": deployment,
            "Octopus.Web.BaseUrl": server_url.rstrip("/"),
            **deployment_links(space, project, release, deployment),
        }

    def octopus_step_variables_for(
        self, sim: Simulation, *, machine_id: str | None = None, run_on_server: bool = True
    ) -> dict[str, str]:
        """Return the step variables of :meth:`octopus_step_variables` for a machine that
        exists in ``sim`` (``machine_id``, or one drawn from its machines): its id, name,
        first environment, space and roles, and ``sim``'s base URL, so a script given them
        finds every id it looks up.

        Raises ValueError if ``sim`` has no machines, or none with ``machine_id``.
        """
        machines = sim.world.machines
        if machine_id is None:
            if not machines:
                raise ValueError("the simulation has no machines: build it from a scenario "
                                 "with agents, e.g. octopus_factory(scenario='default')")
            machine_id = str(self.random_element(sorted(machines)))
        if machine_id not in machines:
            raise ValueError(f"the simulation has no machine {machine_id!r}; it has "
                             f"{', '.join(sorted(machines)) or 'none'}")
        machine = machines[machine_id]
        environment = sim.world.environments[machine.environment_ids[0]]
        return {
            "Octopus.Machine.Id": machine.id,
            "Octopus.Machine.Name": machine.name,
            "Octopus.Environment.Id": environment.id,
            "Octopus.Environment.Name": environment.name,
            "Octopus.Space.Id": machine.space_id,
            "Octopus.Web.BaseUrl": sim.base_url,
            "Octopus.Action.TargetRoles": ",".join(machine.roles) if run_on_server else "",
            "Octopus.Action.RunOnServer": "true" if run_on_server else "false",
        }
