"""Script interpretation for the simulated Tentacle: a ScriptBody read into *effects*.

The simulator never runs a script. :func:`interpret` reads an AdHocScript's ``ScriptBody``
(with its ``Syntax``) and returns what the script would do to the Tentacle, in script order:

* :class:`DetachedRestart` -- a restart launched in a process that outlives the script
  (``Start-Process powershell ... Start-Sleep 3; Restart-Service ...``, ``Start-Job``,
  ``nohup sh -c 'sleep 3; systemctl restart Tentacle' &``, ``setsid``, ``( ... ) &``,
  ``systemd-run --on-active=3 ...``), with its delay counted from the start of the script;
* :class:`SelfRestart` -- a restart the script runs itself (it is killed by it if it hits
  its own Tentacle): ``Restart-Service``, ``Get-Service X | Restart-Service``, ``Stop-Service
  X`` then ``Start-Service X``, ``systemctl restart``, ``Tentacle service --restart``;
* :class:`WitnessProbe` -- the script prints the Tentacle process's start time:
  ``(Get-Process Tentacle).StartTime``, ``ps -o lstart= -C Tentacle``, ``systemctl show
  Tentacle -p ActiveEnterTimestamp``.

How: a small tokenizer per syntax (PowerShell; POSIX sh/Bash) that understands quoting,
escapes, comments, blocks, sub-expressions and pipelines, then a walk over commands that
knows the handful of commands above. Strings are *data* unless a command runs them (``-Command``,
``-ArgumentList`` of a powershell process, ``sh -c``, ``Invoke-Expression``, ``eval``), so
``Write-Host "will Restart-Service later"`` or ``echo 'systemctl restart Tentacle'`` is nothing.
Nested quoting is undone layer by layer, as PowerShell, Windows' command-line parser and
powershell.exe's ``-Command``/``-EncodedCommand`` would.

Extensible: a :class:`ScriptInterpreter` holds an ordered list of handlers
(:data:`ScriptHandler`); the first that returns non-``None`` decides. The built-in handlers
(:func:`powershell_handler`, :func:`bash_handler`) return ``None`` when they find nothing, so
a handler registered last is a fallback and one registered ``first=True`` overrides.

Known limits (it is a recogniser, not a shell):

* Control flow is not evaluated: every branch of ``if``/``try``/``case``, every loop body
  and every function body counts once, where it is written; ``||``/``&&`` both sides count.
* Variables resolve only from plain assignments of literals earlier in the same scope
  (``$n = 'OctopusDeploy Tentacle'``, ``UNIT=Tentacle``); a target that depends on anything
  else (parameters, ``$env:``, computed strings) is dropped, and so is an effect left with
  no target. ``foreach ($x in <literals>)`` and ``ForEach-Object`` bind ``$x``/``$_``; a
  sh ``for`` loop does not bind its variable.
* A command PowerShell would refuse to bind (more positional arguments than it takes, as in
  ``Restart-Service OctopusDeploy Tentacle``) does nothing. An ``-ArgumentList`` array is
  joined with plain spaces as Windows PowerShell 5.1 does (PowerShell 7.3+ would quote
  elements with spaces). The first bare argument to powershell/pwsh is read as a command
  (Windows PowerShell's reading; pwsh would take it as a ``-File``).
* ``Where-Object`` narrows a Get-Service pipeline only by ``Name``/``DisplayName`` with
  ``-like``/``-eq``; other filters are ignored (the unfiltered names pass). ``-Exclude``
  is ignored. ``-DisplayName X`` is treated like ``-Name X`` (Tentacle's display name is
  its service name). ``-WhatIf`` suppresses the effect; ``-ComputerName``/``-H``/``--user``
  (other machines, user managers) are ignored.
* ``Stop-Service X`` alone is not an effect (there is no stop effect); with a later
  ``Start-Service X`` (same name, same scope) it is one restart, delayed as the stop was.
  ``systemctl kill`` (which ``Restart=always`` turns into a restart) is not recognised.
* ``Start-Job`` / PowerShell 7 ``cmd &`` count as detached, as specified, although a real
  job dies with the session that started it. ``Start-Process -Wait`` is synchronous.
  ``nohup`` without ``&`` is synchronous; ``setsid`` and ``systemd-run`` always detach.
* ``delay_seconds`` sums the sleeps (``Start-Sleep``, ``sleep``, ``[Threading.Thread]::Sleep``,
  ``timeout /t``, ``ping -n``, ``systemd-run --on-active``) that run before the restart on
  its own path, including sleeps the script did before launching the detached process.
  Sleeps in synchronous code only matter to a later detached restart. ``sleep infinity``,
  ``-Duration`` from an expression and ``--on-calendar`` count as 0.
* Probes count only outside detached code (their output would not reach the task log).
  A probe is a Tentacle process value meeting ``StartTime`` in one statement, or a
  ``$p = Get-Process Tentacle`` variable used as ``$p.StartTime`` later.
* Not interpreted: ``cmd /c``, ``schtasks``, ``Register-ScheduledTask``, ``at``, scripts run
  from files (``-File``, ``sh ./x.sh``), here-document bodies, ``$(...)`` inside strings
  that are only data, aliases or functions the script defines itself.
* An invalid wildcard (``'Tentacle['``) names nothing, as PowerShell errors on it.
* CSharp and Python bodies are never interpreted (always ``()``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from octosim.model.wildcard import compile_wildcard

__all__ = [
    "BUILTIN_HANDLERS",
    "DEFAULT_INTERPRETER",
    "SEED_SCRIPT_BODY",
    "DetachedRestart",
    "ScriptEffect",
    "ScriptHandler",
    "ScriptInterpreter",
    "ScriptSyntax",
    "SelfRestart",
    "ServiceTarget",
    "TargetKind",
    "WitnessProbe",
    "bash_handler",
    "interpret",
    "parse_syntax",
    "powershell_handler",
]


# ==== public types ============================================================================


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
    wanted = value.strip().casefold()
    for syntax in ScriptSyntax:
        if syntax.value.casefold() == wanted:
            return syntax
    valid = ", ".join(s.value for s in ScriptSyntax)
    raise ValueError(f"unknown script syntax {value!r}; expected one of: {valid}")


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

#: The ScriptBody the seed script (restart-tentacle.ps1) sends, byte for byte: its single-quoted
#: ``$script`` with ``''`` undone. After ``-Command`` the file has a space and then a no-break
#: space (U+00A0, pasted from the article); the escape keeps that visible. A body with two
#: plain spaces is recognised identically.
SEED_SCRIPT_BODY = (
    "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command \u00a0`\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | "
    "Restart-Service}`\"\""
)


# ==== shared machinery ========================================================================

# Nesting deeper than this (blocks in strings in blocks ...) is not followed: it keeps
# interpretation linear-ish and recursion-safe on arbitrary text.
_MAX_DEPTH = 24
# Stands for a `$` that must stay literal (single-quoted, or escaped) until variables are
# expanded; a private-use character never typed in a script.
_LIT = "\ue000"
_VAR_REF = re.compile(r"\$(?:\{([^}]*)\}|([A-Za-z_][\w]*(?::[\w]+)?)|[@*#?$!0-9(-])")
_UNIT_SUFFIXES = (
    ".socket", ".timer", ".target", ".mount", ".automount", ".path", ".slice", ".scope",
    ".device", ".swap",
)


def _restore(s: str) -> str:
    return s.replace(_LIT, "$")


def _expand(s: str, variables: Mapping[str, tuple[str, ...]]) -> str | None:
    """Expand ``$name``/``${name}`` from ``variables`` (case-insensitive keys).

    Returns ``None`` when ``s`` references anything unknown (we cannot know the value).
    """
    unknown = False

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown
        name = (m.group(1) or m.group(2) or "").casefold()
        if name.startswith("using:"):
            name = name[len("using:") :]
        if name in variables:
            return " ".join(variables[name])
        unknown = True
        return ""

    out = _VAR_REF.sub(sub, s)
    return None if unknown else _restore(out)


def _win_target(name: str) -> ServiceTarget | None:
    """A Windows service target, or None for an empty or invalid wildcard (PowerShell errors)."""
    name = name.strip()
    if not name:
        return None
    try:
        compile_wildcard(name)
    except ValueError:
        return None
    return ServiceTarget("windows-service", name)


def _unit_target(name: str) -> ServiceTarget | None:
    """A systemd service unit, ``.service`` added as systemctl does; None for other units."""
    name = name.strip()
    if not name or name.startswith("-") or name.endswith(_UNIT_SUFFIXES):
        return None
    if not name.endswith(".service"):
        name += ".service"
    return ServiceTarget("systemd-unit", name)


def _basename(word: str) -> str:
    """``C:\\Program Files\\...\\Tentacle.exe`` / ``/opt/.../Tentacle`` -> ``tentacle``."""
    base = re.split(r"[\\/]", word.strip().strip("'\""))[-1].casefold()
    return base[:-4] if base.endswith(".exe") else base


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().strip("'\""))
    except ValueError:
        return None
    return value if value >= 0 and value != float("inf") else None


@dataclass
class _Scope:
    """Where code runs: the script itself, or a detached process/job it launched.

    ``delay`` is the seconds slept so far on this path, from the start of the script.
    """

    effects: list[ScriptEffect]
    detached: bool = False
    source: str = ""  # the launching text, for a detached scope
    delay: float = 0.0
    variables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    process_vars: set[str] = field(default_factory=set)
    # (kind, casefolded name) -> (target, delay when stopped): Stop then Start = a restart
    stopped: dict[tuple[str, str], tuple[ServiceTarget, float]] = field(default_factory=dict)

    def detach(self, source: str, *, keep_vars: bool = True) -> _Scope:
        """A scope for code launched from here that outlives the script; ``source`` is the
        launching text (kept from the outermost launcher when already detached)."""
        return _Scope(
            effects=self.effects,
            detached=True,
            source=self.source if self.detached else source,
            delay=self.delay,
            variables=dict(self.variables) if keep_vars else {},
        )

    def fork(self) -> _Scope:
        """A background branch of this scope: its sleeps do not delay the code after it."""
        return _Scope(
            effects=self.effects,
            detached=self.detached,
            source=self.source,
            delay=self.delay,
            variables=dict(self.variables),
        )

    def restart(self, targets: Iterable[ServiceTarget | None], source: str) -> None:
        self._emit(targets, source, self.delay)

    def stop(self, targets: Iterable[ServiceTarget | None]) -> None:
        for target in targets:
            if target is not None:
                self.stopped[(target.kind, target.name.casefold())] = (target, self.delay)

    def start(self, targets: Iterable[ServiceTarget | None], source: str) -> None:
        """Starting what this scope stopped earlier completes a restart (as of the stop)."""
        paired: list[tuple[ServiceTarget, float]] = []
        for target in targets:
            if target is not None:
                hit = self.stopped.pop((target.kind, target.name.casefold()), None)
                if hit is not None:
                    paired.append(hit)
        if paired:
            self._emit((t for t, _ in paired), source, min(d for _, d in paired))

    def _emit(self, targets: Iterable[ServiceTarget | None], source: str, delay: float) -> None:
        unique = tuple(dict.fromkeys(t for t in targets if t is not None))
        if not unique:
            return
        if self.detached:
            self.effects.append(DetachedRestart(unique, delay, self.source or source.strip()))
        else:
            self.effects.append(SelfRestart(unique, source.strip()))

    def probe(self, style: Literal["powershell", "bash"], source: str) -> None:
        if self.detached:
            return  # a detached process's output never reaches the task log
        effect = WitnessProbe(style, source.strip())
        if not self.effects or self.effects[-1] != effect:  # one per statement
            self.effects.append(effect)


def _tentacle_cli(args: Sequence[str], scope: _Scope, source: str) -> None:
    """``Tentacle service --restart|--stop|--start [--instance NAME]`` (Mono.Options style:
    ``--x``, ``-x`` or ``/x``, values after a space, ``=`` or ``:``)."""
    if not args or args[0].casefold() != "service":
        return
    flags: set[str] = set()
    instance = ""
    i = 1
    while i < len(args):
        m = re.fullmatch(r"(?:--?|/)([A-Za-z-]+)(?:[=:](.*))?", args[i], re.DOTALL)
        if m:
            name = m.group(1).casefold()
            if name == "instance":
                if m.group(2) is not None:
                    instance = m.group(2)
                elif i + 1 < len(args):
                    i += 1
                    instance = args[i]
            else:
                flags.add(name)
        i += 1
    target = ServiceTarget("tentacle-instance", instance.strip())
    if "restart" in flags or {"stop", "start"} <= flags:
        scope.restart([target], source)
    elif "stop" in flags:
        scope.stop([target])
    elif "start" in flags:
        scope.start([target], source)


# ==== POSIX sh / Bash =========================================================================

_SH_OPS = (
    ";;&", "&>>", "<<<", "<<-", "&&", "||", ";;", ";&", "|&", "&>", ">>", ">&", ">|", "<<",
    "<&", "<>", ";", "&", "|", "(", ")", ">", "<",
)
_SH_REDIRS = frozenset({"&>>", "&>", ">>", ">&", ">|", "<<<", "<<-", "<<", "<&", "<>", ">", "<"})
_SH_SEPARATORS = frozenset({";", "\n", ";;", ";&", ";;&"})
_SH_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a",
            "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}
_SH_ASSIGN = re.compile(r"[A-Za-z_]\w*=", re.DOTALL)
_SH_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"})
_SH_RESTART_VERBS = frozenset(
    {"restart", "try-restart", "condrestart", "reload-or-restart", "try-reload-or-restart",
     "force-reload"}
)
# systemctl/systemd-run/sudo options that take a separate value (so the value is no verb).
_SYSTEMCTL_VALUE_OPTS = frozenset(
    {"-p", "--property", "-P", "-t", "--type", "--state", "-s", "--signal", "-H", "--host",
     "-M", "--machine", "-n", "--lines", "-o", "--output", "--job-mode", "--kill-whom",
     "--kill-value", "--root", "--what", "--timestamp", "--message", "--preset-mode",
     "--boot-loader-entry", "--reboot-argument", "--check-inhibitors", "--drop-in", "--when"}
)
_SYSTEMD_RUN_VALUE_OPTS = frozenset(
    {"-u", "--unit", "--description", "-p", "--property", "--slice", "-E", "--setenv",
     "--uid", "--gid", "--nice", "--working-directory", "-H", "--host", "-M", "--machine",
     "--timer-property", "--path-property", "--socket-property", "--on-active", "--on-boot",
     "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar",
     "--on-clock-change", "--on-timezone-change", "--service-type", "--shell"}
)
_SUDO_VALUE_OPTS = frozenset(
    {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group",
     "--prompt", "--role", "--type", "--other-user", "--command-timeout", "--chdir",
     "--close-from", "--host"}
)
_PROBE_PROPERTIES = frozenset(
    {"activeentertimestamp", "activeentertimestampmonotonic", "execmainstarttimestamp",
     "execmainstarttimestampmonotonic"}
)
_SPAN_UNITS = {
    "": 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3,
    "us": 1e-6, "usec": 1e-6, "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0, "d": 86400.0, "day": 86400.0,
    "days": 86400.0, "w": 604800.0, "week": 604800.0, "weeks": 604800.0,
}


@dataclass(frozen=True)
class _ShTok:
    """A token: ``op`` (an operator or newline) or a ``word`` with quoting undone."""

    kind: Literal["op", "word"]
    value: str
    start: int
    end: int
    subs: tuple[str, ...] = ()  # command substitutions that run ($(...), `...`)


def _sh_close(text: str, i: int, depth: int) -> int:
    """Index of the ``)`` closing ``text[i] == '('`` (quote-aware), or ``len(text)``."""
    n, level, j = len(text), 0, i
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == "'":
            k = text.find("'", j + 1)
            j = n if k < 0 else k + 1
        elif c == '"':
            j = _sh_dq(text, j, depth + 1)[1]
        else:
            if c == "(":
                level += 1
            elif c == ")":
                level -= 1
                if level == 0:
                    return j
            j += 1
    return n


def _sh_dq(text: str, i: int, depth: int) -> tuple[str, int, list[str]]:
    """Read the double-quoted string at ``text[i]``: (value, index after it, substitutions)."""
    n, j = len(text), i + 1
    out: list[str] = []
    subs: list[str] = []
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n and text[j + 1] in '$`"\\\n':
            nxt = text[j + 1]
            out.append(_LIT if nxt == "$" else "" if nxt == "\n" else nxt)
            j += 2
        elif c == '"':
            return "".join(out), j + 1, subs
        elif c == "$" and j + 1 < n and text[j + 1] == "(" and depth < _MAX_DEPTH:
            k = _sh_close(text, j + 1, depth + 1)
            if not text.startswith("((", j + 1):  # $(( )) is arithmetic, not a command
                subs.append(text[j + 2 : k])
            out.append(text[j : k + 1])
            j = k + 1
        elif c == "`":
            k = text.find("`", j + 1)
            k = n if k < 0 else k
            subs.append(text[j + 1 : k])
            out.append(text[j : k + 1])
            j = k + 1
        else:
            out.append(c)
            j += 1
    return "".join(out), n, subs


def _sh_word(text: str, i: int, depth: int) -> tuple[str, int, list[str]]:
    """Read one word from ``text[i]``: (value with quotes undone, end index, substitutions)."""
    n = len(text)
    out: list[str] = []
    subs: list[str] = []
    while i < n:
        c = text[i]
        if c.isspace() or c in "|&;()<>":
            break
        if c == "\\":
            if i + 1 < n and text[i + 1] != "\n":
                out.append(_LIT if text[i + 1] == "$" else text[i + 1])
            i += 2
        elif c == "'":
            k = text.find("'", i + 1)
            k = n if k < 0 else k
            out.append(text[i + 1 : k].replace("$", _LIT))
            i = k + 1
        elif c == "$" and text.startswith("'", i + 1):  # $'...' ANSI-C quoting
            j = i + 2
            while j < n and text[j] != "'":
                if text[j] == "\\" and j + 1 < n:
                    out.append(_SH_ANSI.get(text[j + 1], text[j + 1]))
                    j += 2
                else:
                    out.append(_LIT if text[j] == "$" else text[j])
                    j += 1
            i = j + 1
        elif c == '"':
            value, i, inner = _sh_dq(text, i, depth)
            out.append(value)
            subs.extend(inner)
        elif c == "$" and text.startswith("(", i + 1) and depth < _MAX_DEPTH:
            k = _sh_close(text, i + 1, depth + 1)
            if not text.startswith("((", i + 1):
                subs.append(text[i + 2 : k])
            out.append(text[i : k + 1])
            i = k + 1
        elif c == "$" and text.startswith("{", i + 1):
            k = text.find("}", i)
            k = n if k < 0 else k
            out.append(text[i : k + 1])
            i = k + 1
        elif c == "`":
            k = text.find("`", i + 1)
            k = n if k < 0 else k
            subs.append(text[i + 1 : k])
            out.append(text[i : k + 1])
            i = k + 1
        else:
            out.append(c)
            i += 1
    return "".join(out), i, subs


def _sh_tokens(text: str, depth: int) -> list[_ShTok]:
    """Tokenize sh text: words, operators, newlines; comments, here-doc bodies and
    redirection fd numbers (the ``2`` of ``2>&1``) dropped."""
    toks: list[_ShTok] = []
    heredocs: list[tuple[str, bool]] = []  # (delimiter, strip leading tabs) awaiting a newline
    want_delimiter: bool | None = None  # after << (False) or <<- (True)
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c == "\n":
            toks.append(_ShTok("op", "\n", i, i + 1))
            i += 1
            for delimiter, strip_tabs in heredocs:  # skip here-doc bodies: data, not code
                while i < n:
                    end = text.find("\n", i)
                    end = n if end < 0 else end
                    line = text[i:end].rstrip("\r")
                    i = min(end + 1, n)
                    if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                        break
            heredocs.clear()
        elif c.isspace():
            i += 1
        elif c == "\\" and text.startswith("\n", i + 1):
            i += 2
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif op := next((o for o in _SH_OPS if text.startswith(o, i)), None):
            toks.append(_ShTok("op", op, i, i + len(op)))
            if op in ("<<", "<<-"):
                want_delimiter = op == "<<-"
            i += len(op)
        else:
            value, end, subs = _sh_word(text, i, depth)
            if end <= i:  # defensive: never loop without progress
                end = i + 1
            if text[i:end].isdigit() and end < n and text[end] in "<>":
                i = end  # an fd number for the redirection that follows
                continue
            toks.append(_ShTok("word", value, i, end, tuple(subs)))
            if want_delimiter is not None:
                heredocs.append((_restore(value), want_delimiter))
                want_delimiter = None
            i = end
    return toks


@dataclass
class _ShCommand:
    """A simple command (``words``) or a ``( )``/``{ }`` compound (``body``)."""

    start: int
    end: int
    words: list[_ShTok] = field(default_factory=list)
    body: list[_ShAndOr] | None = None


@dataclass
class _ShAndOr:
    """Pipelines joined by ``&&``/``||``; ``background`` when ended by ``&``."""

    start: int
    end: int
    commands: list[_ShCommand]
    background: bool = False


class _ShParser:
    """A forgiving recursive-descent parser: stray tokens are skipped, never an error."""

    def __init__(self, toks: list[_ShTok]) -> None:
        self.toks = toks
        self.i = 0

    def _peek(self) -> _ShTok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _closes(self, tok: _ShTok, closer: str | None) -> bool:
        if closer == ")":
            return tok.kind == "op" and tok.value == ")"
        return closer == "}" and tok.kind == "word" and tok.value == "}"

    def parse_list(self, closer: str | None, depth: int) -> list[_ShAndOr]:
        items: list[_ShAndOr] = []
        while (tok := self._peek()) is not None:
            if self._closes(tok, closer):
                self.i += 1
                return items
            if tok.kind == "op" and tok.value in _SH_SEPARATORS | {")", "&", "&&", "||", "|"}:
                self.i += 1
                continue
            start = self.i
            item = self._and_or(closer, depth)
            if item is not None:
                items.append(item)
            if self.i == start:
                self.i += 1
        return items

    def _and_or(self, closer: str | None, depth: int) -> _ShAndOr | None:
        commands: list[_ShCommand] = []
        first = self._peek()
        start = first.start if first else 0
        end = start
        background = False
        while (tok := self._peek()) is not None:
            if self._closes(tok, closer) or (tok.kind == "op" and tok.value == ")"):
                break
            if tok.kind == "op":
                if tok.value in _SH_SEPARATORS:
                    self.i += 1
                    break
                if tok.value == "&":
                    background, end = True, tok.end
                    self.i += 1
                    break
                if tok.value in ("&&", "||", "|", "|&"):
                    self.i += 1
                    while (nl := self._peek()) is not None and nl.value == "\n":
                        self.i += 1  # a newline after an operator continues the list
                    continue
            before = self.i
            command = self._command(closer, depth)
            if command is not None:
                commands.append(command)
                end = max(end, command.end)
            if self.i == before:
                self.i += 1
        return _ShAndOr(start, end, commands, background) if commands else None

    def _command(self, closer: str | None, depth: int) -> _ShCommand | None:
        # Reserved words only introduce what follows (`then { ...; }`, `function f { ...; }`):
        # skip them so a `{`/`(` after them still opens a compound command.
        while (tok := self._peek()) is not None and tok.kind == "word" and (
                tok.value in _SH_PREFIX_WORDS or tok.value == "function"):
            self.i += 2 if tok.value == "function" else 1
            if tok.value == "function":
                self._function_def_parens()
        tok = self._peek()
        if tok is None:
            return None
        if tok.kind == "op" and tok.value == "(" and depth < _MAX_DEPTH:
            self.i += 1
            body = self.parse_list(")", depth + 1)
            return _ShCommand(tok.start, self._last_end(), body=body)
        if tok.kind == "word" and tok.value == "{" and depth < _MAX_DEPTH:
            self.i += 1
            body = self.parse_list("}", depth + 1)
            return _ShCommand(tok.start, self._last_end(), body=body)
        words: list[_ShTok] = []
        while (tok := self._peek()) is not None:
            if tok.kind == "op":
                if tok.value in _SH_REDIRS:
                    self.i += 1
                    nxt = self._peek()
                    if nxt is not None and nxt.kind == "word":
                        self.i += 1
                    continue
                if tok.value == "(" and len(words) == 1 and self._function_def():
                    return None  # `name() { ...; }`: the body is read as a group next
                break
            if not words and self._closes(tok, closer):
                break
            words.append(tok)
            self.i += 1
        if not words:
            return None
        return _ShCommand(words[0].start, words[-1].end, words=words)

    def _function_def_parens(self) -> None:
        """Skip the optional ``()`` after ``function NAME``."""
        nxt = self._peek()
        if nxt is not None and nxt.kind == "op" and nxt.value == "(":
            self._function_def()

    def _function_def(self) -> bool:
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        if nxt is not None and nxt.kind == "op" and nxt.value == ")":
            self.i += 2
            return True
        return False

    def _last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else 0


# Reserved words that only introduce the command after them (the condition/body is read as
# ordinary commands); those that end a construct are skipped.
_SH_PREFIX_WORDS = frozenset({"if", "then", "elif", "else", "while", "until", "do", "!", "time"})
_SH_END_WORDS = frozenset({"fi", "done", "esac", "}", "in", ";;"})


def _sh_run(text: str, scope: _Scope, depth: int) -> None:
    """Interpret sh ``text`` in ``scope``: effects are appended to ``scope.effects``."""
    if depth > _MAX_DEPTH:
        return
    items = _ShParser(_sh_tokens(text, depth)).parse_list(None, depth)
    _sh_list(items, text, scope, depth)


def _sh_list(items: list[_ShAndOr], text: str, scope: _Scope, depth: int) -> None:
    for item in items:
        source = text[item.start : item.end]
        if item.background:
            # `... &`: runs on beside the script, which does not wait for it.
            run_in = scope.fork() if scope.detached else scope.detach(source)
        else:
            run_in = scope
        for command in item.commands:
            if command.body is not None:
                _sh_list(command.body, text, run_in, depth + 1)
            else:
                _sh_simple(command, text, source, run_in, depth)


def _sh_simple(command: _ShCommand, text: str, context: str, scope: _Scope, depth: int) -> None:
    """A simple command: its substitutions run first, then the command itself."""
    for tok in command.words:
        for sub in tok.subs:
            _sh_run(sub, scope, depth + 1)
    values = [tok.value for tok in command.words]
    # Reserved words: `then systemctl restart x` is `systemctl restart x`.
    while values and values[0] in _SH_PREFIX_WORDS:
        values.pop(0)
    if not values or values[0] in _SH_END_WORDS or values[0] in ("for", "case", "select"):
        return
    if all(_SH_ASSIGN.match(v) for v in values):  # NAME=value ...: remember literal values
        for v in values:
            name, _, value = v.partition("=")
            expanded = _expand(value, scope.variables)
            if expanded is not None:
                scope.variables[name.casefold()] = (expanded,)
            else:
                scope.variables.pop(name.casefold(), None)
        return
    words = [w for w in (_expand(v, scope.variables) for v in values) if w is not None]
    source = text[command.start : command.end]
    _sh_command(words, scope, source, context, depth)


def _skip_options(words: Sequence[str], i: int, value_opts: frozenset[str]) -> int:
    """Index of the first non-option word from ``i`` (``--`` ends options)."""
    while i < len(words) and words[i].startswith("-") and words[i] != "-":
        if words[i] == "--":
            return i + 1
        i += 2 if words[i] in value_opts else 1
    return i


def _sh_command(
    words: Sequence[str], scope: _Scope, source: str, context: str, depth: int
) -> None:
    """Interpret one command given as expanded words (also used for native commands run
    from PowerShell). ``context`` is the whole and-or list, for pipeline-wide checks."""
    i = 0
    detach_delay: float | None = None
    while i < len(words):  # strip wrappers: sudo, nohup, env, setsid, systemd-run ...
        base = _basename(words[i])
        if _SH_ASSIGN.match(words[i]):
            i += 1
        elif base in ("sudo", "doas"):
            i = _skip_options(words, i + 1, _SUDO_VALUE_OPTS)
        elif base in ("nohup", "exec", "command", "builtin", "time", "stdbuf", "nice",
                      "ionice", "env"):
            i = _skip_options(words, i + 1, frozenset({"-n", "-c", "-p", "-u", "--adjustment"}))
            while i < len(words) and _SH_ASSIGN.match(words[i]):
                i += 1  # env's NAME=value
        elif base == "timeout":
            i = _skip_options(words, i + 1, frozenset({"-s", "-k", "--signal", "--kill-after"}))
            i += 1  # the duration
        elif base == "setsid":  # a new session: survives the script and Tentacle's kill
            detach_delay = detach_delay or 0.0
            i = _skip_options(words, i + 1, frozenset())
        elif base == "systemd-run":  # a transient unit, outside Tentacle's cgroup
            i, delay = _systemd_run(words, i + 1)
            detach_delay = (detach_delay or 0.0) + delay
        else:
            break
    rest = list(words[i:])
    if not rest:
        return
    if detach_delay is not None:
        scope = scope.fork() if scope.detached else scope.detach(context)
        scope.delay += detach_delay
    _sh_dispatch(rest, scope, source, context, depth)


def _sh_dispatch(
    words: list[str], scope: _Scope, source: str, context: str, depth: int
) -> None:
    base, args = _basename(words[0]), words[1:]
    if base == "sleep":
        scope.delay += sum(_duration(a) for a in args)
    elif base == "systemctl":
        _systemctl(args, scope, source)
    elif base == "service" and len(args) >= 2:  # SysV-style wrapper: service NAME VERB
        target = _unit_target(args[0])
        if args[1] in _SH_RESTART_VERBS:
            scope.restart([target], source)
        elif args[1] == "stop":
            scope.stop([target])
        elif args[1] == "start":
            scope.start([target], source)
    elif base == "tentacle":
        _tentacle_cli(args, scope, source)
    elif base in _SH_SHELLS or base == "su":
        script = _dash_c(args)
        if script is not None:
            _sh_run(script, scope, depth + 1)
    elif base == "eval":
        _sh_run(" ".join(args), scope, depth + 1)
    elif (base == "ps" and any(re.search(r"lstart|etimes?\b|start_time", a) for a in args)
          and re.search(r"entacle", context + " ".join(args), re.IGNORECASE)):
        # ps shows the Tentacle's start time if the pipeline selects the Tentacle process.
        scope.probe("bash", context)


def _dash_c(args: Sequence[str]) -> str | None:
    """The command string of ``sh [opts] -c STRING`` / ``su [user] -c STRING``, if any."""
    for k, arg in enumerate(args):
        if arg in ("-c", "--command") or re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", arg):
            return args[k + 1] if k + 1 < len(args) else None
        if arg.startswith("--command="):
            return arg.partition("=")[2]
    return None


def _systemctl(args: Sequence[str], scope: _Scope, source: str) -> None:
    verb: str | None = None
    names: list[str] = []
    properties: list[str] = []
    remote = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and arg != "-":
            opt, eq, value = arg.partition("=")
            if opt in _SYSTEMCTL_VALUE_OPTS and not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            if opt in ("-p", "--property", "-P"):
                properties.extend(value.split(","))
            if opt in ("-H", "--host", "-M", "--machine", "--user"):
                remote = True  # another machine or a user manager: not this Tentacle
        elif verb is None:
            verb = arg
        else:
            names.append(arg)
        i += 1
    if verb is None or remote:
        return
    targets = [_unit_target(n) for n in names]
    if verb in _SH_RESTART_VERBS:
        scope.restart(targets, source)
    elif verb == "stop":
        scope.stop(targets)
    elif verb == "start":
        scope.start(targets, source)
    elif verb == "show" and names and {p.strip().casefold() for p in properties} & (
            _PROBE_PROPERTIES):
        scope.probe("bash", source)


def _systemd_run(words: Sequence[str], i: int) -> tuple[int, float]:
    """Skip systemd-run's options; return (index of the command, its ``--on-active`` delay)."""
    delay = 0.0
    while i < len(words) and words[i].startswith("-"):
        opt, eq, value = words[i].partition("=")
        if opt == "--":
            return i + 1, delay
        if opt in _SYSTEMD_RUN_VALUE_OPTS and not eq:
            i += 1
            value = words[i] if i < len(words) else ""
        if opt == "--on-active":
            delay += _systemd_span(value)
        i += 1
    return i, delay


