"""How arguments reach what runs them in PowerShell: the cmdlet parameter binder, the
parameter tables of the cmdlets the interpreter knows, Windows' command-line splitting and
powershell.exe's own parameters.

The binder resolves names as PowerShell does (prefixes, aliases, ``-Name:value``, positional
slots, comma-joined arrays) and reports what PowerShell would refuse to bind. Quoting nested
in a ``Start-Process powershell -ArgumentList ...`` is undone as Windows' command-line parser
and powershell.exe's ``-Command``/``-EncodedCommand`` would. Kept apart from the command
semantics (``_powershell``) so each reads in one sitting.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from octosim.model.scripts._ps_lex import _PS_DASH, _PsTok


@dataclass(frozen=True)
class _PsSpec:
    """A cmdlet's parameters (lower case): the binder resolves prefixes and aliases."""

    values: tuple[str, ...]
    switches: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)


_PS_COMMON_VALUES = ("erroraction", "warningaction", "informationaction", "errorvariable",
                     "warningvariable", "informationvariable", "outvariable", "outbuffer",
                     "pipelinevariable", "progressaction")
_PS_COMMON_SWITCHES = ("verbose", "debug", "whatif", "confirm")
_PS_COMMON_ALIASES = {"ea": "erroraction", "wa": "warningaction", "infa": "informationaction",
                      "ev": "errorvariable", "wv": "warningvariable", "iv": "informationvariable",
                      "ov": "outvariable", "ob": "outbuffer", "pv": "pipelinevariable",
                      "vb": "verbose", "db": "debug", "wi": "whatif", "cf": "confirm",
                      "proga": "progressaction"}

_SERVICE_SPEC = _PsSpec(
    values=("name", "displayname", "inputobject", "include", "exclude", "computername"),
    switches=("force", "passthru", "nowait", "dependentservices", "requiredservices"),
    positional=("name",),
    aliases={"servicename": "name", "cn": "computername", "ds": "dependentservices",
             "sdo": "requiredservices", "servicesdependedon": "requiredservices"},
)
_SLEEP_SPEC = _PsSpec(
    values=("seconds", "milliseconds", "duration"), positional=("seconds",),
    aliases={"s": "seconds", "ms": "milliseconds", "ts": "duration"},
)
_PROCESS_SPEC = _PsSpec(
    values=("name", "id", "inputobject", "computername"),
    switches=("module", "fileversioninfo", "includeusername"),
    positional=("name",),
    aliases={"processname": "name", "pid": "id", "cn": "computername", "fv": "fileversioninfo",
             "fvi": "fileversioninfo"},
)
_START_PROCESS_SPEC = _PsSpec(
    values=("filepath", "argumentlist", "workingdirectory", "credential", "windowstyle",
            "redirectstandarderror", "redirectstandardinput", "redirectstandardoutput",
            "verb", "environment"),
    switches=("nonewwindow", "passthru", "wait", "usenewenvironment", "loaduserprofile"),
    positional=("filepath", "argumentlist"),
    aliases={"path": "filepath", "pspath": "filepath", "args": "argumentlist",
             "lup": "loaduserprofile", "rse": "redirectstandarderror",
             "rsi": "redirectstandardinput", "rso": "redirectstandardoutput"},
)
_JOB_SPEC = _PsSpec(
    values=("scriptblock", "initializationscript", "filepath", "argumentlist", "name",
            "credential", "inputobject", "psversion", "authentication", "workingdirectory",
            "literalpath", "definitionname", "definitionpath", "type", "throttlelimit",
            "streaminghost"),
    switches=("runas32",),
    positional=("scriptblock",),
    aliases={"args": "argumentlist", "command": "scriptblock", "pspath": "literalpath",
             "lp": "literalpath"},
)
_INVOKE_SPEC = _PsSpec(
    values=("scriptblock", "computername", "session", "argumentlist", "inputobject", "jobname",
            "credential", "filepath", "vmname", "vmid", "containerid", "hostname",
            "connectionuri", "port", "configurationname", "throttlelimit", "authentication",
            "sessionoption", "applicationname", "sessionname", "username", "keyfilepath",
            "subsystem", "sshconnectiontimeout", "options", "sshtransport"),
    switches=("asjob", "hidecomputername", "nonewscope", "enablenetworkaccess",
              "runasadministrator", "insessioncontext", "usessl", "allowredirection",
              "indisconnectedsession", "remotedebug"),
    positional=("scriptblock",),
    aliases={"cn": "computername", "args": "argumentlist", "command": "scriptblock",
             "uri": "connectionuri"},
)
_IEX_SPEC = _PsSpec(values=("command",), positional=("command",))
_REMOTE_INVOKE = frozenset({"computername", "session", "vmname", "vmid", "containerid",
                            "hostname", "connectionuri"})
# powershell.exe/pwsh parameters that take a value (so the value is not the command).
_PS_EXE_VALUE_OPTS = ("executionpolicy", "windowstyle", "workingdirectory", "outputformat",
                      "inputformat", "configurationname", "psconsolefile", "version",
                      "settingsfile", "custompipename", "configurationfile",
                      "encodedarguments")
_PS_EXE_VALUE_ALIASES = frozenset({"ep", "ex", "wd", "of", "if", "ea", "config", "w"})


