"""Which Tentacle to restart: a machine in a space, by id or by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from restart.errors import ConfigurationError

__all__ = ["AgentOS", "RestartTarget"]

# Machine ids become path segments; anything that could change the path is refused.
_PATH_UNSAFE = re.compile(r"[/?#%\\\s]")


class AgentOS(StrEnum):
    """The Tentacle's operating system: it decides the restart script and the probe."""

    WINDOWS = "windows"
    LINUX = "linux"


@dataclass(frozen=True)
class RestartTarget:
    """The machine whose Tentacle to restart.

    ``space_id`` is a space id (``Spaces-1``) or a space name (``Default``), which the
    procedure resolves as the Octopus CLI does. Give ``machine_id`` (``Machines-12``),
    ``machine_name``, or both (the id wins and the name
    is only used in task descriptions, which is what an Octopus step knows). ``os`` skips
    telling the OS from the machine resource. ``environment_id`` is informational here (the
    seed sends it in its health checks; this client restricts them by ``MachineIds`` alone).

    Raises ConfigurationError (from ``__post_init__``) when neither id nor name is given, or
    an id would not make a safe URL path segment.
    """

    space_id: str = "Spaces-1"
    machine_id: str | None = None
    machine_name: str | None = None
    os: AgentOS | None = None
    environment_id: str | None = None

    def __post_init__(self) -> None:
        if not self.machine_id and not self.machine_name:
            raise ConfigurationError(
                "no machine given: pass a machine id (Machines-N) or a machine name"
            )
        if not self.space_id.strip():
            raise ConfigurationError(
                "no space given: pass a space id (Spaces-1) or name (Default) with --space / "
                "OCTOPUS_SPACE"
            )
        if self.machine_id is not None and (
            not self.machine_id or _PATH_UNSAFE.search(self.machine_id)
        ):
            raise ConfigurationError(
                f"machine id {self.machine_id!r} is not an Octopus id: ids look like "
                "Machines-12 (pass names with --machine NAME)"
            )
        if self.os is not None and not isinstance(self.os, AgentOS):
            object.__setattr__(self, "os", AgentOS(self.os))

    @property
    def label(self) -> str:
        """A human name for messages: ``NAME (Machines-1)``, or whichever half is known."""
        if self.machine_id and self.machine_name:
            return f"{self.machine_name} ({self.machine_id})"
        return self.machine_name or self.machine_id or "?"
