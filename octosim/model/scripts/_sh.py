"""POSIX sh / Bash: a tokenizer, a forgiving parser and a walk over the commands that
restart or probe the Tentacle.

The tokenizer understands quoting (``'...'``, ``"..."``, ``$'...'``), escapes, comments,
``$(...)`` and backquote substitutions, and skips here-document bodies (data, not code). The
walk knows ``systemctl``, ``service``, ``Tentacle service``, ``sleep`` and ``ps``, strips
wrappers (``sudo``, ``nohup``, ``env``, ``timeout``; ``setsid`` and ``systemd-run`` detach)
and runs the strings ``sh -c`` and ``eval`` are given. PowerShell reads the native commands
of a Linux script through :func:`_sh_command`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from octosim.model.scripts._common import (
    _LIT,
    _MAX_DEPTH,
    _basename,
    _expand,
    _restore,
    _Scope,
    _tentacle_cli,
    _unit_target,
)
from octosim.model.scripts._running import ascii_digits
from octosim.model.scripts._sh_text import SH_NAME, heredoc_bodies_end

_SH_OPS = (
    ";;&", "&>>", "<<<", "<<-", "&&", "||", ";;", ";&", "|&", "&>", ">>", ">&", ">|", "<<",
    "<&", "<>", ";", "&", "|", "(", ")", ">", "<",
)
_SH_REDIRS = frozenset({"&>>", "&>", ">>", ">&", ">|", "<<<", "<<-", "<<", "<&", "<>", ">", "<"})
_SH_SEPARATORS = frozenset({";", "\n", ";;", ";&", ";;&"})
_SH_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a",
            "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}
#: A shell assignment, ``NAME=value`` (a Bash name: ``vā=1`` is a command to Bash).
_SH_ASSIGN = re.compile(f"{SH_NAME}=")
#: What ``env`` reads as an assignment before its command: any word holding ``=``.
_ENV_ASSIGN = re.compile(r"[^=]+=")
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
        elif (sub := _sh_substitution(text, j, depth, subs)) is not None:
            out.append(sub[0])
            j = sub[1]
        else:
            out.append(c)
            j += 1
    return "".join(out), n, subs


def _sh_substitution(text: str, i: int, depth: int, subs: list[str]) -> tuple[str, int] | None:
    """A ``$(...)``, ``$((...))`` or backquoted command at ``text[i]``: (its text as written,
    the index after it), its command added to ``subs`` (arithmetic runs none); else None."""
    if text.startswith("$(", i) and depth < _MAX_DEPTH:
        k = _sh_close(text, i + 1, depth + 1)
        if not text.startswith("((", i + 1):  # $(( )) is arithmetic, not a command
            subs.append(text[i + 2 : k])
        return text[i : k + 1], k + 1
    if text.startswith("`", i):
        k = text.find("`", i + 1)
        k = len(text) if k < 0 else k
        subs.append(text[i + 1 : k])
        return text[i : k + 1], k + 1
    return None


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
        elif (sub := _sh_substitution(text, i, depth, subs)) is not None:
            out.append(sub[0])
            i = sub[1]
        elif c == "$" and text.startswith("{", i + 1):
            k = text.find("}", i)
            k = n if k < 0 else k
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
            i = heredoc_bodies_end(text, i, heredocs)  # here-doc bodies: data, not code
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
            if ascii_digits(text[i:end]) and end < n and text[end] in "<>":
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
            assignment = _ENV_ASSIGN if base == "env" else _SH_ASSIGN
            while i < len(words) and assignment.match(words[i]):
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
    parts = re.findall(r"([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)", text.strip().casefold())
    if not parts or re.sub(r"[0-9.\sa-z]", "", text.casefold()):
        return 0.0
    for number, unit in parts:
        if unit not in _SPAN_UNITS:
            return 0.0
        total += float(number) * _SPAN_UNITS[unit]
    return total


def _duration(text: str) -> float:
    """Seconds of one GNU ``sleep`` argument ("3", "0.5", "5s", "2m"); 0 if unreadable."""
    m = re.fullmatch(r"([0-9]*\.?[0-9]+)([smhd]?)", text.strip())
    if not m:
        return 0.0
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
