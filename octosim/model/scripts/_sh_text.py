"""The text side of the Bash interpreter: Bash's quoting (:func:`sh_parts`, the one scanner
every Bash reader walks: the interpreter's statements, words and ``case`` scanner, and the
restart recogniser's here-documents), splitting a command into words, and the
builtins that are pure functions of their words (``sleep``'s durations, ``test``,
``printf``, ``echo -e``'s escapes); ``[[ ]]`` is read here too, its words expanded by the
interpreter as the reading reaches them (:class:`TestOperands`)."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from octosim.model.scripts._running import (
    DECIMAL_NUMBER,
    Unknown,
    ascii_digits,
    closing_bracket,
    may_backtrack,
    skip_single,
    split_at,
)

__all__ = [
    "BLANKS",
    "GLOB_STAR",
    "SH_NAME",
    "CaseClause",
    "CaseStatement",
    "TestError",
    "TestOperands",
    "ansi_c",
    "bang_in_pipeline",
    "braced_end",
    "case_statements",
    "dequote",
    "fits_int64",
    "glob_atoms",
    "heredoc_at",
    "heredoc_bodies_end",
    "heredoc_expands",
    "printf_text",
    "quoted_body",
    "replace_glob",
    "sh_closing",
    "sh_group_end",
    "sh_parts",
    "sh_split",
    "sh_strip_comments",
    "sh_top_breaks",
    "sh_top_level",
    "sh_unquoted",
    "sleep_seconds",
    "split_fields",
    "split_words",
    "strip_sudo",
    "test_expression",
    "trim_glob",
    "unescape",
]

#: A Bash name (a variable's): ASCII letters, digits and ``_``, not starting with a digit.
#: ``\w`` would take any script's letters: Bash reads ``$vā`` as ``$v`` then ``ā``, and
#: ``vā=1`` as a command.
SH_NAME = "[A-Za-z_][A-Za-z0-9_]*"

#: Bash's integers are 64-bit, and printf's widths are bounded here: a field wider than this
#: is not interpreted (Bash would print it, a gigabyte of blanks if asked).
_INT64_DIGITS = 19
_PRINTF_FIELD = 10_000


def fits_int64(text: str) -> bool:
    """Whether ``text`` (optional blanks and sign, then digits) is an integer Bash holds.
    Checked by length first: int() refuses strings of thousands of digits."""
    digits = text.strip().lstrip("+-")
    return (ascii_digits(digits) and len(digits) <= _INT64_DIGITS
            and -(2**63) <= int(text) < 2**63)


# -- quoting ------------------------------------------------------------------------------------
#: Bash's metacharacters: with blanks, they end a word (and a ``#`` after one starts a comment).
_METACHARACTERS = frozenset(";&|()<>")
#: What a backslash escapes inside double quotes; before anything else it is itself.
_DOUBLE_ESCAPES = frozenset('$`"\\\n')
#: Where a part other than one plain character may start (see :func:`_part`).
_PART_STARTS = frozenset("\\$`'\"#(")
#: ``$(`` nested deeper than this is read as never closed (the scanner recurses per level).
_MAX_NESTING = 100
#: A here-document's operator and delimiter word: ``<<EOF``, ``<<-'EOF'``, ``<< "EOF"``.
_HEREDOC = re.compile(r"<<(?P<tabs>-?)[ \t]*(?:'(?P<single>[^'\n]*)'|\"(?P<double>[^\"\n]*)\""
                      r"|(?P<bare>[^\s;&|<>()]+))")


def sh_parts(text: str, i: int = 0, stop: int | None = None, *, quoted: bool = False,
             heredocs: bool = False, nesting: int = 0,
             comments: bool = True) -> Iterator[tuple[str, int, int]]:
    """Bash's quoting of ``text`` from ``i`` to ``stop``: each part as (kind, start, end).

    The one place the quoting rules live; every Bash scanner walks these parts. Kinds:
    ``plain`` (one character outside quotes), ``escaped`` (``\\x``), ``single``
    (``'...'``), ``ansi`` (``$'...'``, where ``\\'`` does not close it), ``double``
    (``"..."``, a ``$(...)`` inside may hold quotes of its own), ``expansion`` (``$(...)``,
    ``$((...))``, ``${...}``, a backquoted command), ``arithmetic`` (a ``((...))`` command,
    where ``<<`` is a shift), ``comment`` (a ``#`` starting a word, to the end of its line)
    and, with ``heredocs``, ``heredoc`` (the bodies of the here-documents opened on the line
    before: data, up to and with each delimiter line; without it, the text is one whose
    bodies are gone, as the interpreter takes them out first). With ``quoted``, the inside
    of double quotes: ``plain``, ``escaped`` (only ``\\$``, ``\\```, ``\\"``, ``\\\\`` and
    an escaped newline) and ``expansion``; the closing ``"`` is a plain part. Without
    ``comments``, a ``#`` is plain: ``text`` is a word, or the inside of a ``${...}``, where
    Bash reads no comment (``${X:-a #b}``). A part never closed runs to the end.
    """
    n = len(text) if stop is None else min(stop, len(text))
    pending: list[tuple[str, bool]] = []  # here-documents whose bodies come next
    while i < n:
        if text[i] not in _PART_STARTS:  # the common case, kept quick
            kind, end = "plain", i + 1
        else:
            kind, end = _part(text, i, quoted, heredocs, nesting, comments)
            end = min(end, n)
        if kind == "plain" and heredocs:
            if text[i] == "<" and (heredoc := heredoc_at(text, i)) is not None:
                pending.append(heredoc)
            elif text[i] == "\n" and pending:
                yield kind, i, end
                body_end = min(heredoc_bodies_end(text, end, pending), n)
                pending = []
                yield "heredoc", end, body_end
                i = body_end
                continue
        yield kind, i, end
        i = end


def sh_unquoted(text: str, i: int = 0) -> Iterator[int]:
    """Each index of ``text`` from ``i`` outside quotes, escapes, substitutions, comments and
    here-document bodies."""
    return (start for kind, start, _ in sh_parts(text, i) if kind == "plain")


def sh_top_level(text: str) -> Iterator[int]:
    """Each index of ``text`` where a blank or an operator character (``;&|()<>``) stands
    outside quotes, substitutions and the constructs Bash reads across lines and ``;``:
    ``( )``, a ``{ }`` group and ``[[ ]]`` (:func:`_groups`). A ``[`` or a ``{`` in a word
    (``echo [a``, ``{a,b}``) groups nothing, as in Bash."""
    return (i for kind, i, depth in _groups(text) if kind == "operator" and depth == 0)


def sh_top_breaks(text: str) -> Iterator[int]:
    """Each index of ``text`` where a word ends outside the constructs :func:`sh_top_level`
    skips: a blank or an operator character (a ``( )`` group, a ``{ }`` group or a ``[[
    ]]`` is one word of the text around it)."""
    return (i for kind, i, depth in _groups(text) if kind != "close" and depth == 0)


@functools.lru_cache(maxsize=1024)
def sh_group_end(text: str) -> int | None:
    """The index of the ``)`` or ``}`` closing the subshell or group that ``text`` opens
    (``text[0]``), as Bash reads them (:func:`_groups`); None when it is never closed.
    Memoised: a function's body or a loop's group is run again and again."""
    return next((i for kind, i, depth in _groups(text) if kind == "close" and depth == 0),
                None)


#: Reserved words after which (at a command's start) another reserved word may come:
#: ``then {``, ``} }``, ``fi }``.
_BEFORE_COMMAND = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!",
                             "time", "{", "}", "fi", "done", "esac"})
#: What ends a word (with the metacharacters): Bash's blanks, space, tab and newline. No
#: other white space does: a carriage return alone, a vertical tab, a form feed (``echo
#: a<VT>b`` prints one word) and a no-break space, U+00A0, are letters to Bash, in a
#: script's words and in values.
BLANKS = frozenset(" \t\n")
#: Field splitting at Bash's default IFS, space, tab and newline (str.split() would split at
#: any white space, U+00A0 and U+2003 too).
_IFS_BLANKS = re.compile("[ \t\n]+")
#: White space other than the default IFS's: a value holding one is split by the regex.
_OTHER_SPACE = re.compile(r"[^\S \t\n]")


def split_fields(value: str) -> list[str]:
    """The fields of an unquoted expansion's ``value`` as Bash splits them with its default
    IFS: at runs of space, tab and newline, none empty."""
    if _OTHER_SPACE.search(value) is None:
        return value.split()
    return [field for field in _IFS_BLANKS.split(value) if field]


def _groups(text: str) -> Iterator[tuple[str, int, int]]:
    """Bash's grouping of ``text``, each (kind, index, depth): ``operator`` for an operator
    character outside quotes and substitutions, at the depth it stands, ``blank`` for a
    blank there, and ``close`` for a ``)``, ``}`` or ``]]`` closing a group, at the depth
    after it. A ``(`` is an operator and always opens; ``{`` and ``}`` only as reserved
    words, a word of their own where a command starts (``{ a; }``, ``f() { ...; }``, ``} }``:
    not ``echo {`` nor ``{a``), and ``[[`` there too, closed by a ``]]`` word (Bash reads
    ``[[ ]]`` across lines); ``[`` and other braces are letters."""
    stack: list[str] = []
    command = True  # a reserved word is read here
    name_next = target_next = False  # after `function`, after a redirection operator
    word_start: int | None = None
    plain_word = True
    n = len(text)
    for kind, start, _ in itertools.chain(sh_parts(text), [("plain", n, n)]):
        c = text[start] if start < n else "\n"
        if kind != "plain" or (c not in _METACHARACTERS and c not in BLANKS):
            if kind != "comment" and word_start is None:
                word_start, plain_word = start, kind == "plain"
            elif kind != "plain":
                plain_word = False
            continue
        if word_start is not None:  # a word ends: a reserved word?
            word = text[word_start:start] if plain_word else ""
            word_start = None
            top = stack[-1] if stack else ""
            if top == "[[":
                if word == "]]":
                    stack.pop()
                    yield "close", start - 1, len(stack)
                command = False
            elif target_next:
                target_next = False
            elif name_next:
                name_next, command = False, True
            elif not command:
                pass
            elif word == "{":
                stack.append("{")
            elif word == "}":
                if top == "{":
                    stack.pop()
                    yield "close", start - 1, len(stack)
            elif word == "[[":
                stack.append("[[")
                command = False
            elif word == "function":
                name_next, command = True, False
            else:
                command = word in _BEFORE_COMMAND
        if start == n:
            break
        if c == "(":
            stack.append("(")
            command = True
        elif c == ")":
            if stack and stack[-1] == "(":
                stack.pop()
                yield "close", start, len(stack)
            command = True
        elif c in "<>" or (c == "&" and (text[start - 1 : start] in ("<", ">")
                                         or text[start + 1 : start + 2] == ">")):
            target_next = True  # a redirection: its file is the next word
        elif c in ";&|\n":
            command = True
        else:
            yield "blank", start, len(stack)
            continue
        yield "operator", start, len(stack)


def sh_closing(text: str, i: int) -> int:
    """The index of the bracket closing the one at ``text[i]``. Raises :class:`Unknown`
    when it is never closed."""
    return closing_bracket(text, i, sh_unquoted(text, i))


def sh_split(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split ``text`` where ``separator`` matches outside quotes and brackets."""
    return split_at(text, sh_top_level(text), separator)


def sh_strip_comments(text: str) -> str:
    """``text`` without its comments (a ``#`` starting a word, to the end of its line)."""
    if "#" not in text:
        return text
    return "".join(text[start:end] for kind, start, end in sh_parts(text) if kind != "comment")


def _part(text: str, i: int, quoted: bool, heredocs: bool, nesting: int,
          comments: bool) -> tuple[str, int]:
    """The kind and end of the part starting at ``text[i]``."""
    c, nxt = text[i], text[i + 1 : i + 2]
    if c == "\\":
        if quoted and nxt not in _DOUBLE_ESCAPES:
            return "plain", i + 1
        return "escaped", min(i + 2, len(text))
    if c == "$" and nxt == "(":
        return "expansion", _substitution_end(text, i + 1, heredocs, nesting + 1)
    if c == "$" and nxt == "{":
        return "expansion", _closing_bracket(text, i + 1, heredocs, nesting + 1)
    if c == "`":
        return "expansion", _quote_end(text, i + 1, "`")
    if quoted:
        return "plain", i + 1
    if c == "'":
        return "single", skip_single(text, i + 1, False)
    if c == '"':
        return "double", _double_end(text, i + 1, heredocs, nesting)
    if c == "$" and nxt == "'":
        return "ansi", _quote_end(text, i + 2, "'")
    before = text[i - 1] if i else "\n"
    if c == "#" and comments and _ends_word(before):
        newline = text.find("\n", i)
        return "comment", len(text) if newline < 0 else newline
    if c == "(" and nxt == "(" and (before in BLANKS or before in ";&|"):
        # A command `((...))` (not `(((`...: brackets around arithmetic, or subshells)
        return "arithmetic", _closing_bracket(text, i, heredocs, nesting + 1)
    return "plain", i + 1


def _ends_word(c: str) -> bool:
    return c in BLANKS or c in _METACHARACTERS


def _closing_bracket(text: str, i: int, heredocs: bool, nesting: int) -> int:
    """The index after the ``)``/``}`` closing the bracket at ``text[i]``, or the text's
    length (:func:`_bracket_close`)."""
    end = _bracket_close(text, i, heredocs, nesting)
    return len(text) if end is None else end


def _bracket_close(text: str, i: int, heredocs: bool, nesting: int) -> int | None:
    """The index after the ``)``/``}`` closing the bracket at ``text[i]`` (quotes, escapes
    and nested substitutions skipped), or None. A ``${...}`` ends at its first such ``}``,
    as Bash's does (a nested ``${`` is a substitution of its own, skipped; a ``{`` alone
    opens nothing: ``"${X:-{a}}"`` is X's value, or ``{a``, then ``}``)."""
    if nesting > _MAX_NESTING:
        return None
    opener = text[i]
    closer = ")" if opener == "(" else "}"
    depth = 1
    for kind, start, end in sh_parts(text, i + 1, heredocs=heredocs, nesting=nesting,
                                     comments=opener == "("):
        if kind == "plain" and text[start] == opener and opener == "(":
            depth += 1
        elif kind == "plain" and text[start] == closer:
            depth -= 1
            if depth == 0:
                return end
    return None


@functools.lru_cache(maxsize=1024)
def _substitution_end(text: str, i: int, heredocs: bool, nesting: int) -> int:
    """The index after the ``)`` closing the ``$(`` or ``$((`` whose first ``(`` is
    ``text[i]``, or the text's length. Brackets are counted (:func:`_bracket_close`); a
    command substitution holding ``case`` is read again as Bash parses it
    (:func:`_substitution_close`). Memoised: the second reading meets the substitutions
    inside again, and each would be read twice at each level of nesting."""
    end = _closing_bracket(text, i, heredocs, nesting)
    if text[i + 1 : i + 2] == "(" or text.find("case", i, end) < 0:
        return end
    close = _substitution_close(text, i, heredocs, nesting)
    return len(text) if close is None else close


def _substitution_close(text: str, i: int, heredocs: bool, nesting: int) -> int | None:
    """The index after the ``)`` closing the command substitution ``$(`` whose ``(`` is
    ``text[i]``, read as Bash reads it, parsing the commands inside: a ``case``'s pattern
    lists end at a ``)`` that closes nothing (``$(case $x in a) echo A;; esac)``), and an
    optional ``(`` before one opens nothing. None when nothing closes it. Only taken for a
    substitution holding ``case`` (:func:`_bracket_close` counts brackets alone, quicker:
    a pattern's ``)`` ends its count early, after the ``case``)."""
    if nesting > _MAX_NESTING:
        return None
    # Each entry: "(" for a bracket open, or a case being read, by its state: "word" (its
    # word comes), "in", "pattern" (a pattern list or `esac` comes), "listed" (inside a
    # pattern list), "body"
    stack: list[str] = ["("]
    command = True  # a reserved word is read here
    word_start: int | None = None
    plain_word = True
    skip_to = 0
    n = len(text)
    for kind, start, _ in itertools.chain(
            sh_parts(text, i + 1, heredocs=heredocs, nesting=nesting), [("plain", n, n)]):
        if start < skip_to:
            continue
        c = text[start] if start < n else "\n"
        if kind not in ("plain", "comment", "heredoc") or (
                kind == "plain" and c not in _METACHARACTERS and c not in BLANKS):
            if word_start is None:
                word_start, plain_word = start, kind == "plain"
            elif kind != "plain":
                plain_word = False
            continue
        if word_start is not None:  # a word ends
            word = text[word_start:start] if plain_word else ""
            word_start = None
            command = _substitution_word(stack, word, command)
        if start == n:
            return None
        if kind != "plain" or (c in BLANKS and c != "\n"):
            continue
        op = _OPERATOR.match(text, start)
        token = op.group() if op else c
        skip_to = start + len(token)
        command = _substitution_operator(stack, token)
        if not stack:
            return start + 1
    return None


def _substitution_operator(stack: list[str], token: str) -> bool:
    """Follow the ``case`` statements and brackets of :func:`_substitution_close` through
    the operator ``token``; whether a command starts after it. A ``)`` closing the
    outermost ``(`` leaves ``stack`` empty."""
    top = stack[-1]
    if top in ("word", "in") and token != "\n":
        stack.pop()  # no case after all (Bash's syntax error): read on
        top = stack[-1]
    if top == "pattern" and token == "(":
        stack[-1] = "listed"  # the optional `(` before a pattern list
        return False
    if top in ("pattern", "listed") and token == ")":
        stack[-1] = "body"
        return True
    if top == "body" and token in _CASE_ENDS:
        stack[-1] = "pattern"
        return False
    if token == "(":
        stack.append("(")
        return True
    if token == ")":
        while stack[-1] != "(":
            stack.pop()  # a case never closed (Bash's syntax error)
        stack.pop()
        return True
    return token not in ("<", ">") and stack[-1] not in ("pattern", "listed")


def bang_in_pipeline(text: str) -> bool:
    """Whether ``text`` holds a ``!`` word where a command after ``|`` or ``|&`` starts
    (``echo a | ! true``, in a ``$(...)`` too): Bash reads ``!`` only at a pipeline's
    start, and this is its syntax error. A ``!`` in a ``case`` pattern list (``a | !)``)
    is a pattern; a ``((...))`` is skipped (``(( 1 | ! 0 ))`` is arithmetic)."""
    if "!" not in text or "|" not in text:
        return False
    stack = ["("]  # as _substitution_close's
    command, after_pipe, skip_to = True, False, 0
    for kind, value, start, end in _tokens(text):
        if start < skip_to:
            continue
        if kind == "word":
            if after_pipe and value == "!":
                return True
            if "$(" in value and any(bang_in_pipeline(text[at + 2 : close - 1])
                                     for at, close in _substitutions(text, start, end)):
                return True
            after_pipe = False
            command = _substitution_word(stack, value, command)
        elif value == "(" and text[end : end + 1] == "(":
            skip_to = _closing_bracket(text, start, False, 1)  # arithmetic
            after_pipe = command = False
        elif value != "\n" or not after_pipe:  # a newline after a | reads on
            listed = stack[-1] in ("pattern", "listed")
            command = _substitution_operator(stack, value)
            stack = stack or ["("]  # a stray `)`: Bash's syntax error, read on
            after_pipe = value in ("|", "|&") and not listed
    return False


def _substitutions(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The spans of the command substitutions ``$(...)`` (not ``$((``) in ``text[start:
    end]``, bare or in double quotes."""
    for kind, at, close in sh_parts(text, start, end):
        if kind == "double":
            yield from ((i, j) for k, i, j in sh_parts(text, at + 1, close, quoted=True)
                        if k == "expansion" and text[i : i + 2] == "$("
                        and text[i + 2 : i + 3] != "(")
        elif kind == "expansion" and text[at : at + 2] == "$(" and text[at + 2 : at + 3] != "(":
            yield at, close


def _substitution_word(stack: list[str], word: str, command: bool) -> bool:
    """Follow the ``case`` statements of :func:`_substitution_close` through ``word`` (empty
    when quoted); whether a command starts after it."""
    top = stack[-1]
    if top == "word":
        stack[-1] = "in"
    elif top == "in":
        if word == "in":
            stack[-1] = "pattern"
        else:
            stack.pop()  # no case after all
    elif top == "pattern" and word == "esac":
        stack.pop()
    elif top == "pattern":
        stack[-1] = "listed"
    elif top == "listed":
        pass
    elif command and word == "case":
        stack.append("word")
    elif command and word == "esac" and top == "body":
        stack.pop()
    else:
        return command and word in _COMMAND_STARTERS
    return False


def braced_end(text: str, i: int) -> int | None:
    """The index after the ``}`` closing the ``${`` at ``text[i]`` (the first one outside
    quotes, escapes and nested substitutions, as Bash reads it), or None when none does."""
    return _bracket_close(text, i + 1, False, 0)


def _double_end(text: str, i: int, heredocs: bool, nesting: int) -> int:
    """The index after the ``"`` closing the double-quoted string whose body starts at
    ``text[i]``, or the text's length."""
    for kind, start, end in sh_parts(text, i, quoted=True, heredocs=heredocs, nesting=nesting):
        if kind == "plain" and text[start] == '"':
            return end
    return len(text)


def _quote_end(text: str, i: int, quote: str) -> int:
    """The index after the ``quote`` closing the backquoted command or ``$'...'`` string
    whose body starts at ``text[i]`` (an escaped one does not), or the text's length."""
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return len(text)


def quoted_body(text: str, kind: str, start: int, end: int) -> tuple[int, int]:
    """The span of a ``single``, ``ansi`` or ``double`` part's body: without its quotes
    (a quote never closed has none at the end)."""
    body_start = start + (2 if kind == "ansi" else 1)
    closer = '"' if kind == "double" else "'"
    closed = end > body_start and text[end - 1] == closer and (
        kind != "ansi" or not _escaped_at(text, body_start, end - 1))
    return body_start, end - 1 if closed else end


def _escaped_at(text: str, start: int, i: int) -> bool:
    """Whether an odd run of backslashes (from ``start``) precedes ``text[i]``."""
    run = 0
    while i - run - 1 >= start and text[i - run - 1] == "\\":
        run += 1
    return run % 2 == 1


#: ``$'...'``'s escapes that are one character (Bash's ANSI-C quoting).
_ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "?": "?",
                 "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}
_ANSI_NUMBER = re.compile(r"[0-7]{1,3}|x[0-9a-fA-F]{1,2}")


def ansi_c(body: str) -> str:
    """The value of a ``$'...'`` string's body: its backslash escapes decoded as Bash's
    (one character, octal ``\\nnn``, hex ``\\xHH``; a NUL ends it, as in Bash). Raises
    :class:`Unknown` for a number of 0x80 or more (a byte: ``$'\\xc3\\xa9'`` is é in UTF-8)
    and the other escapes (``\\u`` and ``\\U``, whose text depends on the locale,
    ``\\c``...)."""
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ANSI_ESCAPES:
            out.append(_ANSI_ESCAPES[nxt])
            i += 2
        elif (m := _ANSI_NUMBER.match(body, i + 1)) is not None:
            digits = m.group(0)
            code = int(digits[1:], 16) if digits[0] == "x" else int(digits, 8) % 256
            if code == 0:
                break  # Bash's strings end at a NUL: $'a\0b' is `a`
            if code >= 0x80:
                # a byte, not a character: $'\xc3\xa9' is é in UTF-8, and the text Bash
                # makes of bytes (a character, or invalid UTF-8) is not modelled
                raise Unknown(body)
            out.append(chr(code))
            i = m.end()
        else:
            raise Unknown(body)
    return "".join(out)


def heredoc_at(text: str, i: int) -> tuple[str, bool] | None:
    """A here-document operator at ``text[i]`` (``<<EOF``, ``<<-'EOF'``, ``<<\\EOF``, not
    ``<<<``): its delimiter (quotes removed) and whether leading tabs are stripped; else
    None."""
    if (i > 0 and text[i - 1] == "<") or text.startswith("<<<", i):
        return None
    m = _HEREDOC.match(text, i)
    if m is None:
        return None
    delimiter = next(g for g in m.group("single", "double", "bare") if g is not None)
    return re.sub(r"[\"'\\]", "", delimiter), bool(m.group("tabs"))


def heredoc_expands(text: str, i: int) -> bool:
    """Whether the here-document whose operator is at ``text[i]`` has its body expanded by
    Bash: its delimiter is not quoted (``<<EOF``, not ``<<'EOF'``, ``<<"EOF"``, ``<<\\EOF``)."""
    m = _HEREDOC.match(text, i)
    bare = None if m is None else m.group("bare")
    return bare is not None and not re.search(r"[\"'\\]", bare)


def heredoc_bodies_end(text: str, i: int, heredocs: list[tuple[str, bool]]) -> int:
    """The index after the bodies of ``heredocs`` (delimiter, tabs stripped) starting at
    ``text[i]``: each ends with a line holding only its delimiter; a body never ended runs
    to the end of the text, as in Bash (which warns)."""
    n = len(text)
    for delimiter, strip_tabs in heredocs:
        while i < n:
            end = n if (newline := text.find("\n", i)) < 0 else newline
            line = text[i:end].rstrip("\r")
            i = min(end + 1, n)
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                break
    return i


_SLEEP = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([smhd]?)$")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def split_words(text: str) -> list[str]:
    """The words of ``text``, split at blanks outside quotes and substitutions, as written
    (quotes kept). A redirection starts a word of its own, with its file if written
    against it (``hi>/dev/null``: ``hi``, ``>/dev/null``), but for an fd number before it
    (``2>&1``)."""
    words: list[str] = []
    start: int | None = None
    for kind, at, _ in sh_parts(text):
        if kind == "plain" and text[at] in BLANKS:
            if start is not None:
                words.append(text[start:at])
                start = None
        elif start is None:
            start = at
        elif kind == "plain" and _redirection_at(text, start, at):
            words.append(text[start:at])
            start = at
    if start is not None:
        words.append(text[start:])
    return words


def _redirection_at(text: str, start: int, at: int) -> bool:
    """Whether a redirection operator starts at ``text[at]``, inside the word begun at
    ``start`` (which then ends there): ``<`` or ``>`` (or ``&>``) not right after another
    and not after an fd number that is the whole word so far."""
    c = text[at]
    if c == "&":
        return text[at + 1 : at + 2] == ">" and text[at - 1] not in "<>"
    return (c in "<>" and text[at - 1] not in "<>&"
            and not ascii_digits(text[start:at]))


def strip_sudo(words: list[str]) -> list[str]:
    while words and words[0] == "sudo":
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[1:]
    return words


def sleep_seconds(arg: str) -> float:
    if arg.casefold() in ("inf", "infinity"):  # GNU sleep's: for ever (until killed)
        return math.inf
    m = _SLEEP.match(arg)
    if m is None:
        raise Unknown(arg)  # a float in C's other spellings (1e3, 0x10) is not interpreted
    return float(m.group(1)) * _UNIT[m.group(2)]


#: What ``test`` knows of the file system: the simulator has none, except the file it models.
#: ``/etc/environment`` is a regular file, readable, not executable (mode 644).
_KNOWN_FILES = {"/etc/environment": {"-e": True, "-f": True, "-r": True, "-d": False,
                                     "-x": False, "-L": False, "-h": False, "-b": False,
                                     "-c": False, "-p": False, "-S": False}}
_FILE_TESTS = frozenset({"-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-b", "-c",
                         "-p", "-S", "-g", "-u", "-k", "-O", "-G", "-N", "-a"})
_STRING_TESTS = frozenset({"-z", "-n"})
_UNARY = _FILE_TESTS | _STRING_TESTS | {"-t", "-v", "-o", "-R"}
_INTEGER = re.compile(r"^\s*[-+]?[0-9]+\s*$")
_NUMERIC = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__,
            "-gt": int.__gt__, "-ge": int.__ge__}
_BINARY = frozenset({"=", "==", "!=", "<", ">", "=~", "-nt", "-ot", "-ef", *_NUMERIC})
#: A ``=~`` pattern read the same by POSIX ERE and Python's ``re``: no backslashes, no
#: character classes (``[:alpha:]``), no ``(?`` extensions.
_PORTABLE_REGEX = re.compile(r"^(?!.*\[[:=.])(?!.*\(\?)[^\\]*$")


class TestError(Exception):
    """``test``'s own error (status 2, the message on standard error): an operand of
    ``-eq`` and the like that is no integer (``x: integer expression expected``)."""


class TestOperands(Protocol):
    """The words of a ``[[ ]]`` as its reader evaluates them: expanded only when reached, as
    Bash expands them (the interpreter's expansions)."""

    def value(self, j: int) -> str:
        """Word ``j``'s value."""
        ...

    def matches(self, subject: str, j: int) -> bool | None:
        """Whether ``subject`` matches word ``j`` read as a pattern (None: not known)."""
        ...

    def form(self, j: int) -> str:
        """How word ``j`` was written: ``bare``, ``quoted`` (one quoted string), ``mixed``."""
        ...

    def pure(self, j: int) -> bool:
        """Whether expanding word ``j`` can neither assign nor fail."""
        ...

    def integer(self, j: int) -> int:
        """Word ``j``'s value read as Bash's ``[[ ]]`` reads an operand of ``-eq`` and the
        like: an arithmetic expression (``[[ 010 -eq 8 ]]``, ``[[ x+1 -eq 2 ]]``)."""
        ...


@dataclass
class _Expanded:
    """The words of ``[ ]``/``test``, expanded before it runs: ``=`` compares strings."""

    args: list[str]

    def value(self, j: int) -> str:
        return self.args[j]

    def matches(self, subject: str, j: int) -> bool | None:
        return subject == self.args[j]

    def form(self, j: int) -> str:
        return "quoted"  # no =~ in [ ]

    def pure(self, j: int) -> bool:
        return True

    def integer(self, j: int) -> int:
        raise Unknown(self.args[j])  # `test` reads decimal integers: Test.numeric


def test_expression(args: list[str], operands: TestOperands | None) -> bool:
    """Evaluate ``[ args ]``/``test args`` (``args`` expanded) or, given the ``operands``,
    ``[[ args ]]`` (``args`` as written: an operator is one only where written bare, as
    Bash parses them; each operand expanded when reached, ``&&`` and ``||`` skipping a side
    as Bash does; ``==``'s right-hand side a pattern). Raises :class:`Unknown` for what it
    cannot evaluate (files other than ``/etc/environment``, ``-v``, ``<``..., Bash's syntax
    errors in ``[[ ]]``) and :class:`TestError` for ``test``'s errors."""
    test = _Test(args, operands)
    if not test.double and len(args) == 3 and args[1] in _BINARY | {"-a", "-o"}:
        value = test.binary(0)  # POSIX: three words with a binary operator in the middle
    elif not args:
        value = False
    else:
        value = test.or_expression()
        if test.i != len(args):
            raise Unknown(" ".join(args))
    if value is None:
        raise Unknown(" ".join(args))
    return value


class _Test:
    """A recursive-descent reading of a test expression, three-valued: None where the value
    cannot be known (``-a`` with a known false side is still false). In ``[[ ]]`` a side
    that ``&&``/``||`` skips is only read (``skipping``), and one after a side not known is
    evaluated only if its expansions can neither assign nor fail (``guessing``): Bash
    may not expand it."""

    def __init__(self, args: list[str], operands: TestOperands | None) -> None:
        self.args, self.double = args, operands is not None
        self.operands: TestOperands = _Expanded(args) if operands is None else operands
        self.and_op, self.or_op = ("&&", "||") if self.double else ("-a", "-o")
        self.i = 0
        self.skipping = 0
        self.guessing = 0

    def _at(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.args[j] if j < len(self.args) else None

    def or_expression(self) -> bool | None:
        value = self.and_expression()
        while self._at() == self.or_op:
            self.i += 1
            right = self.right_side(self.and_expression, value, decisive=True)
            value = True if value or right else None if None in (value, right) else False
        return value

    def and_expression(self) -> bool | None:
        value = self.not_expression()
        while self._at() == self.and_op:
            self.i += 1
            right = self.right_side(self.not_expression, value, decisive=False)
            value = False if value is False or right is False else (
                None if None in (value, right) else True)
        return value

    def right_side(self, read: Callable[[], bool | None], left: bool | None, *,
                   decisive: bool) -> bool | None:
        """The side after ``&&`` (``decisive`` False) or ``||`` (True): in ``[[ ]]``, Bash
        evaluates it only when ``left`` did not decide (``test`` evaluates both sides)."""
        if not self.double:
            return read()
        skip, guess = int(left is decisive), int(left is None)
        self.skipping += skip
        self.guessing += guess
        try:
            return read()
        finally:
            self.skipping -= skip
            self.guessing -= guess

    def not_expression(self) -> bool | None:
        if self._at() == "!" and self._at(1) is not None:
            self.i += 1
            value = self.not_expression()
            return None if value is None else not value
        return self.primary()

    def primary(self) -> bool | None:
        word = self._at()
        if word is None:
            raise Unknown(" ".join(self.args))
        if word == "(" and self._at(1) is not None:
            self.i += 1
            value = self.or_expression()
            if self._at() != ")":
                raise Unknown(" ".join(self.args))
            self.i += 1
            return value
        if word in _UNARY and self.double:
            # Bash's [[ reads a unary operator first: `[[ -n == x ]]`, `[[ -n ]]` are its
            # syntax errors
            return self.unary(word)
        if self._at(1) in _BINARY and self._at(2) is not None:
            return self.binary(self.i)
        if word in _UNARY and self._at(1) is not None:
            return self.unary(word)
        self.i += 1
        return None if self.skipping else self.value(self.i - 1) != ""

    def unary(self, op: str) -> bool | None:
        if self._at(1) is None:
            raise Unknown(op)  # `[[ -n ]]`: Bash's syntax error
        self.i += 2
        return None if self.skipping else _unary(op, self.value(self.i - 1))

    def binary(self, j: int) -> bool | None:
        op = self.args[j + 1]
        self.i = j + 3
        if self.skipping:
            return None
        if op in ("-a", "-o"):  # [ A -a B ]: both / either non-empty
            left, right = self.args[j], self.args[j + 2]
            return (left != "" and right != "") if op == "-a" else (left != "" or right != "")
        if op in _NUMERIC and self.double:  # arithmetic expressions, each in turn
            left_value = self.integer(j)
            return bool(_NUMERIC[op](left_value, self.integer(j + 2)))
        left = self.value(j)
        if op in _NUMERIC:
            return self.numeric(op, left, self.value(j + 2))
        if op == "=~" and self.double:
            return _regex_match(left, self.value(j + 2), self.operands.form(j + 2))
        if op in ("=", "==", "!="):
            same = self.matches(left, j + 2)
            return None if same is None else same == (op != "!=")
        return None  # <, >, -nt, -ot, -ef: not evaluated

    def numeric(self, op: str, left: str, right: str) -> bool | None:
        """``test``'s ``-eq`` and the like: decimal integers (spaces around allowed)."""
        if not (_INTEGER.match(left) and _INTEGER.match(right)
                and fits_int64(left) and fits_int64(right)):
            wrong = left if not (_INTEGER.match(left) and fits_int64(left)) else right
            raise TestError(f"{wrong}: integer expression expected")
        return bool(_NUMERIC[op](int(left), int(right)))

    def value(self, j: int) -> str:
        self.guard(j)
        return self.operands.value(j)

    def integer(self, j: int) -> int:
        self.guard(j)
        if self.guessing and not _INTEGER.match(self.operands.value(j)):
            raise Unknown(self.args[j])  # `i++`: Bash may not evaluate it, nor assign
        return self.operands.integer(j)

    def matches(self, subject: str, j: int) -> bool | None:
        self.guard(j)
        return self.operands.matches(subject, j)

    def guard(self, j: int) -> None:
        """After a side not known, Bash may expand word ``j`` or not: one whose expansion
        may assign or fail is not known (nor is what it assigns)."""
        if self.guessing and not self.operands.pure(j):
            raise Unknown(self.args[j])


def _unary(op: str, operand: str) -> bool | None:
    if op in _STRING_TESTS:
        return (operand == "") == (op == "-z")
    if op in _FILE_TESTS:
        return _KNOWN_FILES.get(operand, {}).get("-e" if op == "-a" else op)
    return None  # -t (a terminal), -v (a variable set), -o (a shell option): not evaluated


def _regex_match(text: str, pattern: str, form: str) -> bool | None:
    """``[[ text =~ pattern ]]``: an extended regular expression unless quoted (a quoted
    pattern matches as a plain substring). Not interpreted (None), where POSIX's reading,
    or the locale's, is not Python's: a text or a pattern not ASCII (``.`` takes a
    character in a UTF-8 locale, a byte in C's: ``[[ é =~ ^.$ ]]`` is true in one, false
    in the other), a ``{`` opening no interval (``a{1``, ``{``: glibc's error, status 2;
    Python reads the letter), a ``$`` with a text ending in a newline (Python's ``$``
    matches before it, POSIX's only at the end), an interval glibc refuses where Python
    does not (a count above RE_DUP_MAX, 32,767, ``a{1,40000}``, or a minimum above the
    maximum, ``a{3,1}``: status 2); a ``.`` takes a newline, as POSIX's does. Nor is a
    repeated group, which could backtrack for ages."""
    if form == "quoted":
        return pattern in text
    if (form != "bare" or not _PORTABLE_REGEX.match(pattern) or may_backtrack(pattern)
            or not (pattern.isascii() and text.isascii())
            or ("{" in pattern and (_BRACES.sub("", pattern).count("{")
                                    or not all(map(_glibc_interval, _BRACES.findall(pattern)))))
            or ("$" in pattern and text.endswith("\n"))):
        return None
    try:
        return re.search(pattern, text, re.DOTALL) is not None
    except (re.error, OverflowError):  # a{1,99999999999}: OverflowError
        return None


#: A ``{`` opening an interval of a regular expression: ``{2}``, ``{2,}``, ``{2,5}``, ``{,5}``.
_BRACES = re.compile(r"\{(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)\}")
#: glibc's RE_DUP_MAX: the largest count of an interval it compiles.
_RE_DUP_MAX = 0x7FFF


def _glibc_interval(interval: str) -> bool:
    """Whether glibc compiles the interval ``{m,n}`` (matched by :data:`_BRACES`): each
    count at most RE_DUP_MAX, the minimum not above the maximum."""
    low, _, high = interval[1:-1].partition(",")
    # read as digits first: int() of thousands of digits is refused
    counts = [int(c) if len(c.lstrip("0")) <= 6 else _RE_DUP_MAX + 1 for c in (low, high)
              if c]
    if any(count > _RE_DUP_MAX for count in counts):
        return False
    return not (low and high and counts[0] > counts[1])


#: The one-character escapes of ``echo -e`` and of printf's format (Bash's).
_ECHO_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
                 "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_FORMAT_ESCAPES = {**_ECHO_ESCAPES, '"': '"', "'": "'", "?": "?"}
#: A number escape: ``echo -e``'s ``\0nnn`` (a 0 and up to three octal digits), printf's
#: ``\nnn`` (one to three), both ``\xHH`` (one or two hex digits).
_ECHO_NUMBER = re.compile(r"0[0-7]{0,3}|x[0-9a-fA-F]{1,2}")
_FORMAT_NUMBER = re.compile(r"[0-7]{1,3}|x[0-9a-fA-F]{1,2}")


def unescape(text: str, *, echo: bool = True) -> str:
    """``text`` with the backslash escapes Bash's ``echo -e`` (``echo``) or printf's format
    reads decoded, in one pass from the left (``a\\\\tb`` is ``a\\tb``): ``\\a \\b \\e \\E \\f
    \\n \\r \\t \\v \\\\``, ``\\0nnn`` (echo) or ``\\nnn`` (printf), ``\\xHH``; printf's also
    ``\\"``, ``\\'``, ``\\?``. Any other backslash stays, as it does in Bash (echo's
    ``\\101``, printf's ``\\c``). Raises :class:`Unknown` for a byte of 0x80 or more or a
    NUL (what the task log makes of them is not modelled), ``\\u``/``\\U`` with hex digits
    (their text depends on the locale) and echo's ``\\c``, which ends the output without its
    newline (a line the next output goes on: not modelled)."""
    if "\\" not in text:
        return text
    escapes, number = (_ECHO_ESCAPES, _ECHO_NUMBER) if echo else (_FORMAT_ESCAPES,
                                                                   _FORMAT_NUMBER)
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        nxt = text[i + 1 : i + 2]
        if c != "\\" or not nxt:
            out.append(c)
            i += 1
        elif nxt in escapes:
            out.append(escapes[nxt])
            i += 2
        elif (m := number.match(text, i + 1)) is not None:
            digits = m.group(0)
            code = int(digits[1:], 16) if digits[0] == "x" else int(digits or "0", 8) % 256
            if code == 0 or code >= 0x80:
                raise Unknown(text)  # a NUL, or a byte: not modelled
            out.append(chr(code))
            i = m.end()
        elif (nxt in "uU" and re.match("[0-9a-fA-F]", text[i + 2 : i + 3])) or (
                echo and nxt == "c"):
            raise Unknown(text)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def printf_text(fmt: str, args: list[str]) -> str:
    """The text ``printf FORMAT ARGS...`` prints: ``%s``, ``%c``, ``%d``/``%i``/``%u``,
    ``%x``/``%X``/``%o``, ``%f``/``%e``/``%g`` with flags (``-+ 0``), width and precision;
    the format's escapes (:func:`unescape`). As printf does, the format is used again while
    arguments remain, and a missing argument is empty (0 for a number). Raises
    :class:`Unknown` for anything else (``%b``, ``*`` widths, ``#``, a number that is not
    one, which printf reports as an error)."""
    out: list[str] = []
    k = 0
    while True:
        used, at = 0, 0
        for m in _CONVERSION.finditer(fmt):
            out.append(unescape(fmt[at : m.start()], echo=False))
            at = m.end()
            if m.group(0) == "%%":
                out.append("%")
                continue
            out.append(_convert(m, args[k] if k < len(args) else None))
            k, used = k + 1, used + 1
        out.append(unescape(fmt[at:], echo=False))
        if k >= len(args) or not used:
            break
    return "".join(out)


_CONVERSION = re.compile(r"%(?P<flags>[-+ 0#*]*)(?P<width>[0-9*]*)(?:\.(?P<precision>[0-9*]*))?"
                         r"(?P<kind>.)", re.DOTALL)
_FLOAT = re.compile(rf"^(?:{DECIMAL_NUMBER.pattern})$")


def _convert(m: re.Match[str], arg: str | None) -> str:
    """One printf conversion of ``arg`` (None: missing)."""
    flags, width, precision, kind = m.group("flags", "width", "precision", "kind")
    if "#" in flags or "*" in flags + width + (precision or ""):
        raise Unknown(m.group(0))
    if any(len(n) > 5 or int(n) > _PRINTF_FIELD for n in (width, precision or "") if n):
        raise Unknown(m.group(0))
    spec = "%" + flags + width + ("" if precision is None else "." + precision)
    if kind == "c":
        value = (arg or "")[:1]
        if not value or not value.isascii():
            raise Unknown(m.group(0))  # Bash prints a NUL byte, or the character's first byte
        return (spec + "s") % value
    if kind == "s":
        return _padded(spec, arg or "")
    if kind in "diuxXo":
        if arg and (not _INTEGER.match(arg) or not fits_int64(arg)
                    or (kind in "uxXo" and "-" in arg)):
            # not a number, one Bash clamps to 64 bits, or a negative one read unsigned
            raise Unknown(arg)
        return (spec + ("d" if kind in "iu" else kind)) % int(arg or "0")
    if kind in "feEgG":
        if arg and not _FLOAT.match(arg):
            raise Unknown(arg)
        return (spec + kind) % float(arg or "0")
    raise Unknown(m.group(0))


def _padded(spec: str, value: str) -> str:
    """``%s`` with ``spec``'s flags, width and precision, which Bash counts in bytes (in
    the C.UTF-8 locale too): a non-ASCII value is padded by its UTF-8 length, and one that
    the precision would cut inside a character (Bash prints the bytes before, not UTF-8)
    raises :class:`Unknown`."""
    if value.isascii() or spec == "%":
        return (spec + "s") % value
    encoded = value.encode("utf-8", "surrogateescape")
    try:
        return ((spec + "s") % encoded.decode("latin-1")).encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        raise Unknown(value) from None


def dequote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# -- case statements ----------------------------------------------------------------------------
#: Reserved words after which a command starts (so a ``case`` there opens a statement).
_COMMAND_STARTERS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{",
                               "time"})
_CASE_ENDS = frozenset({";;&", ";;", ";&"})
_OPERATOR = re.compile(r";;&|;;|;&|&&|\|\||\|&|[;&|()<>\n]")


@dataclass
class CaseClause:
    """One ``pattern|pattern) body ;;`` of a ``case``: its patterns as written, its body's
    text and how it ends (``;;``; ``;&`` runs the next body too; ``;;&`` tests the next
    patterns)."""

    patterns: list[str]
    body: str
    terminator: str = ";;"


@dataclass
class CaseStatement:
    """A ``case WORD in ... esac`` found in a text: where it starts and ends, its word as
    written and its clauses; ``broken`` when it is not well formed (no ``in``, no
    ``esac``)."""

    start: int
    end: int = -1
    word: str = ""
    clauses: list[CaseClause] = field(default_factory=list)
    broken: bool = False


def case_statements(text: str) -> tuple[str, list[CaseStatement]]:
    """The ``case`` statements of ``text`` (the outermost ones, in order) and the text with
    an opening ``(`` before each pattern list written without one (``a|b)`` becomes
    ``(a|b)``, which Bash also accepts), so that brackets balance for the statement
    splitter. Positions are in the returned text."""
    if "case" not in text:
        return text, []
    scanner = _CaseScanner(text)
    scanner.scan()
    return scanner.balanced(), scanner.found


@dataclass
class _OpenCase:
    """A ``case`` being read: ``state`` is ``word``, ``in``, ``pattern`` (a pattern list
    or ``esac`` comes), ``body`` or ``broken``."""

    statement: CaseStatement | None  # the outermost case only
    state: str = "word"
    patterns: list[str] = field(default_factory=list)
    pattern_start: int | None = None  # where the pattern being read starts
    body_start: int = 0


class _CaseScanner:
    """Reads words and operators, quote-aware, following each ``case`` through its word,
    ``in``, its pattern lists, its bodies and its ``esac``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.insertions: list[int] = []  # where a "(" goes
        self.found: list[CaseStatement] = []
        self.open: list[_OpenCase] = []

    def scan(self) -> None:
        command_start = True
        for kind, value, start, end in _tokens(self.text):
            top = self.open[-1] if self.open else None
            if top is not None and top.state == "word":
                if kind == "word" and top.statement is not None:
                    top.statement.word = value
                top.state = "in" if kind == "word" else "broken"
            elif top is not None and top.state == "in":
                if value != "\n":
                    top.state = "pattern" if (kind, value) == ("word", "in") else "broken"
            elif top is not None and top.state == "pattern":
                command_start = self.pattern(top, kind, value, start, end)
            else:
                command_start = self.command(top, kind, value, start, end, command_start)
        while self.open:
            self.open[-1].state = "broken"
            self.close(len(self.text))

    def pattern(self, top: _OpenCase, kind: str, value: str, start: int, end: int) -> bool:
        """A token where a pattern list (or ``esac``) is read; True when a command starts
        next (the body, after the list's ``)``)."""
        if top.pattern_start is None:
            if value == "\n":
                return False
            if (kind, value) == ("word", "esac"):
                self.close(end)
                return False
            if (kind, value) == ("op", "("):
                top.pattern_start = end
                return False
            self.insertions.append(start)
            top.pattern_start = start
        if (kind, value) == ("op", ")"):
            top.patterns.append(self.text[top.pattern_start : start].strip())
            top.state, top.body_start = "body", end
            return True
        if (kind, value) == ("op", "|"):
            top.patterns.append(self.text[top.pattern_start : start].strip())
            top.pattern_start = end
        elif kind == "op":
            top.state = "broken"  # `(` inside a pattern (extglob) and the like
        return False

    def command(self, top: _OpenCase | None, kind: str, value: str, start: int, end: int,
                command_start: bool) -> bool:
        """A token of a command (in a case body or not); True when a command starts next."""
        if kind == "op":
            if top is not None and top.state == "body" and value in _CASE_ENDS:
                self.end_clause(top, start, value)
            return value not in ("<", ">")
        if command_start and value == "case":
            statement = None if self.open else CaseStatement(start)
            if statement is not None:
                self.found.append(statement)
            self.open.append(_OpenCase(statement))
            return False
        if command_start and value == "esac" and top is not None:
            if top.state == "body":
                self.end_clause(top, start, None)
            self.close(end)
            return False
        return value in _COMMAND_STARTERS

    def end_clause(self, top: _OpenCase, at: int, terminator: str | None) -> None:
        if top.statement is not None:
            top.statement.clauses.append(CaseClause(
                top.patterns, self.text[top.body_start : at], terminator or ";;"))
        top.patterns, top.pattern_start, top.state = [], None, "pattern"

    def close(self, end: int) -> None:
        top = self.open.pop()
        if top.statement is not None:
            top.statement.end = end
            top.statement.broken = top.state == "broken"

    def balanced(self) -> str:
        if not self.insertions:
            return self.text
        out: list[str] = []
        at = 0
        for where in self.insertions:
            out.extend([self.text[at:where], "("])
            at = where
        out.append(self.text[at:])
        for case in self.found:
            case.start += sum(1 for w in self.insertions if w < case.start)
            case.end += sum(1 for w in self.insertions if w < case.end)
        return "".join(out)


def _tokens(text: str) -> Iterator[tuple[str, str, int, int]]:
    """The words (as written) and operators of sh ``text``: (kind, value, start, end)."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\n" and c in BLANKS:
            i += 1
            continue
        if op := _OPERATOR.match(text, i):
            yield "op", op.group(), i, op.end()
            i = op.end()
            continue
        end = _word_end(text, i)
        yield "word", text[i:end], i, end
        i = end


def _word_end(text: str, i: int) -> int:
    """The index after the word starting at ``text[i]`` (quotes, escapes, ``$(...)``,
    ``${...}`` and backquotes are part of it)."""
    for kind, start, _ in sh_parts(text, i):
        if kind == "plain" and _ends_word(text[start]):
            return start
    return len(text)


#: What starts an extended glob before a ``(``: ``@(a|b)``, ``*(a)``, ``+(a)``, ``?(a)``, ``!(a)``.
_EXTGLOB = frozenset("@*+?!")
#: :func:`glob_atoms`' atom for ``*``: any text. No other atom is this (a character is escaped,
#: a bracket expression starts with ``[``).
GLOB_STAR = ".*"


def glob_atoms(pattern: str) -> list[str]:
    """The regular expressions of the unquoted glob ``pattern``'s parts, as a ``case``
    pattern reads them: one for each character, ``?``, bracket expression (``[!...]``/``[^...]``
    negated; a ``[`` never closed is itself) and ``*`` (:data:`GLOB_STAR`). Raises
    :class:`Unknown` for character classes (``[:alpha:]``) and extended globs (``@(...)``,
    ``*(...)``...: ``[[ ]]`` reads them, and ``shopt -s extglob``, not followed, turns them
    on elsewhere)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c in _EXTGLOB and pattern[i + 1 : i + 2] == "(":
            raise Unknown(pattern)
        if c == "*":
            out.append(GLOB_STAR)
        elif c == "?":
            out.append(".")
        elif c == "[" and (close := _bracket_end(pattern, i)) is not None:
            out.append(_bracket_regex(pattern, pattern[i + 1 : close]))
            i = close
        else:
            out.append(re.escape(c))
        i += 1
    return out


def _bracket_regex(pattern: str, inner: str) -> str:
    """The character set of the bracket expression ``[inner]`` of ``pattern`` (Unknown for
    a class, ``[:alpha:]``, ``[=a=]``, ``[.a.]``)."""
    if "[:" in inner or "[=" in inner or "[." in inner:
        raise Unknown(pattern)
    if inner[:1] in ("!", "^"):
        return "[^" + _bracket_members(inner[1:]) + "]"
    return "[" + _bracket_members(inner) + "]"


def _bracket_members(body: str) -> str:
    """A bracket expression's members as a regular expression's set, read as Bash reads
    them: a character, ``-`` and another character is a range (``[--a]`` too); any other
    ``-`` is itself (``[a-]``, ``[a-c-e]``). Every character is escaped: Python reads ``[``,
    ``&&``, ``--``, ``||``, ``~~`` in a set otherwise."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        if body[i + 1 : i + 2] == "-" and i + 2 < n:
            out.append(re.escape(body[i]) + "-" + re.escape(body[i + 2]))
            i += 3
        else:
            out.append(re.escape(body[i]))
            i += 1
    return "".join(out)


def trim_glob(value: str, glob: re.Pattern[str], op: str) -> str:
    """``${X#p}`` (``op`` ``#``), ``${X##p}``, ``${X%p}``, ``${X%%p}``: ``value`` without
    its shortest or longest prefix (``#``) or suffix (``%``) that ``glob`` matches whole;
    ``value`` itself when none does."""
    n = len(value)
    if op[0] == "#":
        ends = range(n, -1, -1) if op == "##" else range(n + 1)
        for end in ends:
            if glob.fullmatch(value, 0, end):
                return value[end:]
    else:
        starts = range(n + 1) if op == "%%" else range(n, -1, -1)
        for start in starts:
            if glob.fullmatch(value, start, n):
                return value[:start]
    return value


def replace_glob(value: str, glob: re.Pattern[str], where: str, replacement: str) -> str:
    """``${X/p/s}`` (``where`` ''), ``${X//p/s}`` (``/``), ``${X/#p/s}`` (``#``),
    ``${X/%p/s}`` (``%``): the first, every, a leading or a trailing longest match of
    ``glob`` (one ``*`` at most: Python's greedy match is then the longest) replaced."""
    n = len(value)
    if where == "#":
        m = glob.match(value)
        return value if m is None else replacement + value[m.end() :]
    if where == "%":
        for start in range(n + 1):
            if glob.fullmatch(value, start, n):
                return value[:start] + replacement
        return value
    out: list[str] = []
    i = 0
    while i < n:
        m = glob.match(value, i)
        if m is None or m.end() == i:
            out.append(value[i])
            i += 1
            continue
        out.append(replacement)
        i = m.end()
        if where != "/":
            out.append(value[i:])
            break
    return "".join(out)


def _bracket_end(pattern: str, i: int) -> int | None:
    """The index of the ``]`` closing the bracket expression at ``pattern[i]`` (a ``]``
    first, after an optional ``!``/``^``, is a member), or None."""
    j = i + 1
    if pattern[j : j + 1] in ("!", "^"):
        j += 1
    if pattern[j : j + 1] == "]":
        j += 1
    close = pattern.find("]", j)
    return None if close < 0 else close
