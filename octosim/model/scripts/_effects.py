"""The public types of script interpretation: syntaxes, targets, effects and handlers.

They live below the package's ``__init__`` (which re-exports them) so the interpreters in
``_common``, ``_sh`` and ``_powershell`` can build effects without importing the package that
imports them. Import them from :mod:`octosim.model.scripts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class ScriptSyntax(StrEnum):
    """An AdHocScript's ``Syntax`` argument, spelled as Octopus spells it."""

    PowerShell = "PowerShell"
    Bash = "Bash"
    CSharp = "CSharp"
    Python = "Python"


def parse_syntax(value: str) -> ScriptSyntax:
    """Return the :class:`ScriptSyntax` named ``value``, ignoring case ("Powershell" works).

    Raises :class:`ValueError` naming the valid syntaxes when ``value`` is none of them.
    """
    syntax = _SYNTAXES.get(value.strip().casefold())
    if syntax is not None:
        return syntax
    valid = ", ".join(s.value for s in ScriptSyntax)
    raise ValueError(f"unknown script syntax {value!r}; expected one of: {valid}")


#: Each syntax by its case-folded name (every AdHocScript create and start looks one up).
_SYNTAXES = {syntax.value.casefold(): syntax for syntax in ScriptSyntax}

TargetKind = Literal["windows-service", "systemd-unit", "tentacle-instance"]


@dataclass(frozen=True)
class ServiceTarget:
    """What a restart names.

    ``windows-service``: a PowerShell wildcard pattern on service names
    (``"OctopusDeploy Tentacle*"``); ``systemd-unit``: a unit name ending in ``.service``
    (``"Tentacle.service"``, possibly a glob); ``tentacle-instance``: the ``--instance`` of
    ``Tentacle service --restart`` (``""`` is the default instance, ``"*"`` every instance).
    """

    kind: TargetKind
    name: str


@dataclass(frozen=True)
class DetachedRestart:
    """A restart launched in a process that outlives the script.

    ``delay_seconds`` counts from the start of the script; ``source`` is the launching
    script text, for the log.
    """

    targets: tuple[ServiceTarget, ...]
    delay_seconds: float
    source: str


@dataclass(frozen=True)
class SelfRestart:
    """A restart the script runs synchronously: restarting its own Tentacle kills it."""

    targets: tuple[ServiceTarget, ...]
    source: str


@dataclass(frozen=True)
class WitnessProbe:
    """The script prints the Tentacle process's start time, in ``style``'s format."""

    style: Literal["powershell", "bash"]
    source: str


ScriptEffect = DetachedRestart | SelfRestart | WitnessProbe
#: A recogniser. It may return effects of its own types (anything), as long as the
#: AdHocScript executor has a behaviour for them (``AdHocScriptExecutor.on``).
ScriptHandler = Callable[[str, ScriptSyntax], "tuple[object, ...] | None"]
