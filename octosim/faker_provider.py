"""A Faker provider for Octopus ids, names, API keys, thumbprints, Tentacle URIs and the
``Octopus.*`` step variables the restart recipe reads.

With the pytest plugin installed it is registered on Faker's own ``faker`` fixture; by hand::

    from faker import Faker
    from octosim.faker_provider import OctopusProvider

    fake = Faker()
    fake.add_provider(OctopusProvider)
    fake.octopus_api_key()        # 'API-4G7QK2...'
    fake.octopus_step_variables_for(sim)  # a machine, environment and space sim really has

Every value is drawn from Faker's own random source, so ``Faker.seed(n)`` / the
``faker_seed`` fixture make them reproducible.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from faker.providers import BaseProvider

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

    def octopus_machine_name(self) -> str:
        """Return a host-like machine name such as ``web-07``."""
        return f"{self.random_element(_HOST_PREFIXES)}-{self.random_int(1, 99):02d}"

    def octopus_role(self) -> str:
        """Return a target role such as ``web-server``."""
        return str(self.random_element(_ROLES))

    def octopus_roles(self, count: int | None = None) -> list[str]:
        """Return ``count`` distinct roles (1–3 when not given)."""
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
        ``Octopus.Action.RunOnServer`` (``"True"``/``"False"`` as Octopus writes booleans).
        A "run on behalf of" step has target roles and runs on the server."""
        return {
            "Octopus.Machine.Id": self.octopus_machine_id(),
            "Octopus.Machine.Name": self.octopus_machine_name(),
            "Octopus.Environment.Id": self.octopus_environment_id(),
            "Octopus.Environment.Name": self.octopus_environment_name(),
            "Octopus.Space.Id": self.octopus_space_id(),
            "Octopus.Web.BaseUrl": server_url,
            "Octopus.Action.TargetRoles": ",".join(self.octopus_roles()) if run_on_server else "",
            "Octopus.Action.RunOnServer": "True" if run_on_server else "False",
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
            "Octopus.Action.RunOnServer": "True" if run_on_server else "False",
        }
