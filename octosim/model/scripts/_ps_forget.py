"""What a statement the interpreter skips may have done, read from its text alone: the
variables it may assign or change (in its scope, the script's, any scope), the environment
variables it may set in each store (``$env:X``, ``SetEnvironmentVariable``, the ``env:``
drive, the registry, ``setx``) and the paths its item cmdlets write, whether it may have run
code the simulator did not read (a script dot-sourced or called, a module), output something,
or left the loop running it. The interpreter (:mod:`._ps_exec`) forgets what these rules
find; each errs towards finding too much, which only makes a known value unknown."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from octosim.model.scripts._ps_expr import _TARGET, _array_items, _closing, _literal, _words
from octosim.model.scripts._ps_values import Value, _text
from octosim.model.scripts._running import Unknown
from octosim.model.wildcard import compile_wildcard

__all__: list[str] = []

#: What an uninterpreted statement may assign: ``$x = ...``, ``${x} = ...``, ``$x += ...``,
#: ``$x++``, ``++$x``, ``foreach ($x in ...)``, ``-OutVariable x``; and ``$env:X = ...``.
_ASSIGNED = re.compile(
    r"\$(?:(?:global|script|local|private):)?(\w+)\s*(?:[-+*/%]?=(?!=)|\+\+|--)"
    r"|\$\{(?:(?:global|script|local|private):)?([^}:]+)\}\s*(?:[-+*/%]?=(?!=)|\+\+|--)"
    r"|(?:\+\+|--)\s*\$\{?(?:(?:global|script|local|private):)?(\w+)"
    r"|foreach\s*\(\s*\$(\w+)"
    r"|-(?:OutVariable|ov|ErrorVariable|ev|WarningVariable|wv|InformationVariable|iv"
    r"|PipelineVariable|pv)\s*:?\s*['\"]?\+?(\w+)",
    re.IGNORECASE)
#: ``$x, $y = ...``: every variable of the list is assigned.
_LIST_ASSIGNED = re.compile(
    r"(?:\$(?:(?:global|script|local|private):)?\w+\s*,\s*)+"
    r"\$(?:(?:global|script|local|private):)?\w+\s*=(?!=)", re.IGNORECASE)
_LIST_VARIABLE = re.compile(r"\$(?:(?:global|script|local|private):)?(\w+)", re.IGNORECASE)
#: ``$a[0] = ...``, ``$x.P = ...`` (one level of brackets in an index): the object ``$a``
#: holds changes, and every variable holding that object sees it.
_MUTATED = re.compile(
    r"\$(?:(?:global|script|local|private):)?(\w+)"
    r"(?:\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]|\.\w+)+\s*(?:[-+*/%]?=(?!=)|\+\+|--)",
    re.IGNORECASE)
#: The variable cmdlets (and their aliases): any variable they name (``-Name a, b``,
#: wildcards, any ``-Scope``) may be set, cleared or removed.
_VARIABLE_CMDLET = re.compile(
    r"(?<![\w$-])(?:Set-Variable|New-Variable|Remove-Variable|Clear-Variable|sv|nv|rv|clv)"
    r"(?![\w-])(?P<args>[^;|\n{}()]*)", re.IGNORECASE)
#: A variable cmdlet's word that may name a variable (not a parameter's name).
_VARIABLE_NAME = re.compile(r"(?<![\w*?\[\]-])(?<!-)[\w*?\[\]]+", re.IGNORECASE)
_ENV_ASSIGNED = re.compile(r"\$\{?env:(\w+)\}?\s*[-+*/%]?=(?!=)", re.IGNORECASE)
_DEFINED = re.compile(r"(?<![\w-])(?:function|filter|workflow)\s+"
                      r"(?:(?:global|script|local|private):)?([^\s({]+)", re.IGNORECASE)
#: A ``param(...)`` block outside a function: the script's parameters, which the step's
#: Script Parameters would set (not modelled): unknown.
_SCRIPT_PARAMETER = re.compile(r"\$(\w+)")
#: What a function may assign outside itself (``$script:x = ...``) or in the environment.
_SCOPED_ASSIGNED = re.compile(r"\$(?:global|script):(\w+)\s*(?:[-+*/%]?=(?!=)|\+\+|--)",
                              re.IGNORECASE)
#: A variable a skipped statement may give a type constraint (or a validation attribute):
#: a cast or attribute on the left of an assignment (``[int]$x = ...``, ``[int]${x} = ...``,
#: ``[ValidateRange(1, 5)][int]$script:x = ...``, ``$a, [int]$b = ...``), with its scope.
_CAST_ASSIGNED = re.compile(
    r"\]\s*\$(?:\{(?:(?P<q1>global|script|local|private):)?(?P<braced>[^}:]+)\}"
    r"|(?:(?P<q2>global|script|local|private):)?(?P<var>\w+))"
    r"\s*(?:[-+*/%]?=(?!=)|,(?=[^;\n=]*=(?!=)))", re.IGNORECASE)
#: A parameter of a ``param(...)`` block the simulator skips with a type or an attribute.
_TYPED_PARAMETER = re.compile(r"\]\s*\$(\w+)")
_STRICT_MODE = re.compile(r"(?<![\w-])set-strictmode(?![\w-])", re.IGNORECASE)
#: Dot-sourcing something (``. ./lib.ps1``, ``. $path``, ``. Init``: it runs in this scope)
#: where a command starts, or ``Invoke-Expression`` (``iex``), which runs its text here too.
_DOT_SOURCED = re.compile(r"(?:^|[;{}(\n|&])\s*\.\s+(?=\S)"
                          r"|(?<![\w$-])(?:invoke-expression|iex)(?![\w-])", re.IGNORECASE)
#: Running a script the simulator cannot read, in its own scope, where a command starts:
#: ``& ./x.ps1``, ``& $path`` or ``& (...)`` (a variable or an expression may hold a script
#: or a script block), ``./x.ps1``, ``C:\s\x.ps1 -a 1``; a path without an extension,
#: ``.\deploy``, ``& 'C:\s\deploy'``, as PowerShell's CommandSearcher tries ``deploy.ps1``
#: first for it (ConstructSearchPatternsFromName). A program, ``& 'setup.exe'``, runs in a
#: process of its own.
_RUNS_SCRIPT = re.compile(
    r"&\s*(?:[$(]|['\"][^'\"]*\.ps1['\"]|[^\s;|&(){}'\"]+\.ps1(?![\w.])"
    r"|['\"][^'\"]*[\\/][^'\"\\/.]+['\"]|[^\s;|&(){}'\"]*[\\/][^\s;|&(){}'\"\\/.]+(?![^\s;|&(){}]))"
    r"|(?:^|[;{}(\n|])\s*[^\s;|&(){}'\"$@=,.-][^\s;|&(){}'\"$@=,]*\.ps1(?![\w.])"
    r"|(?:^|[;{}(\n|])\s*\.{1,2}[\\/][^\s;|&(){}'\"]*\.ps1(?![\w.])"
    r"|(?:^|[;{}(\n|])\s*(?:\.{1,2}|[^\s;|&(){}'\"$@=,.0-9\\/-][^\s;|&(){}'\"$@=,]*)[\\/]"
    r"(?:[^\s;|&(){}'\"$@=,]*[\\/])?[^\s;|&(){}'\"$@=,\\/.]+(?![^\s;|&(){}])",
    re.IGNORECASE)
#: ``$v --x`` after ``&``: the command's name and an argument (command mode), no ``$v--``.
_CALLED_WITH_DASHES = re.compile(r"\$\w+\s+(?:--|\+\+)")
_CALL_BEFORE = re.compile(r"&\s*$")
#: ``& $v`` (``$env:X`` too), the variable ending where the command's name does.
_CALLED_VARIABLE = re.compile(r"&\s*(\$(?:env:)?\w+)(?=[\s;|)}]|$)", re.IGNORECASE)
#: A path's extension, ending the path (``.exe``; ``a.ps1.`` or ``a.ps1 ``, which Windows
#: reads as ``a.ps1``, have none).
_PROGRAM_EXTENSION = re.compile(r"\.([A-Za-z0-9]+)$")
#: Chocolatey's ``refreshenv`` (``Update-SessionEnvironment``): it rebuilds this process's
#: environment from the machine's and the user's stores (or, as ``refreshenv.cmd``, does
#: nothing here), which the simulator cannot tell.
_REFRESHES_ENV = re.compile(r"(?<![\w$.-])(?:refreshenv|update-sessionenvironment)(?![\w.-])",
                            re.IGNORECASE)
#: Importing a module, which may run code (``Import-Module``, ``ipmo``, ``using module``).
_IMPORTS_MODULE = re.compile(r"(?<![\w$.-])(?:import-module|ipmo)(?![\w.-])"
                             r"|(?<![\w$.-])using\s+module(?![\w-])", re.IGNORECASE)
#: What imports a module's members into this scope rather than the global one:
#: ``Import-Module -Scope Local``, ``using module``.
_IMPORTS_HERE = re.compile(r"\blocal\b|using\s+module", re.IGNORECASE)


def _words_leaving(*words: str) -> re.Pattern[str]:
    """A pattern finding any of ``words`` as a word (read anywhere in the text, strings
    too: a word too many only stops a loop that could have gone on)."""
    return re.compile(r"(?<![\w$-])(?:" + "|".join(words) + r")(?![\w-])", re.IGNORECASE)


#: What may leave a loop running in the same function (or the script): ``break``,
#: ``continue``, and what ends the function or the script (``return``, ``exit``, ``throw``,
#: Calamari's ``Fail-Step``); a loop statement's own ``break``/``continue`` stay in it.
_LEAVES = _words_leaving("break", "continue", "return", "exit", "throw", "fail-step")
_LEAVES_LOOP = _words_leaving("return", "exit", "throw", "fail-step")
#: The same for a loop in a caller: a ``return`` ends only the function.
_LEAVES_CALLER = _words_leaving("break", "continue", "exit", "throw", "fail-step")
_LEAVES_CALLER_LOOP = _words_leaving("exit", "throw", "fail-step")
_LOOP_KINDS = frozenset({"foreach", "while", "do", "for", "switch"})
_COMMAND_WORD = re.compile(r"[^\s(){}\[\];,|&'\"=$@`]+")
#: ``[Environment]::SetEnvironmentVariable(`` in a skipped statement: the variable it names
#: may have changed (see :func:`_dotnet_sets`).
_SET_ENVIRONMENT = re.compile(r"SetEnvironmentVariable\s*\(", re.IGNORECASE)
#: The stores ``[EnvironmentVariableTarget]`` names; .NET refuses any other target.
_TARGETS = ("process", "machine", "user")
#: The cmdlets (and their aliases) that write an item or its content: given a path on the
#: ``env:`` drive (PowerShell's environment provider), they set, change or remove the
#: script's own variable. ``rename`` marks a renaming, whose new name is no path.
_ITEM_WRITER = re.compile(
    r"(?<![\w$-])(?:set-item|si|new-item|ni|remove-item|ri|rm|rmdir|rd|del|erase|clear-item"
    r"|cli|copy-item|copy|cp|cpi|move-item|move|mv|mi|set-content|sc|add-content|ac"
    r"|clear-content|clc|(?P<rename>rename-item|rni|ren))(?![\w-])", re.IGNORECASE)
#: A path on the ``env:`` drive written as an argument (not ``$env:X``, ``${env:X}`` or a
#: directory's name, ``C:\env:``), quoted or bare: the item's name after it.
_ENV_PATH = re.compile(
    r"(?<![\w$`{\\/])(?:(?P<quote>['\"])env:[\\/]?(?P<quoted>[^'\"]*)"
    r"|env:[\\/]?(?P<bare>[^\s'\";|,(){}]*))", re.IGNORECASE)
#: The commands that change PowerShell's current location (and their aliases): after one
#: that may have gone to the ``env:`` drive, ``Set-Item X v`` writes the variable X; to the
#: registry, ``Set-ItemProperty . -Name X`` may write the machine's or the user's store.
_LOCATION = re.compile(r"(?<![\w$-])(?:set-location|sl|cd|chdir|push-location|pushd|pop-location"
                       r"|popd)(?![\w-])", re.IGNORECASE)
#: A location's text naming the ``env:`` drive, the registry, or neither literally (a variable,
#: a bracket, a splat: any drive).
_ENV_DRIVE = re.compile(r"env:|[$(@]", re.IGNORECASE)
_REGISTRY_DRIVE = re.compile(r"hk\w*:|registry::|[$(@]", re.IGNORECASE)
#: A drive made (``New-PSDrive``, ``ndr``, ``mount``): a path on it may name an environment
#: variable (``-PSProvider Environment``) or a registry key (``Registry``, a root ``HKLM:\...``)
#: that the simulator does not place; a provider not written literally may be either.
_NEW_DRIVE = re.compile(r"(?<![\w$-])(?:new-psdrive|ndr|mount)(?![\w-])", re.IGNORECASE)
_ENV_PROVIDER = re.compile(r"environment|[$(@]", re.IGNORECASE)
_REGISTRY_PROVIDER = re.compile(r"registry|hk\w*:|[$(@]", re.IGNORECASE)
#: The commands and calls that write a registry value: the ``*-ItemProperty`` cmdlets (and
#: aliases), ``reg.exe``'s writing verbs, .NET's ``Registry.SetValue``/``RegistryKey.SetValue``
#: and ``DeleteValue``. On the keys Windows reads the environment from (below) they set
#: the machine's or the user's stores.
_PROPERTY_WRITER = re.compile(
    r"(?<![\w$-])(?:set-itemproperty|sp|new-itemproperty|remove-itemproperty|rp"
    r"|rename-itemproperty|rnp|clear-itemproperty|clp|copy-itemproperty|cpp|move-itemproperty"
    r"|mp|reg(?:\.exe)?\s+(?:add|delete|import|restore|copy|load))(?![\w-])"
    r"|\.(?:SetValue|DeleteValue)\s*\(", re.IGNORECASE)
#: The machine's environment key (``HKLM:\SYSTEM\CurrentControlSet\Control\Session
#: Manager\Environment``, however written) and the user's (``HKCU:\Environment``).
_MACHINE_KEY = re.compile(r"session\s+manager[\\/]+environment", re.IGNORECASE)
_USER_KEY = re.compile(r"(?:hkcu:|hkey_current_user)[\\/]*environment", re.IGNORECASE)
#: A value's name written literally after ``-Name`` (a prefix too) or reg.exe's ``/v``.
_PROPERTY_NAME = re.compile(
    r"(?:\s-n(?:a(?:me?)?)?(?::|\s+)|\s/v\s+)(?P<name>'[^']*'|\"[^\"$`]*\"|[\w.]+)",
    re.IGNORECASE)
#: What an ``env:`` path's name holds when it is not a name written literally: a variable,
#: an escape, a wildcard.
_NOT_LITERAL = re.compile(r"[$`*?\[\]]")
#: The item cmdlets whose second positional argument is a value, not a path.
_SETS_A_VALUE = frozenset({"set-item", "si", "set-content", "sc", "add-content", "ac"})
#: The parameters of the item cmdlets that take no path (the value, the items picked under
#: a path, the common parameters) and their switches (no argument, but one may follow).
_NOT_PATHS = ("value", "filter", "include", "exclude", "itemtype", "type", "encoding",
              "stream", "credential", "erroraction", "warningaction", "informationaction",
              "errorvariable", "warningvariable", "informationvariable", "outvariable",
              "outbuffer", "pipelinevariable")
_COMMON_ALIASES = frozenset({"ea", "wa", "infa", "ev", "wv", "iv", "ov", "ob", "pv"})
#: A path that may name something other than a file: a provider (``Environment::X``,
#: ``Registry::HKEY_...``), a wildcard in a drive's name.
_PROVIDER_PATH = re.compile(r"::|^\s*[^:\\/]*[*?\[][^:\\/]*:")
#: Where a bare word ends a block or a bracket holding its command (``{ rm C:\x}``).
_BLOCK_END = re.compile(r"[)}]")
#: A path on the ``env:`` drive or the registry's (read from a variable).
_DRIVE_PATH = re.compile(r"\s*(?:env|hk\w*)\s*:", re.IGNORECASE)
#: A path argument the simulator evaluates: a variable, ``$env:X``, or a double-quoted text
#: of them (``"$dir\log.txt"``), which read and run nothing else.
_PATH_VARIABLES = re.compile(r"\$(?:env:)?\w+|\"(?:[^\"`$]|\$(?:env:)?\w+)*\"", re.IGNORECASE)
#: A path naming a drive other than a letter's (``env:``, ``HKLM:``, ``Foo:``).
_NAMED_DRIVE = re.compile(r"\s*[^\\/:]{2,}:")
#: ``$PSScriptRoot`` as a whole value (not ``$PSScriptRoot.Replace(...)``), and an argument
#: that is it, or a double-quoted text starting with it and a separator.
_SCRIPT_ROOT = re.compile(r"\$PSScriptRoot(?![\w.\[:])", re.IGNORECASE)
_SCRIPT_ROOT_WORD = re.compile(r"\$PSScriptRoot|\"\$PSScriptRoot[\\/][^\"`$]*\"", re.IGNORECASE)
#: ``(Join-Path ...)`` and the parameters it is given here (pieces of a path, and -Resolve).
_JOIN_PATH = re.compile(r"\(\s*Join-Path\s+([^()]*?)\s*\)", re.IGNORECASE)
_JOIN_PATH_PARAMETERS = ("path", "childpath", "additionalchildpath", "resolve")
#: ``Get-ChildItem ...`` starting a pipeline, maybe ``| Where-Object { ... }``, to its ``|``.
_LISTED = re.compile(
    r"(?:^|[;{}(\n])\s*(?P<cmd>get-childitem|gci|ls|dir)(?![\w-])(?P<args>[^;|{}()\n]*)\|"
    r"\s*(?:(?:where-object|where|\?)\s*\{[^{}]*\}\s*\|\s*)*$", re.IGNORECASE)
_LISTING_VALUES = ("filter", "include", "exclude", "depth", "attributes", "erroraction")
_LISTING_SWITCHES = ("recurse", "force", "file", "directory", "hidden", "system", "readonly",
                     "name", "followsymlink")
#: ``setx`` and its arguments, to the statement's end: it sets the user's store, with
#: ``/M`` the machine's.
_SETX = re.compile(r"(?<![\w$-])setx(?:\.exe)?(?![\w-])(?P<args>[^;|\n]*)", re.IGNORECASE)
_SETX_NAME = re.compile(r"[\w.]+")
#: Statements whose skipping cannot have lost output a function returns (they print to the
#: log, sleep, end the script or only assign).
_NO_OUTPUT = frozenset({"write-host", "write-warning", "write-verbose", "write-error",
                        "write-debug", "write-information", "start-sleep", "sleep", "throw",
                        "exit", "fail-step", "set-octopusvariable", "break", "continue",
                        "set-strictmode"})


@functools.lru_cache(maxsize=512)
def _assigned(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The variables and environment variables an uninterpreted statement may assign."""
    names = {next(g for g in m.groups() if g).casefold() for m in _ASSIGNED.finditer(text)
             if not _CALLED_WITH_DASHES.fullmatch(m.group())
             or not _CALL_BEFORE.search(text, 0, m.start())}
    for m in _LIST_ASSIGNED.finditer(text):
        names.update(v.casefold() for v in _LIST_VARIABLE.findall(m.group()))
    return frozenset(names), frozenset(m.group(1) for m in _ENV_ASSIGNED.finditer(text))


