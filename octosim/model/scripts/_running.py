"""What running a script means to the interpreters: the host it runs on, how it ends, and the
quote-aware scanning the statement splitters share (PowerShell's quoting here; Bash's in
``_sh_text``, which reads Bash's own grouping: ``( )``, ``{ }`` as reserved words, ``[[ ]]``).

A running script is a generator (:data:`ScriptProgram`): it yields the seconds it sleeps (the
:class:`~octosim.model.scripting.ScriptRun` waits them on the virtual clock, so a Tentacle
stop meanwhile kills it) and returns its :class:`ScriptResult`. Everything else it does goes
through its :class:`ScriptHost`: output lines, its own environment, the machine store.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "DECIMAL_NUMBER",
    "OutputLevel",
    "ScriptExit",
    "ScriptHost",
    "ScriptProgram",
    "ScriptResult",
    "Unknown",
    "ascii_digits",
    "closing",
    "closing_bracket",
    "here_string_end",
    "may_backtrack",
    "opening",
    "outside_brackets",
    "ps_comment_at",
    "skip_double",
    "skip_single",
    "split_at",
    "split_top",
    "strip_comments",
    "top_level",
]

#: A decimal number as .NET, the shells and their programs read one: ASCII digits only
#: (Python's float() also takes '٣', '1_0', 'inf' and 'nan'), an optional sign and exponent.
DECIMAL_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is digits as the shells, their programs and .NET read them: ASCII
    ``0``-``9`` only (``str.isdigit`` and ``\\d`` take any script's, '٣' or '²')."""
    return text.isascii() and text.isdigit()


#: A repeated group (``(a+)+``, ``(a|aa)*``, ``(a){2,}``), or many unbounded repeats in a row
#: (``a*a*a*a*a*``): such a pattern can backtrack for ages on a subject that almost matches.
_REPEATED_GROUP = re.compile(r"\)[*+{]")
_REPEAT = re.compile(r"(?<!\\)[*+]|\{\d*,\}")
_MOST_REPEATS = 4


def may_backtrack(pattern: str, *, glob: bool = False) -> bool:
    """Whether a script's regular expression (or, with ``glob``, wildcard pattern) could hold
    the simulation for ages: neither interpreter runs such a pattern (it is not
    interpreted)."""
    if glob:
        return pattern.count("*") > _MOST_REPEATS
    return (_REPEATED_GROUP.search(pattern) is not None
            or len(_REPEAT.findall(pattern)) > _MOST_REPEATS)


#: How a line reaches the task log: Info (Write-Host, echo), Warning, Error (stderr,
#: Write-Error, a thrown error) or Verbose (Write-Verbose).
OutputLevel = Literal["info", "warning", "error", "verbose"]


class ScriptHost(Protocol):
    """The Tentacle a script runs on, as the script sees it."""

    @property
    def os_family(self) -> str:
        """``Windows`` or ``Linux``."""
        ...

    def getenv(self, name: str) -> str | None:
        """The script's own environment (the snapshot + Tentacle's + the step's + its sets)."""
        ...

    def setenv(self, name: str, value: str | None) -> None:
        """Change the script's own environment (``$env:X = 'v'``, ``export X=v``)."""
        ...

    def machine_value(self, name: str) -> str | None:
        """The machine store's value (``GetEnvironmentVariable(X, 'Machine')``)."""
        ...

    def set_machine_variable(self, name: str, value: str | None) -> None:
        """Change the machine store (registry / ``/etc/environment``), not the snapshot."""
        ...

    def machine_names(self) -> list[str]:
        """The names in the machine store (``> /etc/environment`` replaces them all)."""
        ...

    def write(self, line: str, level: OutputLevel = "info") -> None:
        """One line of the script's output, to the task log."""
        ...

    def service_names(self) -> list[str]:
        """The Tentacle services on the machine, in name order (``OctopusDeploy Tentacle``,
        ``Tentacle.service``): what ``Get-Service``/``systemctl`` can see of them."""
        ...

    def octopus_variable(self, name: str) -> str | None:
        """The step's Octopus variable ``name`` (``$OctopusParameters['N']``,
        ``get_octopusvariable N``), or None; a script outside a step has none."""
        ...

    def octopus_variable_names(self) -> list[str]:
        """The names of the step's Octopus variables, as the simulator models them (Calamari's
        ``variables.GetNames()``, less the ``env:NAME`` it adds for each environment
        variable): Calamari's PowerShell bootstrap declares a variable for each. None outside
        a step."""
        ...

    def set_output(self, name: str, value: str, sensitive: bool) -> None:
        """An output variable for later steps (``Set-OctopusVariable``,
        ``set_octopusvariable``); a script outside a deployment step has nowhere to put it."""
        ...


