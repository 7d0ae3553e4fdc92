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

Strings are *data* unless a command runs them (``-Command``, ``-ArgumentList`` of a powershell
process, ``sh -c``, ``Invoke-Expression``, ``eval``), so ``Write-Host "will Restart-Service
later"`` or ``echo 'systemctl restart Tentacle'`` is nothing. Nested quoting is undone layer
by layer, as PowerShell, Windows' command-line parser and powershell.exe's
``-Command``/``-EncodedCommand`` would.

How: a small tokenizer per syntax, then a walk over commands that knows the handful of
commands above. Private modules, one job each: ``_effects`` (the public types above),
``_common`` (what both syntaxes share: the scope effects collect in, variables, targets),
``_sh`` (POSIX sh/Bash), ``_ps_lex`` (PowerShell's tokenizer), ``_ps_args`` (PowerShell's
parameter binding and command lines), ``_powershell`` (PowerShell's commands).

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
  ``-Duration`` from an expression and ``--on-calendar`` count as 0, as does a PowerShell
  sleep its command refuses (``Start-Sleep`` past 2,147,483 s, ``Thread.Sleep`` past an
  Int32 of ms, ``timeout /t`` past 99,999, a TimeSpan that does not parse: no sleep).
* Probes count only outside detached code (their output would not reach the task log).
  A probe is a Tentacle process value meeting ``StartTime`` in one statement, or a
  ``$p = Get-Process Tentacle`` variable used as ``$p.StartTime`` later.
* Not interpreted: ``cmd /c``, ``schtasks``, ``Register-ScheduledTask``, ``at``, scripts run
  from files (``-File``, ``sh ./x.sh``), here-document bodies, ``$(...)`` inside strings
  that are only data, aliases or functions the script defines itself.
* An invalid wildcard (``'Tentacle['``) names nothing, as PowerShell errors on it.
* CSharp and Python bodies are never interpreted (always ``()``).

**Running** a script is a second, separate reading: :func:`run_script` returns a generator
that does what the script does, statement by statement, on a :class:`ScriptHost` (its
output, its environment, the machine store), yielding the seconds it sleeps and returning
its :class:`ScriptResult` (``exit``, ``throw``, ``set -e``, ``Fail-Step``). ``_ps_exec``
(with ``_ps_parse``: the statements read from a script's text, ``_ps_expr``: expressions and
arguments read from theirs, ``_ps_refuse``: PowerShell's parse error, ``_ps_forget``: what a
statement not interpreted may have changed, ``_ps_bootstrap``: what Calamari's bootstrap
gives a script, its variables and edition, ``_ps_platform``: what it reads of, or sets in,
the .NET it runs on, ``_ps_hashtable``: its hashtable literals' entries, ``_ps_values``:
PowerShell's values, operators and comparisons, and ``_ps_strings``: its text operators and
string methods) and ``_sh_exec``
(with ``_sh_text``, ``_sh_arith``: its arithmetic, and ``_sh_variables``: the variables Bash
sets itself) say what each syntax interprets;
``_running`` holds what they share. The restart effects above stay the recogniser's: running
never restarts anything.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from octosim.model.scripts._common import _Scope
from octosim.model.scripts._effects import (
    DetachedRestart,
    ScriptEffect,
    ScriptHandler,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    TargetKind,
    WitnessProbe,
    parse_syntax,
)
from octosim.model.scripts._powershell import _ps_run
from octosim.model.scripts._ps_exec import run_powershell
from octosim.model.scripts._running import (
    OutputLevel,
    ScriptHost,
    ScriptProgram,
    ScriptResult,
)
from octosim.model.scripts._sh import _sh_run
from octosim.model.scripts._sh_exec import run_bash

__all__ = [
    "BUILTIN_HANDLERS",
    "DEFAULT_INTERPRETER",
    "SEED_SCRIPT_BODY",
    "TOO_DEEP",
    "DetachedRestart",
    "OutputLevel",
    "ScriptEffect",
    "ScriptHandler",
    "ScriptHost",
    "ScriptInterpreter",
    "ScriptProgram",
    "ScriptResult",
    "ScriptSyntax",
    "SelfRestart",
    "ServiceTarget",
    "TargetKind",
    "WitnessProbe",
    "bash_handler",
    "interpret",
    "parse_syntax",
    "powershell_handler",
    "run_script",
]

#: The ScriptBody the seed script (restart-tentacle.ps1) sends, byte for byte: its single-quoted
#: ``$script`` with ``''`` undone. After ``-Command`` the file has a space and then a no-break
#: space (U+00A0, pasted from the article); the escape keeps that visible. A body with two
#: plain spaces is recognised identically.
SEED_SCRIPT_BODY = (
    "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command \u00a0`\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | "
    "Restart-Service}`\"\""
)


# ==== handlers and the registry ===============================================================


# The built-in handlers are pure functions of (body, syntax) returning immutable effects, so
# their results are cached: clients send the same few scripts (a probe, a restart) over and
# over, and parsing PowerShell is the most expensive thing a simulated request does.
@functools.lru_cache(maxsize=512)
def powershell_handler(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...] | None:
    """Built-in handler for PowerShell bodies: their effects, or None if none (or not PS)."""
    if syntax is not ScriptSyntax.PowerShell:
        return None
    scope = _Scope(effects=[])
    _ps_run(body, scope, 0)
    return tuple(scope.effects) or None


@functools.lru_cache(maxsize=512)
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


#: The line a script nested too deeply for the interpreters fails with (exit code 1): it
#: fails loudly rather than run part of itself.
TOO_DEEP = ("The simulator cannot interpret this script: it is nested more deeply than its "
            "interpreter can follow. Nest fewer blocks or brackets.")


def run_script(body: str, syntax: ScriptSyntax, host: ScriptHost) -> ScriptProgram:
    """Run ``body`` on ``host``: a generator yielding the seconds the script sleeps (``inf``
    for ever) and returning its :class:`ScriptResult`. CSharp and Python bodies are not run
    (they succeed at once, printing nothing). A script nested more deeply than the
    interpreters can follow fails with :data:`TOO_DEEP`."""
    if syntax is ScriptSyntax.PowerShell:
        return _within_depth(run_powershell(body, host), host)
    if syntax is ScriptSyntax.Bash:
        return _within_depth(run_bash(body, host), host)
    return _nothing_run()


def _within_depth(program: ScriptProgram, host: ScriptHost) -> ScriptProgram:
    # The interpreters descend recursively; a body of a thousand nested blocks (anyone can
    # PUT one) would otherwise raise RecursionError out of the simulation's clock.
    try:
        return (yield from program)
    except RecursionError:
        host.write(TOO_DEEP, "error")
        return ScriptResult(1, TOO_DEEP)


def _nothing_run() -> ScriptProgram:
    return ScriptResult()
    yield 0.0  # makes this a generator; never reached