@functools.lru_cache(maxsize=512)
def _shared(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The variables an uninterpreted statement may change in any scope, as names or
    wildcards (case-folded): those whose object it changes (``$a[0] = 9``, ``$x.P = 1``),
    and those a variable cmdlet names (``Remove-Variable x``, ``Clear-Variable -Name a*``:
    it may also remove the variable, with its type constraint, or give it an option)."""
    cmdlet: set[str] = set()
    for m in _VARIABLE_CMDLET.finditer(text):
        cmdlet.update(w.casefold() for w in _VARIABLE_NAME.findall(m.group("args")))
        if "$" in m.group("args"):
            cmdlet.add("*")  # a name the simulator does not read: any variable
    return frozenset(m.group(1).casefold() for m in _MUTATED.finditer(text)), frozenset(cmdlet)


def _wildcard(name: str) -> re.Pattern[str]:
    """A variable cmdlet's wildcard as a pattern (one PowerShell would refuse: any name)."""
    try:
        return compile_wildcard(name)
    except ValueError:
        return re.compile(".*", re.DOTALL)


@functools.lru_cache(maxsize=512)
def _command_words(text: str) -> frozenset[str]:
    """The words of ``text`` that may name a command (case-folded), for
    :meth:`._ps_exec._Shell.called`: every run of characters but blanks, brackets, quotes and
    operators."""
    return frozenset(w.casefold() for w in _COMMAND_WORD.findall(text))


def _target(value: Value) -> str:
    """The store an ``[EnvironmentVariableTarget]`` argument names, lower-cased; another
    value is .NET's error (unknown)."""
    text = _text(value).strip()
    m = _TARGET.match(text)
    target = (m.group(1) if m else text).casefold()
    if target not in _TARGETS:
        raise Unknown(text)  # a number converts to a target too: not modelled
    return target


#: An environment variable uninterpreted text may set: its store (one of :data:`_TARGETS`)
#: and its name as written, or None where the text does not write it (any may be set).
_EnvSet = tuple[str, str | None]


@functools.lru_cache(maxsize=512)
def _env_sets(text: str) -> tuple[_EnvSet, ...]:
    """The environment variables uninterpreted ``text`` may set, in every store: ``$env:X =
    ...``, ``SetEnvironmentVariable`` (:func:`_dotnet_sets`), a write to the ``env:`` drive
    (:func:`_drive_sets`) and ``setx`` (:func:`_setx_sets`)."""
    return (*(("process", m.group(1)) for m in _ENV_ASSIGNED.finditer(text)),
            *_dotnet_sets(text), *_drive_sets(text), *_setx_sets(text),
            *_registry_sets(text))


def _registry_sets(text: str) -> Iterator[_EnvSet]:
    """What the registry writes in ``text`` (:data:`_PROPERTY_WRITER`, or an item cmdlet,
    ``Remove-Item HKCU:\\Environment``) may set: the machine's store for its environment
    key, the user's for theirs, either for a path not written literally (``-Path $key``);
    the value's name if every write names one literally (``-Name X``, ``/v X``), else any."""
    writes = len(_PROPERTY_WRITER.findall(text)) + len(_ITEM_WRITER.findall(text))
    if not writes:
        return
    stores = [store for store, key in (("machine", _MACHINE_KEY), ("user", _USER_KEY))
              if key.search(text)]
    if not stores and _PROPERTY_WRITER.search(text) and set(text) & set("$(@"):
        stores = ["machine", "user"]  # a key in a variable may be either
    names = [_literal(m.group("name")) or m.group("name")
             for m in _PROPERTY_NAME.finditer(text)
             if m.group("name")[0] not in "'\"" or _literal(m.group("name")) is not None]
    for store in stores:
        if _ITEM_WRITER.search(text) or len(names) < writes:
            yield store, None
        else:
            yield from ((store, name) for name in names)


def _dotnet_sets(text: str) -> Iterator[_EnvSet]:
    """What the ``SetEnvironmentVariable(name, value[, target])`` calls in ``text`` may set:
    the name if it is a literal, in the store its target names literally (none: the
    process's); a target otherwise written (a variable) may name any store."""
    for m in _SET_ENVIRONMENT.finditer(text):
        try:
            args = _array_items(text[m.end() : _closing(text, m.end() - 1)])
        except Unknown:
            args = _array_items(text[m.end() :])  # never closed: its arguments run to the end
        name = _literal(args[0])
        target = _literal_target(args[2]) if len(args) == 3 else "process"
        for store in (target,) if target else _TARGETS:
            yield store, name


def _drive_sets(text: str) -> Iterator[_EnvSet]:
    """What the item and content cmdlets in ``text`` (:data:`_ITEM_WRITER`) may write on the
    ``env:`` drive, the script's own variables: each ``env:`` path's name; any (None) for a
    name not written literally (a variable, a wildcard, the drive itself: ``New-Item -Path
    Env: -Name X``) and where one renames (its new name is no path). Every ``env:`` path in
    a text holding such a cmdlet counts: a read too (``Get-Item env:X``) only costs a value
    that was known."""
    writers = [m.group("rename") for m in _ITEM_WRITER.finditer(text)]
    if not writers:
        return
    renames = any(writers)
    for m in _ENV_PATH.finditer(text):
        name = m.group("quoted") if m.group("quote") else m.group("bare")
        literal = (name and not renames and not _NOT_LITERAL.search(name)
                   and not text.startswith("(", m.end()))
        yield "process", name if literal else None


def _setx_sets(text: str) -> Iterator[_EnvSet]:
    """What the ``setx`` commands in ``text`` may set: the user's store, with ``/M`` the
    machine's; the name if it is written literally (any for a variable, or another of
    setx's forms: ``/K``, ``/F``, ``/S``)."""
    for m in _SETX.finditer(text):
        words = _words(m.group("args").strip())
        rest = [w for w in words if w.casefold() != "/m"]
        if rest:  # none: setx refuses to run
            yield ("machine" if len(rest) < len(words) else "user"), _setx_name(rest[0])


def _setx_name(word: str) -> str | None:
    """The variable ``setx``'s first argument names, if written literally."""
    if word[0] in "'\"":
        return _literal(word)
    return word if _SETX_NAME.fullmatch(word) else None


def _literal_target(text: str) -> str | None:
    """The store a literal target argument names; None for another argument (one in a
    variable may name any) or a target .NET refuses."""
    value = _literal(text)
    if value is None:
        return None
    try:
        return _target(value)
    except Unknown:
        return None


def _filesystem_text(text: str) -> bool:
    """Whether a path's text names no provider nor a drive but a letter's (see
    :meth:`._ps_exec._Shell.filesystem`)."""
    return not _PROVIDER_PATH.search(text) and not _NAMED_DRIVE.match(text)


def _not_a_path(name: str) -> bool:
    """Whether an item cmdlet's parameter ``name`` (as written, shortened maybe) takes
    something other than a path (see :data:`_NOT_PATHS`)."""
    return name in _COMMON_ALIASES or (len(name) >= 2 and any(
        full.startswith(name) for full in _NOT_PATHS))