@dataclass(frozen=True)
class ScriptResult:
    """How a script ended: its exit code and, for ``Fail-Step``/``fail_step``, its message."""

    exit_code: int = 0
    message: str | None = None

    @property
    def failed(self) -> bool:
        """True for a non-zero exit code (Calamari's rule: zero is success)."""
        return self.exit_code != 0


class ScriptExit(Exception):
    """Raised inside an interpreter to end the script (``exit``, ``throw``, ``set -e``...)."""

    def __init__(self, exit_code: int, message: str | None = None) -> None:
        super().__init__(exit_code, message)
        self.result = ScriptResult(exit_code, message)


class Unknown(Exception):
    """An expression the interpreter cannot evaluate: the statement holding it is skipped."""


#: A running script: yields seconds slept, returns how it ended.
ScriptProgram = Generator[float, None, ScriptResult]

_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = frozenset(_OPEN.values())


def top_level(text: str, *, escape: str, single_doubles: bool) -> Iterator[int]:
    """Yield each index of ``text`` outside quotes and brackets (nesting depth 0).

    ``escape`` is the syntax's escape character (PowerShell's backtick, sh's backslash);
    ``single_doubles``: a single-quoted string ends at ``'`` unless doubled (PowerShell),
    else at the first ``'`` (sh). A PowerShell here-string (``@"``...``"@``) is one string.
    Unbalanced text is scanned as far as it goes. (The Bash interpreter walks Bash's own
    quoting, ``$'...'``, ``$(...)`` in double quotes, here-documents..., with
    :func:`~octosim.model.scripts._sh_text.sh_parts` and the bracket counting here.)
    """
    return outside_brackets(text, _unquoted(text, 0, escape, single_doubles))


def unquoted(text: str, *, escape: str, single_doubles: bool) -> Iterator[int]:
    """Yield each index of ``text`` outside escapes, quotes and here-strings (brackets
    included), as :func:`top_level` reads them."""
    return _unquoted(text, 0, escape, single_doubles)


