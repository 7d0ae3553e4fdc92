"""Running a PowerShell script: the statements step scripts use, in order, in virtual time.

Interpreted: ``Start-Sleep``; ``Write-Host``/``Write-Output``/``echo``/``Write-Warning``/
``Write-Verbose``/``Write-Error``; ``$env:X = ...``; ``$x = ...``; ``[Environment]::
GetEnvironmentVariable``/``SetEnvironmentVariable``; ``setx [/M]``; ``exit``; ``throw``;
``Fail-Step``; ``if``/``elseif``/``else`` on values, ``-not``, ``!``, ``-eq``/``-ne``/
``-like``, ``-and``/``-or``, ``[string]::IsNullOrEmpty``, ``Test-Path env:X``; a bare
string or variable (it is output); ``Get-Service [-Name] P [-ErrorAction A]`` as a value
(the machine's Tentacle services matching ``P``, as their names, so ``.Name`` of it is the
same list; as a statement only its error counts), ``-join``. Anything else does nothing
here (the restart recogniser reads restarts and probes separately), and a statement holding
an expression this module cannot evaluate is skipped whole.

Calamari runs scripts with ``$ErrorActionPreference = 'Stop'``, so ``Write-Error`` ends the
script with exit code 1, as ``throw`` does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Generator, Sequence
from typing import Literal, NamedTuple

from octosim.model.scripts._running import (
    OutputLevel,
    ScriptExit,
    ScriptHost,
    ScriptProgram,
    ScriptResult,
    Unknown,
    closing,
    split_top,
    strip_comments,
    top_level,
)
from octosim.model.wildcard import wildcard_match

__all__ = ["run_powershell"]

#: A list (``Get-Service``'s services, by name) prints as PowerShell prints an array in a
#: string: its items joined by a space.
Value = str | int | float | bool | tuple[str, ...] | None
_Steps = Generator[float, None, None]

_NEWLINE_OR_SEMI = re.compile(r"\r?\n|;")
_CONTINUED = re.compile(r"`\r?\n")
_ELSE_AHEAD = re.compile(r"\s*(?:else|elseif)\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_COMMA = re.compile(r",")
_PLUS = re.compile(r"\s*\+\s*")
_JOIN = re.compile(r"\s+-join\s+", re.IGNORECASE)
_GET_SERVICE = re.compile(r"^Get-Service\s+(?P<args>.*)$", re.IGNORECASE | re.DOTALL)
_NAME_MEMBER = re.compile(r"\.Name$", re.IGNORECASE)
_WILDCARD = frozenset("*?[")
_OR = re.compile(r"\s+-or\s+", re.IGNORECASE)
_AND = re.compile(r"\s+-and\s+", re.IGNORECASE)
_COMPARE = re.compile(r"\s+-(i?eq|i?ne|i?like|i?notlike)\s+", re.IGNORECASE)
_ASSIGN = re.compile(
    r"^\$(?:\{env:(?P<braced>[^}]+)\}|env:(?P<env>\w+)|(?P<var>\w+))\s*=(?!=)\s*(?P<rhs>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DOTNET_ENV = re.compile(
    r"^\[(?:System\.)?Environment\]::(?P<method>GetEnvironmentVariable|SetEnvironmentVariable)"
    r"\s*\((?P<args>.*)\)$", re.IGNORECASE | re.DOTALL,
)
_STRING_TEST = re.compile(
    r"^\[string\]::(?P<method>IsNullOrEmpty|IsNullOrWhiteSpace)\s*\((?P<arg>.*)\)$",
    re.IGNORECASE | re.DOTALL,
)
_TEST_PATH_ENV = re.compile(r"^Test-Path\s+(?:-Path\s+)?['\"]?env:(?P<name>\w+)['\"]?$",
                            re.IGNORECASE)
_TARGET = re.compile(r"^\[(?:System\.)?EnvironmentVariableTarget\]::(\w+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
# Compiled once: these run for every statement of every script (re's own cache looks a
# pattern up by its flags too, which costs more than the match).
_IF = re.compile(r"if\s*\(", re.IGNORECASE)
_ELSEIF = re.compile(r"elseif\b", re.IGNORECASE)
_ELSE = re.compile(r"else\s*\{", re.IGNORECASE)
_ENV_VARIABLE = re.compile(r"\$(?:\{env:([^}]+)\}|env:(\w+))", re.IGNORECASE)
#: ``$OctopusParameters['Name']`` (or ``["Name"]``): Calamari's dictionary of the step's
#: variables, read at run time.
_OCTOPUS_PARAMETER = re.compile(r"""\$OctopusParameters\[\s*(['"])(.+?)\1\s*\]""", re.I)
_VARIABLE = re.compile(r"\$(\w+)")
_NEGATION = re.compile(r"(?:-not\s+|!\s*)", re.IGNORECASE)
_IN_STRING = re.compile(
    r"`(.)|\$\{env:([^}]+)\}|\$env:([\w]+)|\$\{([^}]+)\}|\$(\w+)|\$\(", re.IGNORECASE | re.DOTALL
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b"}
#: Write-Host parameters that take a value and print nothing.
_HOST_VALUED = frozenset({"-foregroundcolor", "-backgroundcolor", "-separator"})
#: How a script that ran to its end without ``exit`` ends (a result is immutable: one will do).
_SUCCEEDED = ScriptResult()


def run_powershell(body: str, host: ScriptHost) -> ScriptProgram:
    """Run ``body`` on ``host``: yields seconds slept, returns the :class:`ScriptResult`."""
    shell = _Shell(host)
    try:
        yield from shell.block(body)
    except ScriptExit as stop:
        return stop.result
    return _SUCCEEDED


@functools.lru_cache(maxsize=512)
def _statements(text: str) -> tuple[str, ...]:
    """Split a block into statements: at newlines and ``;`` outside quotes and brackets,
    keeping an ``else``/``elseif`` on the next line with its ``if``. Memoised: it depends on
    the text alone, and clients send the same few scripts again and again."""
    text = _CONTINUED.sub(" ", strip_comments(text, escape="`", single_doubles=True))
    pieces: list[str] = []
    start = 0
    for i in top_level(text, escape="`", single_doubles=True):
        if text[i] in "\n;" and not (text[i] == "\n" and _ELSE_AHEAD.match(text, i + 1)):
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return tuple(p.strip() for p in pieces if p.strip())


class _Statement(NamedTuple):
    """What a statement is, read from its text alone (see :func:`_parse`): an ``if``, an
    ``assignment`` (its match), a .NET environment call, a bare ``value`` (printed), or a
    ``command``: its ``name`` case-folded and its ``args`` as written."""

    kind: Literal["if", "assignment", "dotnet", "value", "command"]
    assignment: re.Match[str] | None = None
    name: str = ""
    args: tuple[str, ...] = ()


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> _Statement:
    """Read what kind of statement ``text`` is (memoised, as :func:`_statements`: running a
    script walks its statements every time, and reading them is most of the walk)."""
    if _IF.match(text):
        return _Statement("if")
    assignment = _ASSIGN.match(text)
    if assignment:
        return _Statement("assignment", assignment)
    if _DOTNET_ENV.match(text):
        return _Statement("dotnet")
    if text[0] in "'\"$":
        return _Statement("value")
    words = _words(text)
    return _Statement("command", name=words[0].casefold(), args=words[1:])


@functools.lru_cache(maxsize=512)
def _words(text: str) -> tuple[str, ...]:
    """A command's words, split at spaces outside quotes and brackets (memoised, as
    :func:`_statements`)."""
    return tuple(w for w in split_top(text, _SPACE, escape="`", single_doubles=True) if w)


@functools.lru_cache(maxsize=512)
def _operators(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An expression's operands around ``-join`` and its operands around ``+``, outside
    quotes and brackets (memoised, as :func:`_statements`)."""
    return (tuple(split_top(text, _JOIN, escape="`", single_doubles=True)),
            tuple(split_top(text, _PLUS, escape="`", single_doubles=True)))


def _closing(text: str, i: int) -> int:
    """Index of the bracket closing the one at ``text[i]`` (PowerShell quoting)."""
    return closing(text, i, escape="`", single_doubles=True)


class _Shell:
    """One running PowerShell script: its variables, and the statements it runs."""

    def __init__(self, host: ScriptHost) -> None:
        self.host = host
        self.variables: dict[str, Value] = {}

    # -- statements ---------------------------------------------------------------------------
    def block(self, text: str) -> _Steps:
        for statement in _statements(text):
            try:
                yield from self.statement(statement)
            except Unknown:
                continue  # not evaluable here: the statement does nothing

    def statement(self, text: str) -> _Steps:
        parsed = _parse(text)
        if parsed.kind == "if":
            yield from self.if_statement(text)
        elif parsed.assignment is not None:
            self.assign(parsed.assignment)
        elif parsed.kind == "dotnet":
            self.expression(text)  # a Get only reads; a Set acts
        elif parsed.kind == "value":
            value = self.expression(text)
            if value is not None:
                self.host.write(_text(value))
        else:
            seconds = self.command(parsed.name, parsed.args)
            if seconds is not None:
                yield seconds

    def if_statement(self, text: str) -> _Steps:
        i = 0
        while True:
            open_paren = text.index("(", i)
            close = _closing(text, open_paren)
            condition = text[open_paren + 1 : close]
            body_open = text.index("{", close)
            body_close = _closing(text, body_open)
            if self.condition(condition):
                yield from self.block(text[body_open + 1 : body_close])
                return
            rest = text[body_close + 1 :].lstrip()
            if _ELSEIF.match(rest):
                text, i = rest, 0
                continue
            if _ELSE.match(rest):
                body_open = rest.index("{")
                yield from self.block(rest[body_open + 1 : _closing(rest, body_open)])
            return

    def assign(self, m: re.Match[str]) -> None:
        value = self.expression(m.group("rhs"))
        env_name = m.group("braced") or m.group("env")
        if env_name:
            self.host.setenv(env_name, None if value is None or value == "" else _text(value))
        else:
            self.variables[m.group("var").casefold()] = value

    def command(self, name: str, args: tuple[str, ...]) -> float | None:
        """Run a command; return the seconds it sleeps (None: it does not sleep)."""
        if name in ("start-sleep", "sleep"):
            return self.sleep_seconds(args)
        if name in ("write-host", "write-output", "echo", "write"):
            self.host.write(" ".join(self.printed(args, host=name == "write-host")))
        elif name in ("write-warning", "write-verbose"):
            level: OutputLevel = "warning" if name == "write-warning" else "verbose"
            self.host.write(" ".join(self.printed(args)), level)
        elif name == "write-error":
            self.fail(" ".join(self.printed(args)), 1)
        elif name == "throw":
            message = " ".join(self.printed(args)) if args else "ScriptHalted"
            self.fail(message, 1)
        elif name == "exit":
            raise ScriptExit(int(self.number(args[0])) if args else 0)
        elif name == "fail-step":
            said = " ".join(self.printed(args))
            if said:
                self.host.write(said, "error")
            raise ScriptExit(-1, said or None)
        elif name == "setx":
            self.setx(args)
        elif name == "set-octopusvariable":
            self.set_output(args)
        elif name == "get-service":
            self.get_service(args)  # for its error; the table it prints is not modelled
        return None

    def fail(self, message: str, code: int) -> None:
        self.host.write(message, "error")
        raise ScriptExit(code)

    def sleep_seconds(self, args: Sequence[str]) -> float:
        """``Start-Sleep [-Seconds] N`` / ``-Milliseconds N`` (prefixes ``-s``, ``-m``)."""
        scale, i, seconds = 1.0, 0, 0.0
        while i < len(args):
            arg = args[i].casefold()
            if arg.startswith("-") and not _NUMBER.match(arg):
                scale = 0.001 if "-milliseconds".startswith(arg) and arg != "-" else 1.0
                if not ("-seconds".startswith(arg) or "-milliseconds".startswith(arg)):
                    raise Unknown(arg)  # -Duration (a TimeSpan) is not evaluated
            else:
                seconds = self.number(args[i]) * scale
            i += 1
        return max(0.0, seconds)

    def set_output(self, args: Sequence[str]) -> None:
        """``Set-OctopusVariable [-name] N [-value] V [-sensitive]`` (parameter names may be
        shortened, as PowerShell allows)."""
        named: dict[str, str] = {}
        positional: list[str] = []
        sensitive = False
        i = 0
        while i < len(args):
            folded = args[i].casefold()
            if folded.startswith("-") and len(folded) > 1 and not _NUMBER.match(folded):
                key = folded[1:].rstrip(":")
                if "sensitive".startswith(key):
                    sensitive = True
                    i += 1
                    continue
                if i + 1 >= len(args) or not ("name".startswith(key) or "value".startswith(key)):
                    raise Unknown(args[i])
                named["name" if "name".startswith(key) else "value"] = _text(
                    self.word(args[i + 1]))
                i += 2
                continue
            positional.append(_text(self.word(args[i])))
            i += 1
        name = named.get("name") or (positional.pop(0) if positional else None)
        value = named.get("value", positional.pop(0) if positional else None)
        if not name or value is None:
            raise Unknown("Set-OctopusVariable")
        self.host.set_output(name, value, sensitive)

    def setx(self, args: Sequence[str]) -> None:
        machine = any(a.casefold() == "/m" for a in args)
        # A native program gets the text as written (00 stays 00), unless it is an expression.
        rest = [_text(self.expression(a)) if a[0] in "'\"$(" else a
                for a in args if a.casefold() != "/m"]
        if len(rest) != 2:
            raise Unknown("setx")
        if self.host.os_family != "Windows":
            raise Unknown("setx")  # no such program on Linux: not interpreted
        if machine:
            self.host.set_machine_variable(rest[0], rest[1])
        self.host.write("SUCCESS: Specified value was saved.")

    # -- words and expressions ----------------------------------------------------------------
    def printed(self, args: Sequence[str], *, host: bool = False) -> list[str]:
        """The values a Write-* command prints, its parameters left out."""
        out: list[str] = []
        skip = False
        for arg in args:
            if skip:
                skip = False
                continue
            folded = arg.casefold()
            if folded.startswith("-") and not _NUMBER.match(folded):
                skip = host and folded in _HOST_VALUED
                continue
            value = self.word(arg)
            out.append("" if value is None else _text(value))
        return out

    def word(self, arg: str) -> Value:
        """A command argument: an expression, or a bare word taken literally."""
        if arg[0] in "'\"$([" or _NUMBER.match(arg):
            return self.expression(arg)
        return arg

    def number(self, arg: str) -> float:
        value = self.word(arg)
        try:
            return float(_text(value))
        except ValueError:
            raise Unknown(arg) from None

    def expression(self, text: str) -> Value:
        text = text.strip()
        joined, terms = _operators(text)
        if len(joined) == 2:  # -join binds looser than +
            items = self.expression(joined[0])
            separator = _text(self.expression(joined[1]))
            if isinstance(items, tuple):
                return separator.join(items)
            return "" if items is None else _text(items)
        if len(terms) > 1:
            values = [self.term(t) for t in terms]
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                return sum(v for v in values if isinstance(v, int | float))
            return "".join("" if v is None else _text(v) for v in values)
        return self.term(text)

    def term(self, text: str) -> Value:
        text = text.strip()
        if not text:
            raise Unknown(text)
        if text[0] == "'" and text[-1] == "'" and len(text) >= 2:
            return text[1:-1].replace("''", "'")
        if text[0] == '"' and text[-1] == '"' and len(text) >= 2:
            return self.expand(text[1:-1])
        if text[0] == "(" and _closing(text, 0) == len(text) - 1:
            return self.expression(text[1:-1])
        member = _NAME_MEMBER.search(text)
        if member and text[0] == "(" and _closing(text, 0) == member.start() - 1:
            services = self.expression(text[1 : member.start() - 1])
            if isinstance(services, tuple):
                return services  # a service is known by its name: .Name is the same list
            raise Unknown(text)
        m = _GET_SERVICE.match(text)
        if m:
            return self.get_service(_words(m.group("args")))
        if _NUMBER.match(text):
            return float(text) if "." in text else int(text)
        folded = text.casefold()
        if folded in ("$null", "$true", "$false"):
            return {"$null": None, "$true": True, "$false": False}[folded]
        m = _ENV_VARIABLE.fullmatch(text)
        if m:
            return self.host.getenv(m.group(1) or m.group(2))
        m = _OCTOPUS_PARAMETER.fullmatch(text)
        if m:
            return self.host.octopus_variable(m.group(2))
        m = _VARIABLE.fullmatch(text)
        if m:
            return self.variables.get(m.group(1).casefold())
        m = _TARGET.match(text)
        if m:
            return m.group(1)
        m = _DOTNET_ENV.match(text)
        if m:
            return self.dotnet(m.group("method").casefold(), m.group("args"))
        raise Unknown(text)

    def get_service(self, args: Sequence[str]) -> tuple[str, ...]:
        """``Get-Service [-Name] P [-ErrorAction A]``: the Tentacle services ``P`` matches.

        A literal name that matches nothing is an error which Calamari's ``Stop`` preference
        makes terminating, unless ``-ErrorAction SilentlyContinue``/``Ignore`` says not."""
        pattern: str | None = None
        quiet = False
        i = 0
        while i < len(args):
            folded = args[i].casefold()
            if folded in ("-ea", "-erroraction"):
                value = _text(self.word(args[i + 1])) if i + 1 < len(args) else ""
                quiet = value.casefold() in ("silentlycontinue", "ignore")
                i += 2
            elif folded.startswith("-") and "-name".startswith(folded):
                i += 1
            elif folded.startswith("-") or pattern is not None:
                raise Unknown(args[i])  # another parameter, or a list of names
            else:
                pattern = _text(self.word(args[i]))
                i += 1
        if pattern is None:
            raise Unknown("Get-Service")
        try:
            found = tuple(n for n in self.host.service_names() if wildcard_match(pattern, n))
        except ValueError:
            raise Unknown(pattern) from None
        if not found and not quiet and not _WILDCARD & set(pattern):
            self.fail(f"Get-Service : Cannot find any service with service name '{pattern}'.", 1)
        return found

    def expand(self, inner: str) -> str:
        """A double-quoted string's text: backtick escapes, ``$env:X``, ``$x``, ``$(...)``."""
        out: list[str] = []
        i = 0
        while i < len(inner):
            m = _IN_STRING.search(inner, i)
            if m is None:
                out.append(inner[i:])
                break
            out.append(inner[i : m.start()])
            if m.group(1) is not None:
                out.append(_ESCAPES.get(m.group(1), m.group(1)))
                i = m.end()
            elif m.group(0) == "$(":
                close = _closing(inner, m.end() - 1)
                value = self.expression(inner[m.end() : close])
                out.append("" if value is None else _text(value))
                i = close + 1
            else:
                env = m.group(2) or m.group(3)
                if env:
                    value = self.host.getenv(env)
                else:
                    value = self.variables.get((m.group(4) or m.group(5)).casefold())
                out.append("" if value is None else _text(value))
                i = m.end()
        return "".join(out)

    def dotnet(self, method: str, raw_args: str) -> Value:
        args = [self.expression(a) for a in split_top(raw_args, _COMMA, escape="`",
                                                      single_doubles=True)]
        target = "process"
        if method == "getenvironmentvariable" and len(args) == 2:
            target = _target(args[1])
        elif method == "setenvironmentvariable" and len(args) == 3:
            target = _target(args[2])
        elif len(args) != (1 if method == "getenvironmentvariable" else 2):
            raise Unknown(raw_args)
        name = _text(args[0])
        windows = self.host.os_family == "Windows"
        if method == "getenvironmentvariable":
            if target == "process":
                return self.host.getenv(name)
            # .NET on Unix keeps no machine or user environment: it reads null.
            return self.host.machine_value(name) if target == "machine" and windows else None
        value = None if args[1] is None or args[1] == "" else _text(args[1])
        if target == "process":
            self.host.setenv(name, value)
        elif target == "machine" and windows:
            self.host.set_machine_variable(name, value)
        return None  # .NET on Unix ignores Machine/User sets; User is not modelled

    def condition(self, text: str) -> bool:
        text = text.strip()
        ors = split_top(text, _OR, escape="`", single_doubles=True)
        if len(ors) > 1:
            return any(self.condition(part) for part in ors)
        ands = split_top(text, _AND, escape="`", single_doubles=True)
        if len(ands) > 1:
            return all(self.condition(part) for part in ands)
        negated = _NEGATION.match(text)
        if negated:
            return not self.condition(text[negated.end() :])
        if text.startswith("(") and _closing(text, 0) == len(text) - 1:
            return self.condition(text[1:-1])
        compared = split_top(text, _COMPARE, escape="`", single_doubles=True)
        if len(compared) == 2:
            op = _COMPARE.search(text)
            assert op is not None
            return _compare(op.group(1).casefold().lstrip("i"), self.expression(compared[0]),
                            self.expression(compared[1]))
        m = _STRING_TEST.match(text)
        if m:
            value = self.expression(m.group("arg"))
            blank = value is None or _text(value) == ""
            if m.group("method").casefold() == "isnullorwhitespace":
                blank = value is None or not _text(value).strip()
            return blank
        m = _TEST_PATH_ENV.match(text)
        if m:
            return self.host.getenv(m.group("name")) is not None
        return _truthy(self.expression(text))


def _target(value: Value) -> str:
    text = _text(value).strip()
    m = _TARGET.match(text)
    return (m.group(1) if m else text).casefold()


def _compare(op: str, left: Value, right: Value) -> bool:
    a, b = _text(left), _text(right)
    if left is None or right is None:
        equal = left is None and right is None  # $null equals only $null, not ''
    elif op in ("like", "notlike"):
        equal = wildcard_match(b, a)
    else:
        equal = a.casefold() == b.casefold()
    return not equal if op in ("ne", "notlike") else equal


def _truthy(value: Value) -> bool:
    if isinstance(value, str):
        return value != ""
    return bool(value)


def _text(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
