"""What the sh and PowerShell interpreters share: the scope effects are collected in,
``$variable`` expansion, restart targets and the ``Tentacle service`` command line.

Both syntaxes reach the same things (a PowerShell script on Linux runs ``systemctl``; either
can run ``Tentacle service --restart``), so these live once, below both interpreters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from octosim.model.scripts._effects import (
    DetachedRestart,
    ScriptEffect,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
)
from octosim.model.scripts._running import DECIMAL_NUMBER
from octosim.model.wildcard import compile_wildcard

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
    digits = text.strip().strip("'\"")
    if DECIMAL_NUMBER.fullmatch(digits) is None:
        return None
    value = float(digits)
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