def outside_brackets(text: str, unquoted: Iterable[int]) -> Iterator[int]:
    """Yield each of the ``unquoted`` indices of ``text`` (in order) at nesting depth 0 that
    is no bracket."""
    depth = 0
    for i in unquoted:
        c = text[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            yield i


def opening(text: str, *, escape: str, single_doubles: bool) -> int | None:
    """The index of the bracket that the bracket ending ``text`` closes (outside quotes), in
    one pass; None if ``text`` does not end in a closing bracket outside quotes, or that
    bracket closes nothing."""
    stack: list[int] = []
    for i in _unquoted(text, 0, escape, single_doubles):
        if text[i] in _OPEN:
            stack.append(i)
        elif text[i] in _CLOSE:
            opened = stack.pop() if stack else None
            if i == len(text) - 1:
                return opened
    return None


def closing(text: str, i: int, *, escape: str, single_doubles: bool) -> int:
    """Return the index of the bracket closing the one at ``text[i]`` (quotes skipped).

    Raises :class:`Unknown` when it is never closed."""
    return closing_bracket(text, i, _unquoted(text, i, escape, single_doubles))


def closing_bracket(text: str, i: int, unquoted: Iterable[int]) -> int:
    """The index of the bracket closing the one at ``text[i]``, among the ``unquoted``
    indices of ``text`` from ``i`` on. Raises :class:`Unknown` when it is never closed."""
    depth = 0
    for j in unquoted:
        if text[j] in _OPEN:
            depth += 1
        elif text[j] in _CLOSE:
            depth -= 1
            if depth == 0:
                return j
    raise Unknown(text[i:])


def _unquoted(text: str, i: int, escape: str, single_doubles: bool) -> Iterator[int]:
    """Yield each index of ``text`` from ``i`` outside escapes, quotes and here-strings."""
    n = len(text)
    special = _special(escape)
    while i < n:
        m = special.search(text, i)
        stop = n if m is None else m.start()
        yield from range(i, stop)  # plain text, up to where a quote or an escape may start
        if stop == n:
            return
        after = _after_quoted(text, stop, escape, single_doubles)
        if after is None:
            yield stop
            after = stop + 1
        i = after


def _after_quoted(text: str, i: int, escape: str, single_doubles: bool) -> int | None:
    """If an escape, a quoted string or a PowerShell here-string starts at ``text[i]``, the
    index after it; else None."""
    c = text[i]
    if c == escape:
        return i + 2
    if c == "'":
        return skip_single(text, i + 1, single_doubles)
    if c == '"':
        return skip_double(text, i + 1, escape)
    if single_doubles and c == "@":
        return here_string_end(text, i)
    return None


_HERE_STRING_OPEN = re.compile(r"@(['\"])[ \t]*\r?\n")
_HERE_STRING_CLOSE = {q: re.compile(r"\r?\n" + q + "@") for q in "'\""}


def here_string_end(text: str, i: int) -> int | None:
    """If a PowerShell here-string starts at ``text[i]`` (``@'`` or ``@"``, then only blanks
    to the end of the line), the index after its closing ``'@``/``"@`` (which starts a
    line), or the text's length if it is never closed; else None."""
    m = _HERE_STRING_OPEN.match(text, i)
    if m is None:
        return None
    close = _HERE_STRING_CLOSE[m.group(1)].search(text, m.end() - 1)
    return len(text) if close is None else close.end()


def skip_single(text: str, i: int, doubles: bool) -> int:
    """Return the index after the single-quoted string whose body starts at ``i`` (the
    text's length if it is never closed)."""
    while True:
        quote = text.find("'", i)
        if quote < 0:
            return max(i, len(text))
        if doubles and text.startswith("''", quote):
            i = quote + 2
            continue
        return quote + 1


def skip_double(text: str, i: int, escape: str) -> int:
    """Return the index after the double-quoted string whose body starts at ``i`` (if it is
    never closed, the index scanning stopped at: past the end after a final escape)."""
    n = len(text)
    while i < n:
        quote = text.find('"', i)
        escaped = text.find(escape, i, n if quote < 0 else quote)
        if escaped < 0:
            return n if quote < 0 else quote + 1
        i = escaped + 2  # the escaped character cannot close the string
    return i


def split_top(text: str, separator: re.Pattern[str], *, escape: str,
              single_doubles: bool) -> list[str]:
    """Split ``text`` where ``separator`` matches at nesting depth 0, outside quotes."""
    return split_at(text, top_level(text, escape=escape, single_doubles=single_doubles),
                    separator)


def split_at(text: str, top: Iterable[int], separator: re.Pattern[str]) -> list[str]:
    """Split ``text`` where ``separator`` matches at one of the ``top`` indices (in order)."""
    parts: list[str] = []
    start = skip_to = 0
    for i in top:
        if i < skip_to:
            continue
        m = separator.match(text, i)
        if m and m.end() > i:
            parts.append(text[start:i])
            start = skip_to = m.end()
    parts.append(text[start:])
    return parts


#: The characters that end any PowerShell token, so that a ``#`` after one starts a comment
#: (CharTraits.ForceStartNewToken: blanks, newlines, NUL, ``& ( ) , ; { | }``; beyond ASCII,
#: CharExtensions.IsWhitespace: the no-break space, NEL, and Unicode's separators).
_PS_TOKEN_ENDS = frozenset(" \t\v\f\r\n\0&(),;{|}\u00a0\u0085")


def ps_comment_at(text: str, i: int, quoted: int = -1, escaped: int = -1) -> bool:
    """Whether the ``#`` at ``text[i]`` starts a PowerShell comment: it starts a token, as
    PowerShell's tokenizer reads a comment wherever a token starts (Tokenizer.NextToken):
    first, after a character that ends any token (``{#``, ``)#``, ``,#``), or after a string,
    a token of its own (``quoted``: where the last string ended). After an escaped character
    (``escaped``: where the last escape ended) it is a letter of the same word, unless the
    escape joined a line. In ``${#}`` it is a variable's name."""
    if i == 0 or i == quoted:
        return True
    before = text[i - 1]
    if i == escaped:
        return before in "\r\n"
    if before == "{" and text[i - 2 : i - 1] == "$":
        return False
    return before in _PS_TOKEN_ENDS or (
        ord(before) > 256 and unicodedata.category(before) in ("Zs", "Zl", "Zp"))


def strip_comments(text: str, *, escape: str, single_doubles: bool) -> str:
    """Return ``text`` without its ``#`` comments (a ``#`` that starts a word, outside
    quotes and here-strings, to the end of its line; in PowerShell one that starts a token:
    after a string, or any character that ends a token, ``{``, ``(``, ``)``, ``,``, ``|``...,
    see :func:`ps_comment_at`) and, for PowerShell, its ``<# ... #>`` blocks."""
    out: list[str] = []
    i, n = 0, len(text)
    quoted = escaped = -1
    while i < n:
        c = text[i]
        if (after := _after_quoted(text, i, escape, single_doubles)) is not None:
            out.append(text[i:after])  # a string is data: no comments in it
            if c == escape:
                escaped = after
            else:
                quoted = after
            i = after
        elif single_doubles and text.startswith("<#", i):
            end = text.find("#>", i + 2)
            i = n if end < 0 else end + 2
        elif c == "#" and (ps_comment_at(text, i, quoted, escaped) if single_doubles
                           else i == 0 or text[i - 1] in " \t\r\n;"):
            end = text.find("\n", i)
            i = n if end < 0 else end
        else:  # plain text, up to where an escape, a quote or a comment may start
            special = _special(escape).search(text, i + 1)
            end = n if special is None else special.start()
            out.append(text[i:end])
            i = end
    return "".join(out)


@functools.cache
def _special(escape: str) -> re.Pattern[str]:
    """Where something other than plain text may start, for :func:`strip_comments`."""
    return re.compile(f"[{re.escape(escape)}'\"#<@]")
