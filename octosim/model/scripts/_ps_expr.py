"""PowerShell's expressions and command arguments read from their text, before anything is
evaluated: a command's words, bare words and literals, an expression's operands at each
operator level (:class:`_Splits`), its postfix operators, an array's items, and the scans
that know PowerShell's quoting (a bracket's end, a string's end) which the other readers
share. Pure functions of the text, memoised where a script's run reads the same text again;
the interpreter (:mod:`._ps_exec`) evaluates what they find."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from octosim.model.scripts._ps_lex import _PS_DASH, _PS_ESCAPES
from octosim.model.scripts._ps_values import _NUMBER
from octosim.model.scripts._running import (
    Unknown,
    ascii_digits,
    closing,
    here_string_end,
    opening,
    split_top,
    top_level,
)

__all__: list[str] = []

_SPACE = re.compile(r"\s+")
_COMMA = re.compile(r",")
_PLUS = re.compile(r"\s*(\+)\s*")
#: ``+`` or a binary ``-`` (after an operand; not ``-eq``, ``-join``, a negative number's
#: sign after another operator): the additive operators, in expression mode.
_ADDITIVE = re.compile(r"\s*(?P<op>\+)\s*|(?<=[\w)\]'\"])\s*(?P<minus>-)(?![A-Za-z_-])\s*")
_MULTIPLICATIVE = re.compile(r"\s*(?P<op>[*/%])\s*")
#: Any of them (whether an argument holds one).
_OPERATOR = re.compile(r"\s*[-+*/%]|\.\.")
#: The operators of comparison precedence, looser than ``+`` and ``-f``, which PowerShell
#: applies from the left: the comparisons, ``-replace``, ``-split``, ``-join`` (binary).
_CHAIN = re.compile(
    r"\s+-(join|[ic]?(?:eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains"
    r"|in|notin|replace|split))\s+", re.IGNORECASE)
#: Unary ``-split`` and ``-join`` (they bind tighter than the comma).
_UNARY_TEXT = re.compile(r"-(split|join)\s+", re.IGNORECASE)
#: The format operator (it binds tighter than ``*`` and ``+``, looser than ``,`` and ``..``).
_FORMAT = re.compile(r"\s+-f(?![\w-])\s*", re.IGNORECASE)
_OR = re.compile(r"\s+-or\s+", re.IGNORECASE)
_AND = re.compile(r"\s+-and\s+", re.IGNORECASE)
_COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match",
                          "notmatch", "contains", "notcontains", "in", "notin"})
#: The operators in :data:`_CHAIN` as written without ``i``/``c`` (``-join`` has neither).
_CHAINED = _COMPARISONS | {"join", "replace", "split"}
_TARGET = re.compile(r"^\[(?:System\.)?EnvironmentVariableTarget\]::(\w+)$", re.IGNORECASE)
#: A member's name after its dot, at the end of the text searched: a method's before its
#: bracket (``.Trim``), a property's (``.Length``).
_MEMBER_NAME = re.compile(r"\.([A-Za-z_]\w*)$")


def _unary_minus(text: str) -> bool:
    """Whether ``text`` starts with a unary minus on a variable or a bracketed expression
    (``-$x``, ``- ($a + 1)``); ``-5`` is a number, ``--$x`` a decrement."""
    return text[:1] == "-" and text[1:].lstrip()[:1] in ("$", "(")


@functools.lru_cache(maxsize=512)
def _words(text: str) -> tuple[str, ...]:
    """A command's words, split at spaces outside quotes and brackets (memoised, as
    :func:`._ps_parse._statements`)."""
    return tuple(w for w in split_top(text, _SPACE, escape="`", single_doubles=True) if w)




def _bare_word(word: str) -> str:
    """A bare word's text, its backtick escapes decoded as in a double-quoted string
    (Tokenizer.Backtick, which ScanGenericToken applies too: ``Write-Host `{x`` prints
    ``{x``, ``a`tb`` a tab between ``a`` and ``b``). Not interpreted: `` `e ``, `` `u ``
    (PowerShell 7's alone: see :data:`._ps_lex._PS_ESCAPES`), a backtick
    and a blank starting the word (PowerShell skips both: Tokenizer.NextToken), a backtick
    ending it."""
    if word[0] == "`" and word[1:2].isspace():
        raise Unknown(word)
    out: list[str] = []
    i = 0
    while (tick := word.find("`", i)) >= 0:
        if tick + 1 == len(word) or word[tick + 1] in "eu":
            raise Unknown(word)
        out.append(_literal_part(word[i:tick]))
        out.append(_PS_ESCAPES.get(word[tick + 1], word[tick + 1]))
        i = tick + 2
    out.append(_literal_part(word[i:]))
    return "".join(out)


#: What a bare word expands when it holds one unescaped: a variable (``a$x`` is ``a1``) or a
#: quoted part (``a'b c'd`` is ``ab cd``, ``a"b"`` is ``ab``), the typographic quotes
#: PowerShell also reads as quotes among them (CharTraits: IsSingleQuote, IsDoubleQuote).
_BARE_EXPANDS = re.compile("[$'\"\u2018\u2019\u201a\u201b\u201c\u201d\u201e]")


def _literal_part(text: str) -> str:
    """``text``, a part of a bare word with no backtick, if it is its own value; a variable or
    a quote in it (:data:`_BARE_EXPANDS`) is not interpreted."""
    if _BARE_EXPANDS.search(text):
        raise Unknown(text)
    return text


def _array_arguments(args: Sequence[str]) -> Sequence[str]:
    """A command's words with each array argument written around spaces (``'x', 'y'``,
    ``'x' , 'y'``) joined into one word, as PowerShell's parser reads a comma in command
    mode: it continues the argument. A comma opening a word after a parameter's name, or
    first, is a unary one (``-Object ,'a'``): left alone, as is a comma ending the last."""
    if not any("," in arg for arg in args):
        return args
    merged: list[str] = []
    joining = False
    for arg in args:
        if merged and (joining or (arg[0] == "," and not (
                merged[-1][0] in _PS_DASH and not _NUMBER.match(merged[-1])))):
            merged[-1] += " " + arg
        else:
            merged.append(arg)
        joining = merged[-1][-1] == ","
    return merged


class _Splits(NamedTuple):
    """An expression's operands around each of its operator levels, loosest first (outside
    quotes and brackets; one operand: no operator of that level), each with the operator
    before it ('' for the first)."""

    ors: tuple[tuple[str, str], ...]
    ands: tuple[tuple[str, str], ...]
    #: The operators of comparison precedence (:data:`_CHAIN`).
    chain: tuple[tuple[str, str], ...]
    #: ``+`` and ``-``; in command mode (text that starts with a letter, as PowerShell reads
    #: it) ``+`` alone.
    additive: tuple[tuple[str, str], ...]
    #: ``*``, ``/``, ``%``: in expression mode only.
    multiplicative: tuple[tuple[str, str], ...]
    #: The format operator ``-f``: in expression mode only.
    formats: tuple[tuple[str, str], ...]
    #: ``,``: an array's items.
    items: tuple[tuple[str, str], ...]


#: What every operator :class:`_Splits` splits at starts with, bar a blank: an index holding
#: none of them is no split.
_OPERATOR_STARTS = frozenset("+-*/%,")


@functools.lru_cache(maxsize=512)
def _splits(text: str) -> _Splits:
    """``text``'s (stripped) operands at every operator level
    :meth:`._ps_exec._Shell.expression` and :meth:`._ps_exec._Shell.condition` read, in one
    pass over it. Memoised, as :func:`._ps_parse._statements`: one lookup per expression
    evaluated."""
    expression = _expression_mode(text)
    return _Splits(*_split_levels(text, (
        _OR, _AND, _CHAIN, _ADDITIVE if expression else _PLUS,
        _MULTIPLICATIVE if expression else None, _FORMAT if expression else None, _COMMA)))


def _split_levels(text: str, levels: Sequence[re.Pattern[str] | None]
                  ) -> list[tuple[tuple[str, str], ...]]:
    """``text``'s operands around each level's operators (outside quotes and brackets), each
    with the operator before it ('' for the first); a level that is None: ``text`` whole."""
    parts: list[list[tuple[str, str]]] = [[] for _ in levels]
    ops = [""] * len(levels)
    starts = [0] * len(levels)
    for i in top_level(text, escape="`", single_doubles=True):
        if not (text[i] in _OPERATOR_STARTS or text[i].isspace()):
            continue
        for level, operators in enumerate(levels):
            if operators is None or i < starts[level]:
                continue  # inside the operator just split at
            m = operators.match(text, i)
            if m and m.end() > i:
                parts[level].append((ops[level], text[starts[level] : i]))
                ops[level] = next((g for g in m.groups() if g), m.group().strip())
                starts[level] = m.end()
    return [(*found, (op, text[start:])) for found, op, start in zip(parts, ops, starts,
                                                                      strict=True)]


def _operands(parts: tuple[tuple[str, str], ...]) -> list[str]:
    """The operands of a :class:`_Splits` level, without their operators."""
    return [operand for _, operand in parts]


@functools.lru_cache(maxsize=512)
def _numbers_first(arg: str) -> bool:
    """Whether the command argument ``arg`` is an array whose first item is a number
    (``1,2``, ``1, 'a'``): PowerShell's tokenizer ends a number at a comma in command mode
    too (Tokenizer.ScanNumber: a ``,`` starts a new token), so it reads an array, as in an
    expression. A number with a sign is left alone (``-1`` there may be a parameter)."""
    return ascii_digits(arg[0]) and "," in arg and bool(_NUMBER.match(_array_items(arg)[0]))


def _has_operator(text: str) -> bool:
    """Whether ``text`` holds ``+``, ``-``, ``*``, ``/``, ``%`` or ``..`` outside quotes and
    brackets (a ``-`` after its first character: ``-5`` is a number)."""
    return any(_OPERATOR.match(text, i) for i in top_level(text, escape="`", single_doubles=True)
               if i > 0)


def _expression_mode(text: str) -> bool:
    """Whether PowerShell reads ``text`` as an expression (its first character is not a
    command's): only there are ``-``, ``*``, ``/``, ``%`` and ``..`` operators."""
    return bool(text) and not (text[0].isalpha() or text[0] in "_&.")


@functools.lru_cache(maxsize=512)
def _postfix(text: str) -> tuple[str, str, str | None] | None:
    """``text`` split at its last postfix operator: ``<receiver>.<Name>`` (a property:
    ``(receiver, Name, None)``), ``<receiver>.<Name>(<args>)`` (a method call: ``(receiver,
    Name, args)``) or ``<receiver>[<index>]`` (``(receiver, '[', index)``); the receiver
    may hold others (``$a.Trim().Split(';')[-1]``). None if it ends in none. One pass over
    the text (memoised, as :func:`._ps_parse._statements`)."""
    if text[-1:] in (")", "]"):
        start = opening(text, escape="`", single_doubles=True)
        if not start:
            return None  # nothing before the bracket: no receiver
        if text[-1] == "]":
            return text[:start], "[", text[start + 1 : -1]
        m = _MEMBER_NAME.search(text, 0, start)
        if m is None or m.end() != start:
            return None
        return text[: m.start()], m.group(1), text[start + 1 : -1]
    m = _MEMBER_NAME.search(text)
    if m is None or m.start() == 0 or not _top_level_at(text, m.start()):
        return None
    return text[: m.start()], m.group(1), None


def _top_level_at(text: str, i: int) -> bool:
    """Whether ``text[i]`` is outside quotes and brackets."""
    return any(j == i for j in top_level(text, escape="`", single_doubles=True))


def _closing(text: str, i: int) -> int:
    """Index of the bracket closing the one at ``text[i]`` (PowerShell quoting)."""
    return closing(text, i, escape="`", single_doubles=True)


def _operator(written: str) -> tuple[str, bool]:
    """An operator of :data:`_CHAIN` as written, without its dash (``ceq``, ``IEq``): its
    name without the ``i``/``c`` prefix (``eq``; ``contains`` and ``in`` are names, not
    prefixed ones) and whether ``c`` makes it case-sensitive."""
    op = written.casefold()
    if op in _CHAINED:
        return op, False
    return op[1:], op.startswith("c")


def _is_parameter(arg: str) -> bool:
    """Whether a command's argument is a parameter's name (``-Path``, ``–Path``, not
    ``-1``)."""
    return len(arg) > 1 and arg[0] in _PS_DASH and (arg[1].isalpha() or arg[1] == "_")


def _literal(text: str) -> str | None:
    """The text of an argument that is a literal, read without running anything: a quoted
    string that expands nothing, or an ``[EnvironmentVariableTarget]`` member (its name);
    None for any other argument."""
    text = text.strip()
    m = _TARGET.match(text)
    if m:
        return m.group(1)
    quoted = _quoted(text) if text else None
    if quoted == "'":
        return text[1:-1].replace("''", "'")
    if quoted == '"' and not set(text[1:-1]) & set('$`"'):
        return text[1:-1]
    return None


@functools.lru_cache(maxsize=512)
def _quoted(text: str) -> str | None:
    """Which literal ``text`` is, if it is exactly one: ``'`` or ``"`` (a quoted string
    whose closing quote is the last character), ``@'``/``@"`` (a here-string); else None
    (``"a" -match "b"`` is two strings and an operator, not one string)."""
    c = text[0]
    if len(text) < 2:
        return None
    if c == "'":
        return c if _single_end(text) == len(text) else None
    if c == '"':
        return c if _double_end(text) == len(text) else None
    if c == "@" and here_string_end(text, 0) == len(text) and text[1] in "'\"":
        end = text.rfind("\n")
        return text[:2] if end > 0 and text[end + 1 :] == text[1] + "@" else None
    return None


def _single_end(text: str) -> int:
    """The index after the single-quoted string at ``text[0]`` (``''`` is a quote in it);
    -1 if it is never closed."""
    i = 1
    while (quote := text.find("'", i)) >= 0:
        if text.startswith("''", quote):
            i = quote + 2
            continue
        return quote + 1
    return -1


def _double_end(text: str) -> int:
    """The index after the double-quoted string at ``text[0]`` (backtick escapes, ``""``,
    and ``$( ... )`` with its own quotes inside); -1 if it is never closed."""
    i, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            i += 2
        elif c == '"':
            if text.startswith('""', i):
                i += 2
                continue
            return i + 1
        elif c == "$" and text.startswith("(", i + 1):
            try:
                i = _closing(text, i + 1) + 1
            except Unknown:
                return -1
        else:
            i += 1
    return -1


@functools.lru_cache(maxsize=512)
def _array_items(text: str) -> tuple[str, ...]:
    """An expression's items around top-level commas (one item: no array)."""
    return tuple(split_top(text, _COMMA, escape="`", single_doubles=True))
