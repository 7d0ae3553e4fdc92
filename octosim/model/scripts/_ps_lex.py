"""PowerShell's tokenizer: text into tokens, statements and pipeline parts.

It understands single- and double-quoted strings (typographic quotes too), backtick escapes,
here-strings, comments, line continuations, redirections, and keeps ``{ }``, ``( )``,
``$( )``, ``@( )`` and ``@{ }`` as single tokens holding their inner text (run later, if a
command runs them). Kept apart from the command semantics (``_powershell``) so each reads in
one sitting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from octosim.model.scripts._common import _LIT, _MAX_DEPTH
from octosim.model.scripts._running import ps_comment_at

# PowerShell accepts typographic quotes and dashes wherever it accepts ASCII ones.
_PS_SQ = "'\u2018\u2019\u201a\u201b"
_PS_DQ = '"\u201c\u201d\u201e'
_PS_DASH = "-\u2013\u2014\u2015"
_PS_WORD_STOP = frozenset(";|,(){}&>" + _PS_SQ + _PS_DQ)
#: What a backtick makes of the character after it in a double-quoted string (and a bare
#: word), in Windows PowerShell and PowerShell 7 alike (about_Special_Characters); any other
#: character is itself, but `` `e `` (escape) and `` `u{X} `` (a code point), PowerShell 7's
#: alone (5.1 reads ``e``, ``u``).
_PS_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
               "v": "\v"}
#: The restart recogniser's, which reads either edition's script: `` `e `` is 7's.
_PS_ESC = {**_PS_ESCAPES, "e": "\x1b"}
_PS_REDIRECT = re.compile(r"[1-6*]?>>?(?:&[12])?")
_PS_SQ_AT = re.compile(f"[{_PS_SQ}]")
#: Where a bare word may end, escape a character or start ``$(``: up to it, it takes the
#: characters as they are.
_PS_WORD_SPECIAL = re.compile(r"[\s`$=" + re.escape("".join(sorted(_PS_WORD_STOP))) + "]")


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


def _ps_skip_sq(text: str, i: int) -> tuple[str, int]:
    """Read the single-quoted string at ``text[i]``: (value, index after it)."""
    n, j = len(text), i + 1
    out: list[str] = []
    while quote := _PS_SQ_AT.search(text, j):
        k = quote.start()
        out.append(text[j:k])
        if k + 1 < n and text[k + 1] in _PS_SQ:  # '' is one literal quote
            out.append("'")
            j = k + 2
            continue
        return "".join(out).replace("$", _LIT), k + 1
    out.append(text[j:])
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
    quoted = escaped = -1
    while j < n:
        c = text[j]
        if c == "`":
            j = escaped = j + 2
        elif c in _PS_SQ:
            j = quoted = _ps_skip_sq(text, j)[1]
        elif c in _PS_DQ:
            j = quoted = _ps_dq(text, j, depth + 1)[1] if depth < _MAX_DEPTH else j + 1
        elif text.startswith("<#", j):
            k = text.find("#>", j + 2)
            j = n if k < 0 else k + 2
        elif c == "#" and ps_comment_at(text, j, quoted, escaped):
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
        else:  # this character, and the plain ones after it
            special = _PS_WORD_SPECIAL.search(text, j + 1)
            end = n if special is None else special.start()
            out.append(text[j:end])
            j = end
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
