"""PowerShell's parse error: whether PowerShell's parser may refuse a script, or Windows
PowerShell and PowerShell 7 read it differently (:func:`_refused`), and what Windows
PowerShell alone refuses, PowerShell 7's operators (:func:`_core_only`). Such a script never
starts, so the interpreter (:mod:`._ps_exec`) runs none of it. Read from the text alone, in
every block, run or not."""

from __future__ import annotations

import functools
import re

from octosim.model.scripts._ps_lex import _PS_DASH
from octosim.model.scripts._ps_parse import (
    _COMMAND_NAME,
    _EXPRESSION_START,
    _OPERATOR_NAMES,
    _PIPELINE_KEYWORD,
    _code,
    _leading_pipe,
    _reads_on,
    _statements,
)
from octosim.model.scripts._running import ascii_digits, top_level, unquoted

__all__: list[str] = []


@functools.lru_cache(maxsize=512)  # as many bodies as _statements remembers
def _refused(body: str, desktop: bool = False) -> bool:
    """Whether PowerShell's parser may refuse the script ``body``, which then never starts
    (PowerShell parses a whole script before it runs any of it; the step fails with the
    parse error): a statement of any block, run or not, that Windows PowerShell or
    PowerShell 7 refuses (see :func:`_refused_statement`), and with ``desktop`` (the script
    runs on Windows PowerShell 5.1) one using what only PowerShell 7 reads
    (:func:`_core_only`). Such a script is not interpreted whole: nothing of it is printed,
    as for Bash's syntax error."""
    text = _code(body)
    hinted = f"\n{text}\n;"  # the script's start and end as a line's and a statement's
    if _DRIVE_COLON.search(text) and _invalid_drive_reference(text):
        return True
    core = desktop and _CORE_HINT.search(text) is not None
    if not core and not any(hint.search(hinted) for hint in _REFUSAL_HINTS):
        return False  # most scripts: no statement can be refused
    # the script, then every bracket's body but ${name}'s, a hashtable's (its entries are
    # key = statement: the simulator splits them as commands) and [type]'s
    blocks = [text]
    stack: list[int] = []
    for i in unquoted(text, escape="`", single_doubles=True):
        c = text[i]
        if c in "({":
            stack.append(-1 if c == "{" and text[i - 1 : i] in ("$", "@") else i)
        elif c in ")}" and stack:
            start = stack.pop()
            if start >= 0:
                blocks.append(text[start + 1 : i])
    split = _statements.__wrapped__  # uncached: these bodies are never run as they are
    return any(_refused_statement(s) or (core and _core_only(s))
               for block in blocks for s in split(block))


def _invalid_drive_reference(text: str) -> bool:
    """Whether a double-quoted string (or an expandable here-string) of the script ``text``
    holds ``$name:`` followed by no variable name's character nor another ``:``
    (``"$x: up"``, ``"$x:"``): PowerShell's tokenizer reads a drive-qualified name there
    and refuses it, InvalidVariableReferenceWithDrive ("Variable reference is not valid.
    ':' was not followed by a valid variable name character. Consider using ${} to delimit
    the name."). The strings are the gaps between the script's unquoted characters."""
    previous = -1
    for i in [*unquoted(text, escape="`", single_doubles=True), len(text)]:
        start, previous = previous + 1, i
        if i == start or text[start] not in '"@':
            continue  # no gap, or a single-quoted string, an escape
        body = text[start + (2 if text[start] == "@" else 1) : i]
        if any(_escapes_before(body, m.start()) % 2 == 0 for m in _DRIVE_COLON.finditer(body)):
            return True
    return False


def _escapes_before(text: str, i: int) -> int:
    """How many backticks stand right before ``text[i]``."""
    return i - len(text[:i].rstrip("`"))


def _core_only(text: str) -> bool:
    """Whether the statement ``text`` uses what PowerShell 7 reads and Windows PowerShell's
    parser refuses: a pipeline chain, ``&&`` or ``||`` (5.1: "The token '&&' is not a valid
    statement separator in this version.", and ``||`` an empty pipe element), or, in an
    expression, the operators ``??``, ``??=``, ``?.``, ``?[`` and ``a ? b : c`` (5.1:
    "Unexpected token"), a ``?`` after no variable name's character (``$x?`` is the
    variable ``x?`` in both). In command mode ``??`` is an argument in both; after ``--%``
    nothing is read."""
    if "--%" in text:
        return False
    if ("&&" in text or "||" in text) and any(
            text.startswith(("&&", "||"), i)
            for i in top_level(text, escape="`", single_doubles=True)):
        return True
    return "?" in text and any(_core_operator(e) for e in _expressions(text))


