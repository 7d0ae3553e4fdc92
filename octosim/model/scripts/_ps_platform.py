"""What a PowerShell script reads of, or sets in, the .NET it runs on, where the edition
running it (``Desktop``: Windows PowerShell 5.1 on the .NET Framework, ``Core``: PowerShell 7
on .NET, see :func:`._ps_bootstrap._edition`) decides it exactly: the TLS protocols
``ServicePointManager`` offers (:func:`_protocols_settable`), what ``$PSVersionTable``
holds (:func:`_version_table`), and the platform .NET names
(:func:`_platform_is`)."""

from __future__ import annotations

import re

from octosim.model.scripts._ps_values import Value
from octosim.model.scripts._running import Unknown

__all__: list[str] = []

#: ``[Net.ServicePointManager]::SecurityProtocol = ...`` (``System.`` optional, ASCII letters
#: in any case, as PowerShell resolves type and member names: ``re.ASCII``, as Python's
#: IGNORECASE alone folds ``ſ`` to ``s``).
_SECURITY_PROTOCOL_SET = re.compile(
    r"\[(?:System\.)?Net\.ServicePointManager\]::SecurityProtocol\s*=(?!=)\s*(?P<value>.*)$",
    re.IGNORECASE | re.DOTALL | re.ASCII)

_PROTOCOL_OPERAND = (r"\[(?:System\.)?Net\.(?:SecurityProtocolType\]::(\w+)"
                     r"|ServicePointManager\]::SecurityProtocol(?!\w))")
#: Protocols, or the property's own value, joined by ``-bor``: the value scripts give it.
_PROTOCOL_VALUE = re.compile(rf"{_PROTOCOL_OPERAND}(?:\s+-bor\s+{_PROTOCOL_OPERAND})*",
                             re.IGNORECASE | re.ASCII)
_PROTOCOL_MEMBER = re.compile(r"SecurityProtocolType\]::(\w+)", re.IGNORECASE | re.ASCII)

#: The ``SecurityProtocolType`` members each edition's .NET has and its ``SecurityProtocol``
#: setter takes. .NET (Core 3.0 and later, under PowerShell 7) takes Tls, Tls11, Tls12,
#: Tls13 and SystemDefault (0), and refuses Ssl3 (NotSupportedException). The .NET Framework
#: under 5.1 is 4.5.2 or later: Tls11 and Tls12 are 4.5's, SystemDefault 4.7's and Tls13
#: 4.8's (on an older one PowerShell reads a member it lacks as ``$null``), and from 4.6 on
#: Ssl3 is refused unless a compatibility switch allows it: those are not known. Where the
#: edition is not known, what both take.
_SETTABLE = {
    "Desktop": frozenset({"tls", "tls11", "tls12"}),
    "Core": frozenset({"tls", "tls11", "tls12", "tls13", "systemdefault"}),
}


def _protocols_settable(value: str, edition: str | None) -> None:
    """Check that ``[Net.ServicePointManager]::SecurityProtocol = value`` sets the protocols
    without an error under ``edition`` (None: not known): ``value`` is protocols each
    edition has and takes, and the property's current value (which it took), joined by
    ``-bor`` (PowerShell's bitwise or of two values of one enum is that enum). Such an
    assignment outputs nothing, and nothing the simulator models reads it. Any other value
    raises :class:`Unknown`."""
    m = _PROTOCOL_VALUE.fullmatch(value.strip())
    if m is None:
        raise Unknown(value)
    settable = (_SETTABLE[edition] if edition is not None
                else _SETTABLE["Desktop"] & _SETTABLE["Core"])
    for member in _PROTOCOL_MEMBER.findall(value):
        if member.lower() not in settable:
            raise Unknown(member)


#: ``$PSVersionTable.<member>`` for the members an edition decides (ASCII names, any case).
_VERSION_TABLE_MEMBER = re.compile(
    r"\$PSVersionTable\.(PSVersion\.Major|PSVersion\.Minor|PSEdition|Platform)",
    re.IGNORECASE | re.ASCII)

#: What each edition's ``$PSVersionTable`` holds that the simulator knows: Windows PowerShell
#: 5.1 is version 5.1 (its build is the Windows release's); PowerShell 7 is major version 7
#: (its minor version is the one installed). ``Platform`` is PowerShell 7's alone (``Unix``
#: on Linux, ``Win32NT`` on Windows); 5.1's table has no such key.
_VERSION_TABLE: dict[str, dict[str, Value]] = {
    "Desktop": {"psversion.major": 5, "psversion.minor": 1, "psedition": "Desktop"},
    "Core": {"psversion.major": 7, "psedition": "Core"},
}


def _version_table(member: str, edition: str | None, os_family: str, strict: bool) -> Value:
    """``$PSVersionTable.<member>`` (``member`` as :data:`_VERSION_TABLE_MEMBER` matched it)
    in ``edition`` (None: not known, unknown) on ``os_family``: the major version, 5.1's
    minor version, the edition, 7's platform; a key 5.1's table lacks is ``$null`` (under
    strict mode, ``strict``, not modelled). Anything else raises :class:`Unknown`."""
    key = member.lower()
    if edition is None:
        raise Unknown(member)
    if key == "platform":
        if edition == "Core":
            return "Win32NT" if os_family == "Windows" else "Unix"
        if strict:
            raise Unknown(member)
        return None
    known = _VERSION_TABLE[edition]
    if key not in known:
        raise Unknown(member)
    return known[key]


#: ``[Environment]::OSVersion.Platform`` (``System.`` optional, ASCII names in any case).
_OS_PLATFORM = re.compile(r"\[(?:System\.)?Environment\]::OSVersion\.Platform",
                          re.IGNORECASE | re.ASCII)

#: System.PlatformID's members in every .NET the editions run on (.NET 5 added ``Other``).
_PLATFORM_IDS = frozenset({"win32s", "win32windows", "win32nt", "wince", "unix", "xbox",
                           "macosx"})


def _platform_is(os_family: str, name: Value) -> bool:
    """Whether ``[Environment]::OSVersion.Platform -eq name``: the PlatformID is ``Win32NT``
    on Windows, in both .NET Framework and .NET, and ``Unix`` on Linux (.NET). PowerShell
    converts the right operand to the enum, so a text naming one of its members (in any
    case) is compared as that member; anything else (a number, which converts too, a text
    naming none) raises :class:`Unknown`."""
    if not isinstance(name, str) or not name.isascii() or name.lower() not in _PLATFORM_IDS:
        raise Unknown(repr(name))
    return name.lower() == ("win32nt" if os_family == "Windows" else "unix")
