"""What Calamari's PowerShell bootstrap (``Bootstrap.ps1``, filled in by
``PowerShellBootstrapper.PrepareBootstrapFile``) gives a script before it runs: a PowerShell
variable for each of the step's Octopus variables (:func:`_declared_keys`,
:func:`_declarations`). The bootstrap runs in the global scope, and the script is
dot-sourced into it: what it declares is the script's own top scope."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

__all__: list[str] = []

#: .NET's ``char.IsLetterOrDigit``: the Unicode letters and decimal digits.
_LETTER_OR_DIGIT = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"})


def _letter_or_digit(c: str) -> bool:
    """``char.IsLetterOrDigit(c)`` for one UTF-16 char: a character beyond the Basic
    Multilingual Plane is two surrogate chars to .NET, neither a letter nor a digit."""
    if c.isascii():
        return c.isalnum()
    return ord(c) <= 0xFFFF and unicodedata.category(c) in _LETTER_OR_DIGIT


@functools.lru_cache(maxsize=4096)  # the same system variable names on every target
def _declared_keys(name: str) -> tuple[str, ...]:
    """The PowerShell variables (casefolded: PowerShell's names ignore case) Calamari's
    bootstrap declares for the Octopus variable ``name``, in the order it writes them
    (PowerShellBootstrapper.DeclareLocalVariables): none for a name holding ``[``
    (ScriptVariables.IsExcludedFromLocalVariables, which also leaves out the script
    modules, ``Octopus.Script.Module[...]``); else the *legacy key*, the name's
    ``char.IsLetterOrDigit`` characters, if it differs from the *smart key*, those and
    ``_``; then the smart key. An empty key is not declared (WriteVariableAssignment).
    ``Octopus.Machine.Name`` is ``$OctopusMachineName``, ``My_Var`` ``$MyVar`` and
    ``$My_Var``."""
    if "[" in name:
        return ()
    legacy = "".join(c for c in name if _letter_or_digit(c))
    smart = "".join(c for c in name if c == "_" or _letter_or_digit(c))
    keys = (legacy, smart) if legacy != smart else (smart,)
    return tuple(key.casefold() for key in keys if key)


def _declarations(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each PowerShell variable the bootstrap declares for the Octopus variables ``names``
    (casefolded) → the names that declare it. Each declaration is ``if (-Not (test-path
    variable:global:KEY)) { ${KEY} = $OctopusParameters['Name'] }``: of two names giving
    one key the first in ``variables.GetNames()`` wins, and that order is a .NET
    ``Dictionary``'s keys' (Octostache's VariableDictionary), which .NET leaves undefined:
    a key more than one name declares is known only where their values agree."""
    declared: dict[str, tuple[str, ...]] = {}
    for name in names:
        for key in _declared_keys(name):
            declared[key] = (*declared.get(key, ()), name)
    return declared


#: The step variable choosing the PowerShell a Windows Tentacle runs a script with
#: (Calamari's PowerShellVariables.Edition): ``Desktop``, or ``Core`` for PowerShell 7.
_EDITION_VARIABLE = "Octopus.Action.PowerShell.Edition"


def _edition(os_family: str, chosen: str | None) -> str | None:
    """The PowerShell edition Calamari runs the script with, as ``$PSEdition`` names it:
    ``Desktop`` (Windows PowerShell 5.1, Windows' unless the step chooses another),
    ``Core`` (PowerShell 7: ``pwsh``, Linux's only one); None where it is not known (a
    Windows step choosing ``chosen`` other than ``Desktop``: whether and which ``pwsh`` is
    installed there is not modelled)."""
    if os_family != "Windows":
        return "Core"
    return "Desktop" if not chosen or chosen == "Desktop" else None