def _expressions(text: str) -> list[str]:
    """The parts of the statement ``text`` PowerShell reads in expression mode, in its first
    pipeline element (a later one is a command): each side of its assignments that starts
    as an expression does (past ``return``/``throw``/``exit``), as
    :func:`_command_text` reads them."""
    first = next((i for i in top_level(text, escape="`", single_doubles=True)
                  if text[i] == "|"), len(text))
    text = text[:first].strip()
    parts: list[str] = []
    while True:
        keyword = _PIPELINE_KEYWORD.match(text)
        if keyword:
            text = text[keyword.end() :]
        if not text or not (text[0] in _EXPRESSION_START or ascii_digits(text[0])):
            return parts  # a command: its operators are arguments
        assigned = next((i for i in top_level(text, escape="`", single_doubles=True)
                         if text[i] == "="), None)
        if assigned is None:
            return [*parts, text]
        parts.append(text[:assigned])
        text = text[assigned + 1 :].strip()


def _core_operator(expression: str) -> bool:
    """Whether ``expression`` has, outside quotes and brackets, a ``?`` after no variable
    name's character: PowerShell 7's ``??``, ``?.``, ``?[`` or ternary."""
    return any(expression[i] == "?" and not (
        i > 0 and (expression[i - 1].isalnum() or expression[i - 1] in "_?$:"))
        for i in top_level(expression, escape="`", single_doubles=True))


def _refused_statement(text: str) -> bool:
    """Whether PowerShell's parser refuses the statement ``text`` (its comments removed),
    or the two editions read it differently: a line starting with ``|`` (PowerShell 7
    joins it to the pipeline before, past comments, Tokenizer.IsPipeContinuation; Windows
    PowerShell, and 7 after a blank line or a ``;``, refuse it: 'An empty pipe element is
    not allowed'), a statement that ends (at a ``;``, a bracket's end or the script's)
    where the parser reads on for an operand (see :func:`._ps_parse._reads_on`:
    ``$x = 1 +``, ``'a',``, ``a |``), a comma followed by a ``|`` or ``&`` (no operand:
    ArrayLiteralRule, GetCommandArgument), and in command mode a comma followed by another
    or right after the command's name (GetCommandArgument's MissingExpression, CommandRule's
    MissingArgument: ``Write-Host 'a',,'b'``, ``Write-Host ,'a'``; in expression mode a
    unary comma, ``'a',,'b'`` an array holding an array). After ``--%`` (verbatim
    arguments) no comma is read."""
    if ("|" in text and _leading_pipe(text)) or _reads_on(text):
        return True
    if "," not in text or "--%" in text:
        return False
    element = 0  # where the current command of a pipeline or chain starts
    for i in top_level(text, escape="`", single_doubles=True):
        c = text[i]
        if c == "|" or text.startswith("&&", i):
            element = i + 1
        elif c == ",":
            after = text[i + 1 :].lstrip()[:1]
            if after in ("|", "&"):
                return True
            command = _command_text(text[element:i].strip())
            if command is not None and (after == "," or _COMMAND_NAME.fullmatch(command)):
                return True
    return False


def _command_text(text: str) -> str | None:
    """The command the pipeline element ``text`` (stripped, up to a comma) runs, past
    assignments and a ``return``/``throw``/``exit``, as
    :func:`._ps_parse._expression_reads_on` reads it; None for an expression, or a command
    holding a ``=`` (a DSC resource's property block reads ``Name = value`` as a hashtable
    does)."""
    while True:
        keyword = _PIPELINE_KEYWORD.match(text)
        if keyword:
            text = text[keyword.end() :]
        if not text:
            return None
        assigned = next((i for i in top_level(text, escape="`", single_doubles=True)
                         if text[i] == "="), None)
        if not (text[0] in _EXPRESSION_START or ascii_digits(text[0])):
            return text if assigned is None else None
        if assigned is None:
            return None
        text = text[assigned + 1 :].strip()


#: ``$name:`` followed by no variable name's character (letters, digits, ``_``, ``?``) nor
#: another ``:``: see :func:`_invalid_drive_reference`.
_DRIVE_COLON = re.compile(r"\$[\w?]+:(?![\w?:])")
#: Where a statement :func:`_core_only` finds may be: ``&&``, ``||`` or ``?``.
_CORE_HINT = re.compile(r"&&|\|\||\?")
#: Where a statement :func:`_refused_statement` refuses may be (hints, read with neither
#: quotes nor brackets, searched in the script between a newline and a ``;``: only where one
#: matches are the script's blocks split to look): a ``|`` first on a line or after ``;``,
#: ``{``, ``(``; an operator before a statement's or a block's end; a comma before a comma,
#: ``|`` or ``&``; a plain word, maybe a command's name, before one. Apart, as one pattern
#: of alternatives is slower than their searches in turn.
_REFUSAL_HINTS = tuple(re.compile(hint) for hint in (
    r"[\n;{(][ \t]*\|",
    rf"[{_PS_DASH},|&=+*/%!.?]\s*[;)}}]",
    rf"[{_PS_DASH}](?i:{'|'.join(sorted(_OPERATOR_NAMES))})\s*[;)}}]",
    r",\s*[,|&]",
    r"[\n;{(|=][ \t]*(?:(?:return|throw|exit)\s+)?[A-Za-z_][\w.-]*[ \t]*,",
))