@dataclass
class _Bound:
    """Arguments bound to parameters: tokens per parameter, ``[]`` for a switch."""

    params: dict[str, list[_PsTok]]
    off: set[str]  # switches given as -Switch:$false
    # More positional arguments than the cmdlet takes: PowerShell refuses the whole command
    # ("A positional parameter cannot be found that accepts argument ...").
    error: bool = False

    def has(self, name: str) -> bool:
        return name in self.params and name not in self.off


def _ps_resolve(spec: _PsSpec, name: str) -> str | None:
    name = name.casefold()
    every = spec.values + spec.switches + _PS_COMMON_VALUES + _PS_COMMON_SWITCHES
    if name in every:
        return name
    alias = spec.aliases.get(name) or _PS_COMMON_ALIASES.get(name)
    if alias:
        return alias
    candidates = [p for p in every if p.startswith(name)]
    return candidates[0] if len(candidates) == 1 else None


def _ps_is_param(tok: _PsTok) -> bool:
    v = tok.value
    return (tok.kind == "word" and len(v) >= 2 and v[0] in _PS_DASH
            and (v[1].isalpha() or v[1] == "_"))


def _ps_bind(args: list[_PsTok], spec: _PsSpec) -> _Bound:
    """Bind arguments as PowerShell would: named (prefixes, aliases, ``-Name:value``) then
    positional; a comma-joined run of tokens is one argument (an array)."""
    params: dict[str, list[_PsTok]] = {}
    off: set[str] = set()
    positional: list[list[_PsTok]] = []

    def value_at(i: int) -> tuple[list[_PsTok], int]:
        if i >= len(args) or _ps_is_param(args[i]):
            return [], i
        item = [args[i]]
        i += 1
        while i + 1 < len(args) and args[i].kind == "op" and args[i].value == ",":
            item.append(args[i + 1])
            i += 2
        return item, i

    i = 0
    while i < len(args):
        tok = args[i]
        if tok.kind == "op":
            i += 1
        elif _ps_is_param(tok):
            raw, colon, inline = tok.value[1:].partition(":")
            name = _ps_resolve(spec, raw)
            i += 1
            if colon and inline:  # -Seconds:3, -Confirm:$false
                if name is not None:
                    params[name] = [_PsTok("word", inline, tok.start, tok.end)]
                    if inline.casefold() in ("$false", "0"):
                        off.add(name)
            elif name is None or name in spec.switches or name in _PS_COMMON_SWITCHES:
                if name is not None and not colon:
                    params[name] = []
                elif name is not None:  # -WhatIf: $false
                    item, i = value_at(i)
                    params[name] = item
                    if item and item[0].value.casefold() in ("$false", "0"):
                        off.add(name)
            else:
                params[name], i = value_at(i)
        else:
            item, i = value_at(i)
            if not item:
                item, i = [tok], i + 1
            positional.append(item)
    slots = [p for p in spec.positional if p not in params]
    for slot, item in zip(slots, positional, strict=False):
        params[slot] = item
    return _Bound(params, off, error=len(positional) > len(slots))


def _win_split(cmdline: str) -> list[str]:
    """Split a Windows command line as CommandLineToArgvW does (``"`` quoting, ``\\"``)."""
    args: list[str] = []
    n, i = len(cmdline), 0
    while True:
        while i < n and cmdline[i] in " \t":
            i += 1
        if i >= n:
            return args
        buf: list[str] = []
        quoted = False
        while i < n and (quoted or cmdline[i] not in " \t"):
            c = cmdline[i]
            if c == "\\":
                k = i
                while k < n and cmdline[k] == "\\":
                    k += 1
                count = k - i
                if k < n and cmdline[k] == '"':
                    buf.append("\\" * (count // 2))
                    if count % 2:
                        buf.append('"')
                        k += 1
                else:
                    buf.append("\\" * count)
                i = k
            elif c == '"':
                if quoted and i + 1 < n and cmdline[i + 1] == '"':
                    buf.append('"')
                    i += 2
                else:
                    quoted = not quoted
                    i += 1
            else:
                buf.append(c)
                i += 1
        args.append("".join(buf))


def _ps_exe_script(argv: Sequence[str]) -> str | None:
    """The script powershell.exe/pwsh would run for ``argv``: ``-Command`` (any prefix) and
    what follows, ``-EncodedCommand`` decoded, or the first bare argument; None for
    ``-File`` or nothing."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if len(arg) < 2 or arg[0] not in _PS_DASH + "/":
            return " ".join(argv[i:])
        name = arg.lstrip(_PS_DASH + "/").casefold()
        if name and "command".startswith(name):
            rest = argv[i + 1 :]
            return None if rest in ([], ["-"]) else " ".join(rest)
        if name and ("encodedcommand".startswith(name) or name == "ec"):
            return _decode_command(argv[i + 1]) if i + 1 < len(argv) else None
        if name and "file".startswith(name):
            return None
        takes_value = name in _PS_EXE_VALUE_ALIASES or any(
            o.startswith(name) for o in _PS_EXE_VALUE_OPTS
        )
        i += 2 if name and takes_value else 1
    return None


def _decode_command(encoded: str) -> str | None:
    """``-EncodedCommand``: base64 of UTF-16LE text."""
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
