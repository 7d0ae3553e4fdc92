"""Script interpretation for the simulated Tentacle: ScriptBody text → effects (work in progress).

Pure: no I/O, no clock. The full recogniser lands shortly; the public API below is final.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "DEFAULT_INTERPRETER",
    "SEED_SCRIPT_BODY",
    "DetachedRestart",
    "ScriptEffect",
    "ScriptHandler",
    "ScriptInterpreter",
    "ScriptSyntax",
    "SelfRestart",
    "ServiceTarget",
    "WitnessProbe",
    "interpret",
    "parse_syntax",
]


class ScriptSyntax(StrEnum):
    """An AdHocScript's ``Syntax`` argument, spelled as Octopus spells it."""

    PowerShell = "PowerShell"
    Bash = "Bash"
    CSharp = "CSharp"
    Python = "Python"


def parse_syntax(value: str) -> ScriptSyntax:
    """Return the :class:`ScriptSyntax` named ``value`` (case-insensitive, e.g. "Powershell").

    Raises :class:`ValueError` naming the valid syntaxes when ``value`` is none of them.
    """
    wanted = value.strip().casefold()
    for syntax in ScriptSyntax:
        if syntax.value.casefold() == wanted:
            return syntax
    valid = ", ".join(s.value for s in ScriptSyntax)
    raise ValueError(f"unknown script syntax {value!r}; expected one of: {valid}")


TargetKind = Literal["windows-service", "systemd-unit", "tentacle-instance"]


@dataclass(frozen=True)
class ServiceTarget:
    """What a restart names: a Windows service pattern, a systemd unit, or a Tentacle instance."""

    kind: TargetKind
    name: str


@dataclass(frozen=True)
class DetachedRestart:
    """A restart launched in a detached process, ``delay_seconds`` after the script starts."""

    targets: tuple[ServiceTarget, ...]
    delay_seconds: float
    source: str


@dataclass(frozen=True)
class SelfRestart:
    """A restart run by the script itself: restarting its own Tentacle kills the script."""

    targets: tuple[ServiceTarget, ...]
    source: str


@dataclass(frozen=True)
class WitnessProbe:
    """The script prints the Tentacle process's start time (the restart witness)."""

    style: Literal["powershell", "bash"]
    source: str


ScriptEffect = DetachedRestart | SelfRestart | WitnessProbe
ScriptHandler = Callable[[str, ScriptSyntax], "tuple[ScriptEffect, ...] | None"]

SEED_SCRIPT_BODY = (
    "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command  `\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | "
    "Restart-Service}`\"\""
)


def _seed_handler(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...] | None:
    if syntax is ScriptSyntax.PowerShell and body.strip() == SEED_SCRIPT_BODY:
        target = ServiceTarget("windows-service", "OctopusDeploy Tentacle:*")
        return (DetachedRestart((target,), 3.0, body),)
    return None


BUILTIN_HANDLERS: tuple[ScriptHandler, ...] = (_seed_handler,)


class ScriptInterpreter:
    """An ordered list of handlers; the first that returns non-None decides."""

    def __init__(self, handlers: Iterable[ScriptHandler] | None = None) -> None:
        self.handlers: list[ScriptHandler] = list(
            BUILTIN_HANDLERS if handlers is None else handlers
        )

    def register(self, handler: ScriptHandler, *, first: bool = False) -> None:
        """Add ``handler`` last (a fallback) or, with ``first=True``, ahead of all others."""
        if first:
            self.handlers.insert(0, handler)
        else:
            self.handlers.append(handler)

    def interpret(self, body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...]:
        """Return the effects of ``body`` in script order; ``()`` when nothing is recognised."""
        for handler in self.handlers:
            result = handler(body, syntax)
            if result is not None:
                return result
        return ()


DEFAULT_INTERPRETER = ScriptInterpreter()


def interpret(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...]:
    """Return the effects of ``body`` with :data:`DEFAULT_INTERPRETER`; never raises."""
    return DEFAULT_INTERPRETER.interpret(body, syntax)
