"""PowerShell: a walk over statements, pipelines and commands that knows the cmdlets which
restart or probe the Tentacle and those which run other code.

Restarts and probes: ``Restart-Service``, ``Stop-Service`` then ``Start-Service``, ``Get-Service
| Where-Object | ...``, ``Get-Process`` / ``Get-CimInstance`` and ``.StartTime``; delays:
``Start-Sleep``, ``[Threading.Thread]::Sleep``, ``timeout``, ``ping``; other code:
``Start-Process powershell|pwsh|Tentacle``, ``Start-Job``, ``Invoke-Command``,
``Invoke-Expression``, ``powershell -Command``. A pipeline passes a :class:`_Flow` (service
names, or a Tentacle process) from element to element; native commands (``systemctl``,
``sudo`` ...) go to the sh interpreter. Tokens come from ``_ps_lex``, argument binding from
``_ps_args``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from octosim.model.scripts._common import (
    _MAX_DEPTH,
    _VAR_REF,
    _basename,
    _expand,
    _number,
    _restore,
    _Scope,
    _tentacle_cli,
    _win_target,
)
from octosim.model.scripts._ps_args import (
    _IEX_SPEC,
    _INVOKE_SPEC,
    _JOB_SPEC,
    _PROCESS_SPEC,
    _REMOTE_INVOKE,
    _SERVICE_SPEC,
    _SLEEP_SPEC,
    _START_PROCESS_SPEC,
    _Bound,
    _ps_bind,
    _ps_exe_script,
    _ps_is_param,
    _win_split,
)
from octosim.model.scripts._ps_lex import (
    _PS_DASH,
    _ps_split,
    _ps_statements,
    _ps_tokens,
    _PsTok,
)
from octosim.model.scripts._sh import _SH_SHELLS, _sh_command
from octosim.model.wildcard import compile_wildcard

_PS_THREAD_SLEEP = re.compile(r"\[(?:system\.)?threading\.thread\]::sleep", re.IGNORECASE)
_PS_START_MEMBER = re.compile(r"starttime|creationdate", re.IGNORECASE)
_PS_WHERE = re.compile(
    r"(?:\$_|\$psitem)?\.?\b(?:name|servicename|displayname)\s+-[ic]?(like|eq)\s+"
    r"(?:(['\"])(.*?)\2|([^\s'\"})]+))",
    re.IGNORECASE,
)

# Native commands a PowerShell script on Linux may run: read as sh commands.
_PS_NATIVE = frozenset({"systemctl", "service", "sudo", "doas", "nohup", "setsid",
                        "systemd-run"}) | _SH_SHELLS
_PS_PASS_THROUGH = frozenset({"select-object", "select", "sort-object", "sort", "format-list",
                              "fl", "format-table", "ft", "format-wide", "fw", "out-string",
                              "write-output", "echo", "write", "tee-object", "tee"})


@dataclass(frozen=True)
class _Flow:
    """What a pipeline element outputs: service names/patterns or strings (``names``), and
    whether it is the Tentacle process (``"tentacle"``) or any process (``"any"``)."""

    names: tuple[str, ...] = ()
    process: Literal["", "any", "tentacle"] = ""


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
            self.scope.delay += _within(ms, _INT32_MAX) / 1000
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
        seconds = _within(_number(" ".join(self.bound_values(bound, "seconds"))),
                          _INT32_MAX // 1000)
        ms = _within(_number(" ".join(self.bound_values(bound, "milliseconds"))), _INT32_MAX)
        span = " ".join(self.bound_values(bound, "duration"))
        self.scope.delay += seconds + ms / 1000 + _timespan(span)
        return _Flow()

    def timeout_exe(self) -> _Flow:
        """``timeout /t 3`` (cmd's sleep)."""
        values = self.values(self.args)
        for k, value in enumerate(values[:-1]):
            if value.casefold() in ("/t", "-t"):
                self.scope.delay += _within(_number(values[k + 1]), 99_999)
        return _Flow()

    def ping_exe(self) -> _Flow:
        """``ping -n 4 127.0.0.1``: the old sleep idiom, N-1 seconds."""
        values = self.values(self.args)
        for k, value in enumerate(values[:-1]):
            if value.casefold() in ("-n", "/n"):
                self.scope.delay += max(_within(_number(values[k + 1]), 2**32 - 1, 1.0) - 1,
                                        0.0)
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


#: The largest Int32: Start-Sleep's and Thread.Sleep's bound, in milliseconds.
_INT32_MAX = 2**31 - 1


def _within(value: float | None, largest: float, default: float = 0.0) -> float:
    """A sleep's length, if the command takes it (at most ``largest``); a longer one is the
    command's error and no sleep at all (Start-Sleep's validation, ``timeout``'s "valid
    range is -1 to 99999", ``ping``'s "bad value"), as is one that cannot be read."""
    return default if value is None or value > largest else value


def _timespan(text: str) -> float:
    """Seconds of a TimeSpan string ("00:00:03", "1.00:00:00", "0:0:1.5"); 0 if unreadable,
    as TimeSpan.Parse refuses it (hours past 23, minutes or seconds past 59, digits other
    than ASCII's) or as a sleep
    beyond an Int32 of milliseconds (24.8 days: the choice made for -Duration's bound)."""
    # re.ASCII: .NET reads ASCII digits only (int() and \d take any script's: '٤' was 4).
    m = re.fullmatch(r"\s*(?:(\d{1,8})\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d{1,7})?))?\s*",
                     text, re.ASCII)
    if m:
        days, hours, minutes, seconds = m.groups()
        if int(hours) > 23 or int(minutes) > 59 or float(seconds or 0) >= 60:
            return 0.0
        total = (int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60
                 + float(seconds or 0))
        return _within(total, _INT32_MAX / 1000)
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