def _systemd_span(text: str) -> float:
    """Seconds in a systemd time span ("3", "3s", "500ms", "1min 30s"); 0 if unreadable."""
    total = 0.0
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text.strip().casefold())
    if not parts or re.sub(r"[\d.\sa-z]", "", text.casefold()):
        return 0.0
    for number, unit in parts:
        if unit not in _SPAN_UNITS:
            return 0.0
        total += float(number) * _SPAN_UNITS[unit]
    return total


def _duration(text: str) -> float:
    """Seconds of one GNU ``sleep`` argument ("3", "0.5", "5s", "2m"); 0 if unreadable."""
    m = re.fullmatch(r"(\d*\.?\d+)([smhd]?)", text.strip())
    if not m:
        return 0.0
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


# ==== PowerShell ==============================================================================

# PowerShell accepts typographic quotes and dashes wherever it accepts ASCII ones.
_PS_SQ = "'\u2018\u2019\u201a\u201b"
_PS_DQ = '"\u201c\u201d\u201e'
_PS_DASH = "-\u2013\u2014\u2015"
_PS_WORD_STOP = frozenset(";|,(){}&>" + _PS_SQ + _PS_DQ)
_PS_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "e": "\x1b",
           "f": "\f", "v": "\v"}
_PS_REDIRECT = re.compile(r"[1-6*]?>>?(?:&[12])?")
_PS_THREAD_SLEEP = re.compile(r"\[(?:system\.)?threading\.thread\]::sleep", re.IGNORECASE)
_PS_START_MEMBER = re.compile(r"starttime|creationdate", re.IGNORECASE)
_PS_WHERE = re.compile(
    r"(?:\$_|\$psitem)?\.?\b(?:name|servicename|displayname)\s+-[ic]?(like|eq)\s+"
    r"(?:(['\"])(.*?)\2|([^\s'\"})]+))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _PsTok:
    """A PowerShell token. ``str``: a string's value (``expandable`` if double-quoted);
    ``block``/``group``/``hash``: the inner text of ``{}``, ``()``/``$()``/``@()``, ``@{}``;
    ``op``: ``;`` newline ``|`` ``,`` ``&`` ``&&`` ``||`` ``=`` or a redirection."""

    kind: Literal["op", "word", "str", "block", "group", "hash"]
    value: str
    start: int
    end: int
    subs: tuple[str, ...] = ()  # $( ... ) sub-expressions that run
    expandable: bool = False


@dataclass(frozen=True)
class _Flow:
    """What a pipeline element outputs: service names/patterns or strings (``names``), and
    whether it is the Tentacle process (``"tentacle"``) or any process (``"any"``)."""

    names: tuple[str, ...] = ()
    process: Literal["", "any", "tentacle"] = ""


def _ps_skip_sq(text: str, i: int) -> tuple[str, int]:
    """Read the single-quoted string at ``text[i]``: (value, index after it)."""
    n, j = len(text), i + 1
    out: list[str] = []
    while j < n:
        if text[j] in _PS_SQ:
            if j + 1 < n and text[j + 1] in _PS_SQ:  # '' is one literal quote
                out.append("'")
                j += 2
                continue
            return "".join(out).replace("$", _LIT), j + 1
        out.append(text[j])
        j += 1
    return "".join(out).replace("$", _LIT), n


def _ps_dq(text: str, i: int, depth: int) -> tuple[str, int, list[str]]:
    """Read the double-quoted string at ``text[i]``: (value, index after it, sub-expressions).

    Backtick escapes are undone (an escaped ``$`` becomes :data:`_LIT`), ``""`` is one quote;
    ``$( ... )`` stays in the value as written and is returned to be run.
    """
    n, j = len(text), i + 1
    out: list[str] = []
    subs: list[str] = []
    while j < n:
        c = text[j]
        if c == "`" and j + 1 < n:
            nxt = text[j + 1]
            out.append(_LIT if nxt == "$" else _PS_ESC.get(nxt, nxt))
            j += 2
        elif c in _PS_DQ:
            if j + 1 < n and text[j + 1] in _PS_DQ:
                out.append('"')
                j += 2
            else:
                return "".join(out), j + 1, subs
        elif c == "$" and text.startswith("(", j + 1) and depth < _MAX_DEPTH:
            k = _ps_close(text, j + 1, depth + 1)
            subs.append(text[j + 2 : k])
            out.append(text[j : k + 1])
            j = k + 1
        else:
            out.append(c)
            j += 1
    return "".join(out), n, subs


def _ps_close(text: str, i: int, depth: int) -> int:
    """Index of the bracket closing ``text[i]`` (``(`` or ``{``), skipping strings and
    comments; ``len(text)`` when unclosed."""
    opener = text[i]
    closer = ")" if opener == "(" else "}"
    n, level, j = len(text), 0, i
    while j < n:
        c = text[j]
        if c == "`":
            j += 2
        elif c in _PS_SQ:
            j = _ps_skip_sq(text, j)[1]
        elif c in _PS_DQ:
            j = _ps_dq(text, j, depth + 1)[1] if depth < _MAX_DEPTH else j + 1
        elif text.startswith("<#", j):
            k = text.find("#>", j + 2)
            j = n if k < 0 else k + 2
        elif c == "#" and (j == 0 or text[j - 1].isspace() or text[j - 1] in ";{(|"):
            k = text.find("\n", j)
            j = n if k < 0 else k
        else:
            if c == opener:
                level += 1
            elif c == closer:
                level -= 1
                if level == 0:
                    return j
            j += 1
    return n


def _ps_here_string(text: str, i: int) -> tuple[_PsTok, int] | None:
    """A here-string ``@'`` / ``@"`` + newline ... newline + ``'@`` / ``"@``, if at ``i``."""
    m = re.compile(r"@(['\"])[ \t]*\r?\n").match(text, i)
    if not m:
        return None
    quote = m.group(1)
    end = re.compile(r"\r?\n" + quote + "@").search(text, m.end())
    stop, after = (end.start(), end.end()) if end else (len(text), len(text))
    body = text[m.end() : stop]
    if quote == "'":
        return _PsTok("str", body.replace("$", _LIT), i, after), after
    subs = [body[s.end() : _ps_close(body, s.end() - 1, 1)] for s in re.finditer(r"\$\(", body)]
    return _PsTok("str", body, i, after, tuple(subs), expandable=True), after


def _ps_word(text: str, i: int, depth: int) -> tuple[_PsTok, int]:
    """A bare word (an argument or command name) from ``text[i]``."""
    n, j = len(text), i
    out: list[str] = []
    subs: list[str] = []
    while j < n:
        c = text[j]
        if c.isspace() or c in _PS_WORD_STOP:
            break
        if c == "`" and j + 1 < n:
            if text[j + 1] in "\r\n":
                break  # line continuation ends the word
            out.append(_LIT if text[j + 1] == "$" else text[j + 1])
            j += 2
        elif c == "$" and text.startswith("(", j + 1) and depth < _MAX_DEPTH:
            k = _ps_close(text, j + 1, depth + 1)
            subs.append(text[j + 2 : k])
            out.append(text[j : k + 1])
            j = k + 1
        elif c == "=" and j > i and re.fullmatch(r"(\[[^\]]*\])*\$[\w:]+", text[i:j]):
            break  # `$x=` is an assignment
        else:
            out.append(c)
            j += 1
    if j == i:  # defensive: a character no rule consumes
        return _PsTok("word", text[i], i, i + 1), i + 1
    return _PsTok("word", "".join(out), i, j, tuple(subs)), j


def _ps_tokens(text: str, depth: int) -> list[_PsTok]:
    """Tokenize PowerShell; comments and line continuations dropped."""
    toks: list[_PsTok] = []
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c in "\r\n":
            toks.append(_PsTok("op", "\n", i, i + 1))
            i += 1
        elif c.isspace():
            i += 1
        elif c == "`" and i + 1 < n and text[i + 1] in "\r\n":
            i += 3 if text.startswith("\r\n", i + 1) else 2
        elif text.startswith("<#", i):
            k = text.find("#>", i + 2)
            i = n if k < 0 else k + 2
        elif c == "#":
            k = text.find("\n", i)
            i = n if k < 0 else k
        elif text.startswith(("&&", "||"), i):
            toks.append(_PsTok("op", text[i : i + 2], i, i + 2))
            i += 2
        elif c in ";|,&=":
            toks.append(_PsTok("op", c, i, i + 1))
            i += 1
        elif (m := _PS_REDIRECT.match(text, i)) and (c == ">" or text[i + 1 : i + 2] == ">"):
            toks.append(_PsTok("op", m.group(), i, m.end()))
            i = m.end()
        elif c == "@" and (here := _ps_here_string(text, i)):
            tok, i = here
            toks.append(tok)
        elif c in "{(" or (c in "$@" and text.startswith(("(", "{"), i + 1)):
            open_at = i if c in "{(" else i + 1
            k = _ps_close(text, open_at, depth)
            kind: Literal["block", "group", "hash"] = (
                "hash" if c == "@" and text[open_at] == "{"
                else "block" if text[open_at] == "{"
                else "group"
            )
            toks.append(_PsTok(kind, text[open_at + 1 : k], i, min(k + 1, n)))
            i = k + 1
        elif c in ")}":
            i += 1  # stray closer: ignore
        elif c in _PS_SQ:
            value, end = _ps_skip_sq(text, i)
            toks.append(_PsTok("str", value, i, end))
            i = end
        elif c in _PS_DQ:
            value, end, subs = _ps_dq(text, i, depth)
            toks.append(_PsTok("str", value, i, end, tuple(subs), expandable=True))
            i = end
        else:
            tok, i = _ps_word(text, i, depth)
            toks.append(tok)
    return toks


def _ps_statements(toks: list[_PsTok]) -> Iterator[list[_PsTok]]:
    """Split at ``;`` and newlines; a newline after ``|`` ``,`` ``=`` ``&&`` ``||``
    continues the statement."""
    current: list[_PsTok] = []
    for tok in toks:
        if tok.kind == "op" and tok.value in (";", "\n"):
            if (tok.value == "\n" and current and current[-1].kind == "op"
                    and current[-1].value in ("|", ",", "=", "&&", "||")):
                continue
            if current:
                yield current
            current = []
        else:
            current.append(tok)
    if current:
        yield current


def _ps_split(toks: list[_PsTok], ops: tuple[str, ...]) -> list[list[_PsTok]]:
    parts: list[list[_PsTok]] = [[]]
    for tok in toks:
        if tok.kind == "op" and tok.value in ops:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def _ps_run(text: str, scope: _Scope, depth: int) -> _Flow:
    """Interpret PowerShell ``text`` in ``scope``; return the last statement's output."""
    if depth > _MAX_DEPTH:
        return _Flow()
    flow = _Flow()
    for statement in _ps_statements(_ps_tokens(text, depth)):
        flow = _ps_statement(statement, text, scope, depth)
    return flow


def _ps_statement(toks: list[_PsTok], text: str, scope: _Scope, depth: int) -> _Flow:
    source = text[toks[0].start : toks[-1].end]
    first = toks[0]
    if (len(toks) >= 2 and first.kind == "word" and toks[1].kind == "op" and toks[1].value == "="
            and (m := re.fullmatch(r"(?:\[[^\]]*\])*\$([\w:]+)", first.value))):
        # `$x = ...`: remember literal names and Tentacle processes, for later use of $x.
        name = m.group(1).casefold()
        flow = _ps_chain(toks[2:], text, source, scope, depth)
        scope.variables.pop(name, None)
        scope.process_vars.discard(name)
        if flow.names:
            scope.variables[name] = flow.names
        if flow.process == "tentacle":
            scope.process_vars.add(name)
        return _Flow()
    return _ps_chain(toks, text, source, scope, depth)


def _ps_chain(toks: list[_PsTok], text: str, source: str, scope: _Scope, depth: int) -> _Flow:
    """Pipelines joined by ``&&``/``||``; a trailing ``&`` (PowerShell 7) backgrounds one."""
    flow = _Flow()
    for pipeline in _ps_split(toks, ("&&", "||")):
        run_in = scope
        if len(pipeline) > 1 and pipeline[-1].kind == "op" and pipeline[-1].value == "&":
            pipeline = pipeline[:-1]
            run_in = scope.fork() if scope.detached else scope.detach(source)
        flow = _Flow()
        for element in _ps_split(pipeline, ("|",)):
            flow = _ps_element(element, flow, text, source, run_in, depth)
    return flow


def _ps_element(
    toks: list[_PsTok], flow: _Flow, text: str, source: str, scope: _Scope, depth: int
) -> _Flow:
    """One pipeline element: a command (possibly via ``&``/``.``) or an expression."""
    kept: list[_PsTok] = []
    skip_next = False
    for tok in toks:  # drop redirections and their targets
        if skip_next:
            skip_next = False
        elif tok.kind == "op" and ">" in tok.value:
            skip_next = "&" not in tok.value
        else:
            kept.append(tok)
    if not kept:
        return _Flow()
    first = kept[0]
    if (first.kind == "op" and first.value == "&") or (first.kind == "word" and first.value == "."):
        if len(kept) < 2:
            return _Flow()
        target = kept[1]
        if target.kind == "block":
            return _ps_run(target.value, scope, depth + 1)
        if target.kind in ("str", "word"):
            call = _PsCall(_restore(target.value), kept[2:], flow, text, source, scope, depth)
            return call.dispatch()
        return _Flow()
    if first.kind == "word" and re.match(r"[A-Za-z_%?\\/]|\.[\\/]", first.value):
        return _PsCall(first.value, kept[1:], flow, text, source, scope, depth).dispatch()
    return _PsCall("", kept, flow, text, source, scope, depth).expression()


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
# Native commands a PowerShell script on Linux may run: read as sh commands.
_PS_NATIVE = frozenset({"systemctl", "service", "sudo", "doas", "nohup", "setsid",
                        "systemd-run"}) | _SH_SHELLS
_PS_PASS_THROUGH = frozenset({"select-object", "select", "sort-object", "sort", "format-list",
                              "fl", "format-table", "ft", "format-wide", "fw", "out-string",
                              "write-output", "echo", "write", "tee-object", "tee"})


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


@dataclass
class _PsCall:
    """One command invocation (or expression) in a pipeline, with its pipeline input."""

    name: str
    args: list[_PsTok]
    flow: _Flow
    text: str
    source: str
    scope: _Scope
    depth: int

    # -- argument values --------------------------------------------------------------------
    def values(self, toks: Iterable[_PsTok]) -> list[str]:
        """Literal values of argument tokens: strings, bare words, resolved variables, the
        names a ``( ... )``/``@( ... )`` outputs. What cannot be known is left out."""
        out: list[str] = []
        for tok in toks:
            if tok.kind == "str":
                value = _expand(tok.value, self.scope.variables) if tok.expandable else (
                    _restore(tok.value))
                if value is not None:
                    out.append(value)
            elif tok.kind == "word":
                out.extend(self._word_values(tok))
            elif tok.kind == "group":
                out.extend(_ps_run(tok.value, self.scope, self.depth + 1).names)
        return out

    def _word_values(self, tok: _PsTok) -> list[str]:
        m = re.fullmatch(r"\$(?:using:)?(\w+)(?:\.(?:name|servicename|displayname))?",
                         tok.value, re.IGNORECASE)
        if m:
            return list(self.scope.variables.get(m.group(1).casefold(), ()))
        if tok.subs:
            return []  # computed at run time
        value = _expand(tok.value, self.scope.variables)
        return [] if value is None else [value]

    def text_of(self, toks: Sequence[_PsTok]) -> str:
        return self.text[toks[0].start : toks[-1].end] if toks else ""

    def bound_values(self, bound: _Bound, *names: str) -> list[str]:
        return [v for name in names for v in self.values(bound.params.get(name, []))]

    # -- dispatch ---------------------------------------------------------------------------
    def dispatch(self) -> _Flow:
        base = _basename(self.name)
        handler = _PS_COMMANDS.get(base)
        if handler is not None:
            return handler(self)
        if base == "foreach":  # the loop keyword, or ForEach-Object's alias in a pipeline
            if self.args and self.args[0].kind == "group":
                return self.foreach_loop()
            return self.foreach_object()
        if base == "tentacle":
            _tentacle_cli(self.values(self.args), self.scope, self.source)
            return _Flow()
        if base in _PS_NATIVE:
            words = [self.name, *self.values(self.args)]
            _sh_command(words, self.scope, self.source, self.source, self.depth + 1)
            return _Flow()
        return self.generic(base)

    def generic(self, base: str) -> _Flow:
        """Any other command: its ``( )``, ``{ }`` and ``$( )`` parts run where written (so
        ``if``/``try``/``foreach`` bodies count); a Tentacle process reaching it, or a
        ``(Get-Process Tentacle).StartTime`` among its arguments, is a probe."""
        self.run_parts(self.args)
        if self.flow.process == "tentacle" and _PS_START_MEMBER.search(self.text_of(self.args)):
            self.scope.probe("powershell", self.source)
        if base in _PS_PASS_THROUGH:
            return self.flow
        return _Flow()

    def run_parts(self, toks: list[_PsTok]) -> list[str]:
        """Run the executable parts of ``toks``; return the names groups output."""
        names: list[str] = []
        for k, tok in enumerate(toks):
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            member = nxt.value if nxt is not None and nxt.kind == "word" else ""
            if tok.kind == "group":
                flow = _ps_run(tok.value, self.scope, self.depth + 1)
                names.extend(flow.names)
                if flow.process == "tentacle" and member.startswith(".") and (
                        _PS_START_MEMBER.search(member)):
                    self.scope.probe("powershell", self.source)
            elif tok.kind == "block":
                _ps_run(tok.value, self.scope, self.depth + 1)
            elif (tok.kind == "word"
                  and (m := re.match(r"\$(\w+)\.(starttime)", tok.value, re.I))
                  and m.group(1).casefold() in self.scope.process_vars):
                self.scope.probe("powershell", self.source)
            for sub in tok.subs:
                _ps_run(sub, self.scope, self.depth + 1)
        return names

    def expression(self) -> _Flow:
        """A statement that is a value: ``'A','B'``, ``$names``, ``(Get-Service X)``,
        ``(Get-Process Tentacle).StartTime``, ``[Threading.Thread]::Sleep(3000)``."""
        toks = self.args
        first = toks[0]
        if first.kind == "word" and _PS_THREAD_SLEEP.fullmatch(first.value) and len(toks) > 1:
            ms = _number(" ".join(self.values(toks[1:2])))
            self.scope.delay += (ms or 0.0) / 1000
            return _Flow()
        process: Literal["", "any", "tentacle"] = ""
        if (first.kind == "word" and (m := re.fullmatch(r"\$(?:using:)?(\w+)", first.value))
                and m.group(1).casefold() in self.scope.process_vars):
            process = "tentacle"
        if first.kind == "group" and len(toks) == 1:
            return _ps_run(first.value, self.scope, self.depth + 1)
        names = [*self.values(t for t in toks if t.kind in ("str", "word")),
                 *self.run_parts(toks)]
        return _Flow(tuple(names), process)

    # -- services ---------------------------------------------------------------------------
    def service_names(self) -> tuple[_Bound, list[str]] | None:
        bound = _ps_bind(self.args, _SERVICE_SPEC)
        if bound.error or bound.has("whatif") or bound.has("computername"):
            return None  # nothing happens here
        names = self.bound_values(bound, "name", "displayname", "inputobject")
        return bound, names or list(self.flow.names)

    def restart_service(self) -> _Flow:
        got = self.service_names()
        if got is None:
            return _Flow()
        bound, names = got
        self.scope.restart((_win_target(n) for n in names), self.source)
        return _Flow(tuple(names)) if bound.has("passthru") else _Flow()

    def stop_service(self) -> _Flow:
        got = self.service_names()
        if got is None:
            return _Flow()
        bound, names = got
        self.scope.stop(_win_target(n) for n in names)
        return _Flow(tuple(names)) if bound.has("passthru") else _Flow()

    def start_service(self) -> _Flow:
        got = self.service_names()
        if got is None:
            return _Flow()
        bound, names = got
        self.scope.start((_win_target(n) for n in names), self.source)
        return _Flow(tuple(names)) if bound.has("passthru") else _Flow()

    def get_service(self) -> _Flow:
        got = self.service_names()
        if got is None:
            return _Flow()
        return _Flow(tuple(got[1]) or ("*",))  # no name: every service

    def where_object(self) -> _Flow:
        """Narrow a pipeline by ``Name -like/-eq X``; a process filter naming Tentacle."""
        text = self.text_of(self.args)
        if self.flow.process == "any" and re.search("tentacle", text, re.IGNORECASE):
            return _Flow(process="tentacle")
        patterns: list[str] = []
        for m in _PS_WHERE.finditer(text):
            value = m.group(3) if m.group(2) else m.group(4)
            if m.group(1).casefold() == "eq":
                value = re.sub(r"([*?\[\]`])", r"`\1", value)
            patterns.append(value)
        if self.flow.names and patterns:
            return _Flow(tuple(patterns), self.flow.process)
        return self.flow

    def foreach_object(self) -> _Flow:
        """``ForEach-Object { ... $_ ... }``: blocks run with ``$_`` bound to the input."""
        saved = {k: self.scope.variables.get(k) for k in ("_", "psitem")}
        for key in saved:
            self.scope.variables[key] = self.flow.names
        try:
            self.run_parts(self.args)
        finally:
            for key, value in saved.items():
                if value is None:
                    self.scope.variables.pop(key, None)
                else:
                    self.scope.variables[key] = value
        if self.flow.process == "tentacle" and _PS_START_MEMBER.search(self.text_of(self.args)):
            self.scope.probe("powershell", self.source)
        return _Flow()

    def foreach_loop(self) -> _Flow:
        """``foreach ($x in <collection>) { ... }`` with ``$x`` bound to the collection."""
        m = re.fullmatch(r"\s*\$(\w+)\s+in\s+(.*)", self.args[0].value, re.DOTALL | re.I)
        if not m:
            return self.generic("foreach")
        var = m.group(1).casefold()
        items = _ps_run(m.group(2), self.scope, self.depth + 1).names
        saved = self.scope.variables.get(var)
        self.scope.variables[var] = items
        self.run_parts(self.args[1:])
        if saved is None:
            self.scope.variables.pop(var, None)
        else:
            self.scope.variables[var] = saved
        return _Flow()

    # -- processes and sleeping -------------------------------------------------------------
    def get_process(self) -> _Flow:
        bound = _ps_bind(self.args, _PROCESS_SPEC)
        if bound.has("computername") or bound.has("id") or bound.has("inputobject"):
            return _Flow()
        names = self.bound_values(bound, "name") or list(self.flow.names)
        if not names:
            return _Flow(process="any")
        return _Flow(process="tentacle" if any(_names_tentacle(n) for n in names) else "")

    def get_cim(self) -> _Flow:
        """``Get-CimInstance Win32_Process -Filter "Name='Tentacle.exe'"`` (CreationDate)."""
        text = self.text_of(self.args)
        if re.search(r"win32_process", text, re.I) and re.search(r"tentacle", text, re.I):
            return _Flow(process="tentacle")
        return _Flow()

    def start_sleep(self) -> _Flow:
        bound = _ps_bind(self.args, _SLEEP_SPEC)
        if bound.error:
            return _Flow()
        seconds = _number(" ".join(self.bound_values(bound, "seconds"))) or 0.0
        ms = _number(" ".join(self.bound_values(bound, "milliseconds"))) or 0.0
        span = " ".join(self.bound_values(bound, "duration"))
        self.scope.delay += seconds + ms / 1000 + _timespan(span)
        return _Flow()

    def timeout_exe(self) -> _Flow:
        """``timeout /t 3`` (cmd's sleep)."""
        values = self.values(self.args)
        for k, value in enumerate(values[:-1]):
            if value.casefold() in ("/t", "-t"):
                self.scope.delay += _number(values[k + 1]) or 0.0
        return _Flow()

    def ping_exe(self) -> _Flow:
        """``ping -n 4 127.0.0.1``: the old sleep idiom, N-1 seconds."""
        values = self.values(self.args)
        for k, value in enumerate(values[:-1]):
            if value.casefold() in ("-n", "/n"):
                self.scope.delay += max((_number(values[k + 1]) or 1.0) - 1, 0.0)
        return _Flow()

    # -- launching other code ---------------------------------------------------------------
    def start_process(self) -> _Flow:
        """``Start-Process powershell|pwsh|Tentacle ... -ArgumentList ...``: detached unless
        ``-Wait``; the argument list is joined and split as Windows would."""
        bound = _ps_bind(self.args, _START_PROCESS_SPEC)
        if bound.error or bound.has("whatif") or not bound.params.get("filepath"):
            return _Flow()
        # Only the file name matters: "$PSHOME\powershell.exe" is powershell whatever $PSHOME is.
        file = bound.params["filepath"][0]
        files = self.bound_values(bound, "filepath") or [_VAR_REF.sub("", file.value)]
        base = _basename(_restore(files[0]))
        argv = _win_split(" ".join(self.bound_values(bound, "argumentlist")))
        scope = (self.scope if bound.has("wait")
                 else self.scope.detach(self.source, keep_vars=False))
        if base in ("powershell", "pwsh"):
            script = _ps_exe_script(argv)
            if script is not None:
                _ps_run(script, scope, self.depth + 1)
        elif base == "tentacle":
            _tentacle_cli(argv, scope, self.source)
        elif base in _PS_NATIVE:
            _sh_command([base, *argv], scope, self.source, self.source, self.depth + 1)
        return _Flow()

    def start_job(self) -> _Flow:
        """``Start-Job { ... }`` / ``Start-ThreadJob``: the block runs detached."""
        bound = _ps_bind(self.args, _JOB_SPEC)
        blocks = [t for t in bound.params.get("scriptblock", []) if t.kind == "block"]
        scope = self.scope.detach(self.source)
        for block in blocks[:1]:
            _ps_run(block.value, scope, self.depth + 1)
        return _Flow()

    def invoke_command(self) -> _Flow:
        """``Invoke-Command { ... }`` runs here (``-AsJob``: detached); remote is ignored."""
        bound = _ps_bind(self.args, _INVOKE_SPEC)
        if _REMOTE_INVOKE & set(bound.params) or bound.has("whatif"):
            return _Flow()
        blocks = [t for t in bound.params.get("scriptblock", []) if t.kind == "block"]
        scope = self.scope.detach(self.source) if bound.has("asjob") else self.scope
        flow = _Flow()
        for block in blocks[:1]:
            flow = _ps_run(block.value, scope, self.depth + 1)
        return flow

    def invoke_expression(self) -> _Flow:
        bound = _ps_bind(self.args, _IEX_SPEC)
        flow = _Flow()
        for command in self.bound_values(bound, "command") or list(self.flow.names):
            flow = _ps_run(command, self.scope, self.depth + 1)
        return flow

    def powershell_exe(self) -> _Flow:
        """``powershell -Command { ... }`` / ``pwsh -c "..."`` / ``-EncodedCommand``: runs
        synchronously, a child of the script."""
        for k, tok in enumerate(self.args[:-1]):
            name = tok.value.lstrip(_PS_DASH).casefold()
            if (_ps_is_param(tok) and name and "command".startswith(name)
                    and self.args[k + 1].kind == "block"):
                return _ps_run(self.args[k + 1].value, self.scope, self.depth + 1)
        script = _ps_exe_script(self.values(self.args))
        return _ps_run(script, self.scope, self.depth + 1) if script else _Flow()


def _names_tentacle(pattern: str) -> bool:
    try:
        return compile_wildcard(pattern).fullmatch("Tentacle") is not None
    except ValueError:
        return False


def _timespan(text: str) -> float:
    """Seconds of a TimeSpan string ("00:00:03", "3", "0:0:1.5"); 0 if unreadable."""
    m = re.fullmatch(r"\s*(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?\s*", text)
    if m:
        days, hours, minutes, seconds = m.groups()
        return (int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60
                + float(seconds or 0))
    return 0.0


_PS_COMMANDS: dict[str, Callable[[_PsCall], _Flow]] = {
    "restart-service": _PsCall.restart_service,
    "stop-service": _PsCall.stop_service,
    "spsv": _PsCall.stop_service,
    "start-service": _PsCall.start_service,
    "sasv": _PsCall.start_service,
    "get-service": _PsCall.get_service,
    "gsv": _PsCall.get_service,
    "where-object": _PsCall.where_object,
    "where": _PsCall.where_object,
    "?": _PsCall.where_object,
    "foreach-object": _PsCall.foreach_object,
    "%": _PsCall.foreach_object,
    "get-process": _PsCall.get_process,
    "gps": _PsCall.get_process,
    "ps": _PsCall.get_process,
    "get-ciminstance": _PsCall.get_cim,
    "gcim": _PsCall.get_cim,
    "get-wmiobject": _PsCall.get_cim,
    "gwmi": _PsCall.get_cim,
    "start-sleep": _PsCall.start_sleep,
    "sleep": _PsCall.start_sleep,
    "timeout": _PsCall.timeout_exe,
    "ping": _PsCall.ping_exe,
    "start-process": _PsCall.start_process,
    "saps": _PsCall.start_process,
    "start": _PsCall.start_process,
    "start-job": _PsCall.start_job,
    "sajb": _PsCall.start_job,
    "start-threadjob": _PsCall.start_job,
    "invoke-command": _PsCall.invoke_command,
    "icm": _PsCall.invoke_command,
    "invoke-expression": _PsCall.invoke_expression,
    "iex": _PsCall.invoke_expression,
    "powershell": _PsCall.powershell_exe,
    "pwsh": _PsCall.powershell_exe,
}


# ==== handlers and the registry ===============================================================


def powershell_handler(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...] | None:
    """Built-in handler for PowerShell bodies: their effects, or None if none (or not PS)."""
    if syntax is not ScriptSyntax.PowerShell:
        return None
    scope = _Scope(effects=[])
    _ps_run(body, scope, 0)
    return tuple(scope.effects) or None


def bash_handler(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...] | None:
    """Built-in handler for Bash bodies: their effects, or None if none (or not Bash)."""
    if syntax is not ScriptSyntax.Bash:
        return None
    scope = _Scope(effects=[])
    _sh_run(body, scope, 0)
    return tuple(scope.effects) or None


#: The handlers a default :class:`ScriptInterpreter` starts with, in order.
BUILTIN_HANDLERS: tuple[ScriptHandler, ...] = (powershell_handler, bash_handler)


class ScriptInterpreter:
    """An ordered list of :data:`ScriptHandler`; the first non-``None`` result decides.

    ``ScriptInterpreter()`` starts with :data:`BUILTIN_HANDLERS`; pass ``handlers`` to start
    with others (``[]`` for none).
    """

    def __init__(self, handlers: Iterable[ScriptHandler] | None = None) -> None:
        self.handlers: list[ScriptHandler] = list(
            BUILTIN_HANDLERS if handlers is None else handlers
        )

    def register(self, handler: ScriptHandler, *, first: bool = False) -> ScriptHandler:
        """Add ``handler`` after the others (a fallback for what they do not recognise) or,
        with ``first=True``, before them (an override). Returns ``handler`` (a decorator)."""
        if first:
            self.handlers.insert(0, handler)
        else:
            self.handlers.append(handler)
        return handler

    def interpret(self, body: str, syntax: ScriptSyntax) -> tuple[object, ...]:
        """Return the effects of ``body`` in script order; ``()`` when no handler knows it.
        The built-in handlers return :data:`ScriptEffect` s; user handlers may add their own."""
        for handler in self.handlers:
            result = handler(body, syntax)
            if result is not None:
                return result
        return ()


#: The interpreter :func:`interpret` uses (register handlers on it to extend the default).
DEFAULT_INTERPRETER = ScriptInterpreter()


def interpret(body: str, syntax: ScriptSyntax) -> tuple[object, ...]:
    """Return the effects of ``body`` (in ``syntax``) in script order, with
    :data:`DEFAULT_INTERPRETER`; ``()`` for a plain script. The built-ins never raise."""
    return DEFAULT_INTERPRETER.interpret(body, syntax)
