"""PowerShell's statements read from their text alone: a block split into statements (where
a statement goes on past a new line, as PowerShell's parser reads on), what kind each is
(:func:`_parse`), and the parts of the compound ones (``if``, ``switch``, the loops,
``try``/``catch`` with the .NET exception types the simulator knows, a function's definition
and its parameters). Pure functions of the text, memoised where a script's run reads the same
text again; the interpreter (:mod:`._ps_exec`) runs what they find, and :mod:`._ps_refuse`
looks in them for what PowerShell's parser refuses."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from string import ascii_letters
from typing import Literal, NamedTuple

from octosim.model.scripts._ps_expr import (
    _COMMA,
    _COMPARISONS,
    _SPACE,
    _UNARY_TEXT,
    _closing,
    _double_end,
    _single_end,
    _top_level_at,
    _unary_minus,
    _words,
)
from octosim.model.scripts._ps_lex import _PS_DASH, _PS_DQ, _PS_SQ
from octosim.model.scripts._ps_platform import _SECURITY_PROTOCOL_SET
from octosim.model.scripts._running import (
    Unknown,
    ascii_digits,
    split_top,
    strip_comments,
    top_level,
)

__all__: list[str] = []

_CONTINUED = re.compile(r"`\r?\n")
_ELSE_AHEAD = re.compile(r"\s*(?:else|elseif)\b", re.IGNORECASE)
_ASSIGN = re.compile(
    r"^(?:\[(?P<cast>string|int|int32|int64|long)\]\s*(?=\$\w+\s*=))?"
    r"\$(?:\{env:(?P<braced>[^}]+)\}|env:(?P<env>\w+)"
    r"|(?:(?P<scope>global|script|local|private):)?(?P<var>\w+))\s*=(?!=)\s*(?P<rhs>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DOTNET_ENV = re.compile(
    r"^\[(?:System\.)?Environment\]::(?P<method>GetEnvironmentVariable|SetEnvironmentVariable)"
    r"\s*\((?P<args>.*)\)$", re.IGNORECASE | re.DOTALL,
)
# Compiled once: these run for every statement of every script (re's own cache looks a
# pattern up by its flags too, which costs more than the match).
_IF = re.compile(r"if\s*\(", re.IGNORECASE)
_ELSEIF = re.compile(r"elseif\b", re.IGNORECASE)
_ELSE = re.compile(r"else\s*\{", re.IGNORECASE)

# -- try/catch, functions, foreach ------------------------------------------------------------
_TRY = re.compile(r"try\s*\{", re.IGNORECASE)
_CATCH = re.compile(r"catch(?![\w-])\s*", re.IGNORECASE)
_CATCH_TYPE = re.compile(r"\[\s*([\w.]+)\s*\]\s*(?:,\s*)?")
_FINALLY = re.compile(r"finally\s*\{", re.IGNORECASE)
#: ``catch``/``finally`` on the line after a ``}`` continue its ``try``.
_CATCH_AHEAD = re.compile(r"\s*(?:catch|finally)(?![\w-])", re.IGNORECASE)
#: A ``{`` on the line after a statement's header (``try``, ``function Name``, ``if (...)``)
#: opens its block: PowerShell reads on.
_BRACE_AHEAD = re.compile(r"\s*\{")
_HEADER = re.compile(r"(?:if|elseif|else|foreach|for|while|do|switch|function|filter|try"
                     r"|catch|finally)(?![\w-])", re.IGNORECASE)
_FUNCTION = re.compile(r"(?P<kind>function|filter|workflow)\s+"
                       r"(?:(?P<scope>global|script|local|private):)?(?P<name>[^\s({]+)\s*",
                       re.IGNORECASE)
_FOREACH = re.compile(r"foreach\s*\(", re.IGNORECASE)
_WHILE = re.compile(r"while\s*\(", re.IGNORECASE)
_FOR = re.compile(r"for\s*\(", re.IGNORECASE)
_DO = re.compile(r"do\s*\{", re.IGNORECASE)
_SWITCH = re.compile(r"switch(?P<flags>(?:\s+-\w+)*)\s*\(", re.IGNORECASE)
#: A ``do { }`` loop's condition: ``while (...)`` or ``until (...)``, on its line or the next.
_DO_CONDITION = re.compile(r"\s*(?P<kind>while|until)\s*\(", re.IGNORECASE)
#: ``$x += v``, ``$x -= v``, ``$x++``, ``$x--`` (a statement of its own).
_COMPOUND = re.compile(
    r"\$(?:(?P<scope>global|script|local):)?(?P<var>\w+)\s*"
    r"(?:(?P<op>[-+*/%])=(?!=)\s*(?P<rhs>.+)|(?P<step>\+\+|--))$", re.IGNORECASE | re.DOTALL)
#: ``++$x``, ``--$x`` (a statement of its own).
_PREFIX_STEP = re.compile(r"(?P<step>\+\+|--)\s*\$(?P<var>(?:(?:global|script|local):)?\w+)\s*",
                          re.IGNORECASE)
_RETURN = re.compile(r"return(?:\s+(?P<value>.*))?$", re.IGNORECASE | re.DOTALL)
_ATTRIBUTES = re.compile(r"\s*\[")
_PARAM_BLOCK = re.compile(r"\s*param\s*\(", re.IGNORECASE)
_NAMED_BLOCKS = re.compile(r"\s*(?:begin|process|end|dynamicparam)\s*\{", re.IGNORECASE)
_PARAMETER = re.compile(r"\$(\w+)\s*(?:=\s*(?P<default>.+))?$", re.DOTALL)
_MANDATORY = re.compile(r"\bMandatory\b(?:\s*=\s*\$(?P<value>true|false))?", re.IGNORECASE)
#: What a ``[Parameter(...)]`` attribute may say and the simulator still bind exactly.
_PARAMETER_SAYS = re.compile(
    r"\s*(?:(?:Mandatory|ValueFromPipeline|ValueFromPipelineByPropertyName)"
    r"(?:\s*=\s*\$(?:true|false))?|HelpMessage\s*=\s*(?:'[^']*'|\"[^\"]*\"))?\s*$",
    re.IGNORECASE)
#: A parameter's type as the simulator converts arguments to it.
_PARAMETER_TYPES = {
    "string": "string", "system.string": "string", "int": "int", "int32": "int",
    "int64": "long", "long": "long", "system.int32": "int", "system.int64": "long",
    "switch": "switch",
    "bool": "bool", "boolean": "bool", "object": "", "psobject": "", "string[]": "array",
    "object[]": "array", "array": "array",
}

_RUNTIME = "System.Management.Automation.RuntimeException"
_STOP = "System.Management.Automation.ActionPreferenceStopException"
#: A .NET method's exception, as PowerShell wraps it (its InnerException the method's).
_METHOD_INVOCATION = "System.Management.Automation.MethodInvocationException"
#: The .NET exception types a ``catch [T]`` can name that the simulator knows, each with its
#: base class: a ``catch`` of another type is not interpreted (PowerShell resolves type
#: names at run time, and the simulator knows no more .NET).
_EXCEPTION_BASE: dict[str, str | None] = {
    "System.Exception": None,
    "System.SystemException": "System.Exception",
    _RUNTIME: "System.SystemException",
    _STOP: _RUNTIME,
    "System.Management.Automation.ParameterBindingException": _RUNTIME,
    "System.Management.Automation.ParameterBindingValidationException":
        "System.Management.Automation.ParameterBindingException",
    "System.Management.Automation.CommandNotFoundException": _RUNTIME,
    "System.Management.Automation.ExtendedTypeSystemException": _RUNTIME,
    "System.Management.Automation.MethodException":
        "System.Management.Automation.ExtendedTypeSystemException",
    _METHOD_INVOCATION: "System.Management.Automation.MethodException",
    "System.Management.Automation.SessionStateException": _RUNTIME,
    "System.Management.Automation.ItemNotFoundException":
        "System.Management.Automation.SessionStateException",
    "System.Management.Automation.PipelineStoppedException": _RUNTIME,
    "Microsoft.PowerShell.Commands.WriteErrorException": "System.SystemException",
    "Microsoft.PowerShell.Commands.ServiceCommandException": "System.SystemException",
    "System.IO.IOException": "System.SystemException",
    "System.IO.FileNotFoundException": "System.IO.IOException",
    "System.IO.DirectoryNotFoundException": "System.IO.IOException",
    "System.UnauthorizedAccessException": "System.SystemException",
    "System.ArgumentException": "System.SystemException",
    "System.ArgumentNullException": "System.ArgumentException",
    "System.ArgumentOutOfRangeException": "System.ArgumentException",
    "System.InvalidOperationException": "System.SystemException",
    "System.NotSupportedException": "System.SystemException",
    "System.FormatException": "System.SystemException",
    "System.TimeoutException": "System.SystemException",
    "System.Net.WebException": "System.InvalidOperationException",
    "System.Net.Http.HttpRequestException": "System.Exception",
}
_EXCEPTION_NAMES = {name.casefold(): name for name in _EXCEPTION_BASE}


@dataclass(frozen=True)
class _Parameter:
    """A function's parameter: its name (case-folded), its type as the simulator converts
    to it ('' none, ``string``, ``int``, ``switch``, ``bool``, ``array``), its default's
    text, and whether a call must bind it."""

    name: str
    type: str = ""
    default: str | None = None
    mandatory: bool = False


@dataclass(frozen=True)
class _Function:
    """A function the script defined: its parameters (None: a definition the simulator does
    not interpret, so a call of it is skipped), its body, and whether it is an advanced
    function (``[CmdletBinding()]``, ``[Parameter()]``: no ``$args``, unknown parameters
    refused)."""

    name: str
    parameters: tuple[_Parameter, ...] | None
    body: str = ""
    advanced: bool = False


#: A command's name written plainly (``Write-Host``, ``Get-Item``).
_COMMAND_NAME = re.compile(r"[A-Za-z_][\w.-]*")


@functools.lru_cache(maxsize=16)
def _code(text: str) -> str:
    """``text`` without its comments, its escaped line endings joined (memoised: a script's
    is read by :func:`._ps_refuse._refused`, then :func:`_statements`)."""
    return _CONTINUED.sub(" ", strip_comments(text, escape="`", single_doubles=True))


@functools.lru_cache(maxsize=512)
def _statements(text: str) -> tuple[str, ...]:
    """Split a block into statements: at newlines and ``;`` outside quotes and brackets,
    keeping an ``else``/``elseif`` on the next line with its ``if``, a ``catch``/``finally``
    with its ``try``, a ``{`` on the next line with the header it opens, the next line with
    one ending in an operator (see :func:`_reads_on`), and a line starting with ``|`` with
    the statement before it (PowerShell 7 reads on, Windows PowerShell refuses it: the
    script is not run, see :func:`._ps_refuse._refused`). Memoised: it depends on the text
    alone, and clients send the same few scripts again and again."""
    text = _code(text)
    pieces: list[str] = []
    start = 0
    piped_ahead = "|" in text and _LEADING_PIPE.search(text) is not None
    for i in top_level(text, escape="`", single_doubles=True):
        if text[i] in "\n;" and not (text[i] == "\n" and (
                _continues(text, start, i) or (piped_ahead and _LEADING_PIPE.match(text, i)))):
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return tuple(p.strip() for p in pieces if p.strip())


def _continues(text: str, start: int, newline: int) -> bool:
    """Whether the statement from ``start`` goes on after the newline at ``newline``."""
    if _ELSE_AHEAD.match(text, newline + 1):
        return True
    so_far = text[start:newline].strip()
    last = so_far[-1:]
    if last == "}":
        if _DO.match(so_far) and _DO_CONDITION.match(text, newline + 1):
            return True  # do { ... }, then while/until (...) on the next line
        return _CATCH_AHEAD.match(text, newline + 1) is not None
    ending = _MAY_READ_ON.get(last)
    if ending and (ending == 1 or so_far.rstrip(ascii_letters)[-1:] in _DASHES) and _reads_on(
            so_far):
        return True  # an operator awaiting its operand
    return bool(_BRACE_AHEAD.match(text, newline + 1) and _HEADER.match(so_far))


#: A line starting with ``|``: PowerShell 7 reads it as the pipeline's next command, past
#: comments (Tokenizer.IsPipeContinuation); Windows PowerShell, and 7 after a blank line,
#: refuse it ('An empty pipe element is not allowed').
_LEADING_PIPE = re.compile(r"\n\s*\|")
#: The last characters of a statement after which PowerShell's parser may read on past a
#: newline (see :func:`_reads_on`): 1 for a comma, ``|``, ``&&``, an operator's sign; 2 for
#: the last letter of an operator's name (after a dash, ``-and``).
_MAY_READ_ON = dict.fromkeys(",|&=+*/%.!?" + _PS_DASH, 1) | dict.fromkeys(
    "qethsndrlfQETHSNDRLF", 2)
#: The operators whose sign ends them (``..`` and ``??`` apart).
_OPERATOR_SIGNS = frozenset("+*/%!" + _PS_DASH)
_DASHES = frozenset(_PS_DASH)
#: The operators written ``-name``: the binary ones (TokenFlags.BinaryOperator) and the
#: unary ``-not``, ``-bnot``.
_OPERATOR_NAMES = frozenset(
    {"and", "or", "xor", "band", "bor", "bxor", "bnot", "not", "shl", "shr", "f", "is",
     "isnot", "as", "join"}
    | {case + name for case in ("", "i", "c") for name in (*_COMPARISONS, "replace", "split")})
#: The first characters of an expression (a variable, a string, a bracket, a unary
#: operator; a number too): any other starts a command (``Write-Host``, ``& f``, ``. f``).
_EXPRESSION_START = frozenset("$@([{+!,'\"" + _PS_SQ + _PS_DQ + _PS_DASH)
#: A statement's keyword followed by a pipeline (an expression, maybe).
_PIPELINE_KEYWORD = re.compile(r"(?:return|throw|exit)(?:\s+|$)", re.IGNORECASE)


def _ends_in_operator(text: str) -> bool:
    """Whether ``text`` ends with an operator after which PowerShell's parser, in expression
    mode, skips new lines to read its operand (Parser.cs: BinaryExpressionRule after any
    TokenFlags.BinaryOperator, UnaryExpressionRule after ``-not``, ``!``, ``-bnot``, a sign;
    ``??`` is PowerShell 7's alone: the statement joined is not interpreted)."""
    last = text[-1:]
    if last in _OPERATOR_SIGNS:
        return True
    if last in (".", "?"):
        return text[-2:] in ("..", "??")
    if last.isascii() and last.isalpha():
        start = len(text.rstrip(ascii_letters))
        return text[start - 1 : start] in _DASHES and text[start:].lower() in _OPERATOR_NAMES
    return False


def _reads_on(so_far: str) -> bool:
    """Whether PowerShell's parser reads the statement ``so_far`` (stripped, its comments
    removed) on past the newline after it, skipping blank lines and comments (Parser.cs's
    SkipNewlines): after a comma, in both modes (ArrayLiteralRule; GetCommandArgument,
    CommandRule), after ``|`` (PipelineRule) and ``&&``/``||`` (PipelineChainRule), and
    where the last command of the statement is an expression (its first character is not a
    command's, past ``return``/``throw``/``exit``) after an assignment operator (``=``,
    ``+=``...) or a binary or unary operator (``+``, ``-and``, ``-not``; not a postfix
    ``++``/``--``). In command mode an operator is an argument (``Write-Host a +`` prints
    ``a +``) and the newline ends the statement."""
    if so_far.endswith(("++", "--")) and (so_far[-3:-2].isalnum() or so_far[-3:-2] in "_)]}"):
        return False  # $i++, $a[0]-- end their statement
    last = so_far[-1]
    if last in ",|" or so_far.endswith("&&"):
        escapes = len(so_far) - len(so_far[:-1].rstrip("`")) - 1
        return escapes % 2 == 0  # `, is a comma written, not PowerShell's
    if last != "=" and not _ends_in_operator(so_far):
        return False
    element = 0  # where the last command of a pipeline or chain starts
    for i in top_level(so_far, escape="`", single_doubles=True):
        if so_far[i] == "|":
            element = i + 1
        elif so_far.startswith("&&", i):
            element = i + 2
    return _expression_reads_on(so_far[element:].strip())


def _expression_reads_on(text: str) -> bool:
    """:func:`_reads_on` for one command of a pipeline (``text``, stripped), whose last
    character may end an operator: whether it is an expression, or an assignment to one,
    that ends with an operator awaiting its operand."""
    while True:
        keyword = _PIPELINE_KEYWORD.match(text)
        if keyword:
            text = text[keyword.end() :]
        if not text or not (text[0] in _EXPRESSION_START or ascii_digits(text[0]) or (
                text[0] == "." and ascii_digits(text[1:2]))):
            return False  # a command: its operators are arguments
        assigned = next((i for i in top_level(text, escape="`", single_doubles=True)
                         if text[i] == "="), None)
        if assigned is None:
            break
        text = text[assigned + 1 :].strip()  # an assignment: its value, a statement
        if not text:
            return True
    if text.endswith(("++", "--")):  # prefix (its operand follows) or postfix (it ends)
        before = text[:-2].rstrip()
        return not before or before[-1] in ",(" or _ends_in_operator(before)
    return _ends_in_operator(text)


_Kind = Literal["if", "try", "foreach", "while", "do", "for", "switch", "function", "return",
                "assignment", "compound", "dotnet", "setting", "value", "pipeline", "command",
                "unparsed"]


class _Statement(NamedTuple):
    """What a statement is, read from its text alone (see :func:`_parse`): an ``if``, an
    ``assignment`` (its match), a .NET environment call, a ``setting`` (an assignment to a
    .NET static property, its value in ``args``: see :mod:`._ps_platform`), a bare
    ``value`` (printed), a
    ``pipeline`` (or a redirection: not interpreted), a ``command``: its ``name``
    case-folded and its ``args`` as written, or ``unparsed`` (a line starting with ``|``,
    which the two PowerShells read differently, where :func:`._ps_refuse._refused` does not
    look: in a double-quoted string's ``$(...)``; not interpreted)."""

    kind: _Kind
    assignment: re.Match[str] | None = None
    name: str = ""
    args: tuple[str, ...] = ()


#: The statements a keyword starts (each keyword's pattern, tried in turn).
_KEYWORD_STATEMENTS: tuple[tuple[_Kind, re.Pattern[str]], ...] = (
    ("if", _IF), ("try", _TRY), ("foreach", _FOREACH), ("while", _WHILE), ("do", _DO),
    ("for", _FOR), ("switch", _SWITCH), ("function", _FUNCTION),
)


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> _Statement:
    """Read what kind of statement ``text`` is (memoised, as :func:`_statements`: running a
    script walks its statements every time, and reading them is most of the walk)."""
    if "|" in text and _leading_pipe(text):
        return _Statement("unparsed")
    for kind, keyword in _KEYWORD_STATEMENTS:
        if keyword.match(text):
            return _Statement(kind)
    returned = _RETURN.match(text)
    if returned:  # before the pipeline test: a `return` that cannot be read still returns
        return _Statement("return", args=(returned.group("value") or "",))
    if _piped_or_redirected(text):
        return _Statement("pipeline")
    assignment = _ASSIGN.match(text)
    if assignment:
        return _Statement("assignment", assignment)
    dotnet = _DOTNET_ENV.match(text)
    if dotnet and _closing(text, dotnet.start("args") - 1) == len(text) - 1:
        return _Statement("dotnet")
    setting = _SECURITY_PROTOCOL_SET.match(text)
    if setting:
        return _Statement("setting", args=(setting.group("value"),))
    compound = _COMPOUND.match(text)
    prefix = _PREFIX_STEP.fullmatch(text)
    if prefix:  # ++$x as a statement is $x++ (neither outputs anything)
        compound = _COMPOUND.match(f"${prefix.group('var')}{prefix.group('step')}")
    if compound:
        return _Statement("compound", compound)
    if (text[0] in "'\"$@([" or ascii_digits(text[0]) or _unary_minus(text)
            or (text[0] == "-" and ascii_digits(text[1:2])) or _UNARY_TEXT.match(text)):
        return _Statement("value")
    words = _words(text)
    return _Statement("command", name=words[0].casefold(), args=words[1:])


def _leading_pipe(text: str) -> bool:
    """Whether a line of the statement ``text`` starts with ``|`` outside quotes and
    brackets (see :data:`_LEADING_PIPE`): the two PowerShells read it differently."""
    return text.startswith("|") or any(
        _top_level_at(text, m.end() - 1) for m in _LEADING_PIPE.finditer(text))


def _piped_or_redirected(text: str) -> bool:
    """Whether ``text`` has a ``|`` (a pipeline, or PowerShell 7's ``||``), ``&&`` or a
    redirection (``>``, ``>>``, ``2>&1``; PowerShell reserves ``<``) outside quotes and
    brackets."""
    return any(text[i] in "|><" or text.startswith("&&", i)
               for i in top_level(text, escape="`", single_doubles=True))


class _IfParts(NamedTuple):
    """An ``if`` statement's parts: each ``if``/``elseif`` condition with its body, in order;
    the ``else`` body (None: none); and whether the text goes on after those clauses in a
    way PowerShell would not parse (``broken``)."""

    clauses: tuple[tuple[str, str], ...]
    otherwise: str | None
    broken: bool


@functools.lru_cache(maxsize=512)
def _if_parts(text: str) -> _IfParts:
    """Read an ``if`` statement's parts (memoised, as :func:`_statements`: an ``if`` in a
    loop runs again and again). The clauses before one that cannot be read are kept: their
    conditions are evaluated as before, and only reaching the broken one is unknown."""
    clauses: list[tuple[str, str]] = []
    try:
        while True:
            open_paren = text.index("(")
            close = _closing(text, open_paren)
            body_open = text.index("{", close)
            body_close = _closing(text, body_open)
            clauses.append((text[open_paren + 1 : close], text[body_open + 1 : body_close]))
            text = text[body_close + 1 :].lstrip()
            if _ELSEIF.match(text):
                continue
            otherwise = None
            if _ELSE.match(text):
                body_open = text.index("{")
                otherwise = text[body_open + 1 : _closing(text, body_open)]
            return _IfParts(tuple(clauses), otherwise, False)
    except (ValueError, Unknown):  # a bracket not found, or never closed
        return _IfParts(tuple(clauses), None, True)


def _switch_mode(flags: str) -> tuple[str, bool]:
    """A switch's matching (``exact``, ``wildcard``, ``regex``: the last one written wins,
    as in PowerShell) and whether it is case-sensitive; ``-File`` or a name written
    otherwise (PowerShell may take prefixes: not modelled) is unknown."""
    mode, sensitive = "exact", False
    for flag in flags.split():
        name = flag[1:].casefold()
        if name in ("exact", "wildcard", "regex"):
            mode = name
        elif name == "casesensitive":
            sensitive = True
        else:
            raise Unknown(flag)
    return mode, sensitive


def _switch_clauses(body: str) -> list[tuple[str, str]]:
    """A switch body's clauses: each one's condition as written (a string, a number, a bare
    word, a variable, a ``( )`` or ``{ }``) and its block's body. Unknown if it is not that
    (or it has no clause, or two ``default``: PowerShell would not parse it)."""
    clauses: list[tuple[str, str]] = []
    i, n = 0, len(body)
    while True:
        while i < n and (body[i].isspace() or body[i] == ";"):
            i += 1
        if i >= n:
            break
        c = body[i]
        if c in "{(":
            end = _closing(body, i) + 1
        elif c == "'":
            end = i + _single_end(body[i:])
        elif c == '"':
            end = i + _double_end(body[i:])
        else:
            end = i
            while end < n and not body[end].isspace() and body[end] not in "{;":
                end += 1
        if end <= i:
            raise Unknown(body)  # a quote never closed
        condition = body[i:end]
        i = end
        while i < n and body[i].isspace():
            i += 1
        if i >= n or body[i] != "{":
            raise Unknown(body)
        close = _closing(body, i)
        clauses.append((condition, body[i + 1 : close]))
        i = close + 1
    if not clauses or sum(c.casefold() == "default" for c, _ in clauses) > 1:
        raise Unknown(body)
    return clauses


def _loop_parts(text: str, open_paren: int) -> tuple[str, str]:
    """A ``while``/``for`` loop's header (inside its parentheses) and body (inside its
    braces); unknown if it is not exactly that (a label, a loop PowerShell would not
    parse)."""
    close = _closing(text, open_paren)
    body_open = close + 1 + (len(text[close + 1 :]) - len(text[close + 1 :].lstrip()))
    if not text.startswith("{", body_open):
        raise Unknown(text)
    body_close = _closing(text, body_open)
    if text[body_close + 1 :].strip():
        raise Unknown(text)
    return text[open_paren + 1 : close], text[body_open + 1 : body_close]


def _try_parts(text: str) -> tuple[str, list[tuple[tuple[str, ...], str]], str | None]:
    """A ``try`` statement's parts: its body, its ``catch`` clauses (the exception types
    each names, as the simulator knows them, and its body) and its ``finally`` body. A
    statement PowerShell would not parse, or a type the simulator does not know: unknown."""
    body_open = text.index("{")
    body_close = _closing(text, body_open)
    catches: list[tuple[tuple[str, ...], str]] = []
    final: str | None = None
    rest = text[body_close + 1 :].lstrip()
    while rest:
        m = _CATCH.match(rest)
        if m and final is None:
            i, types = m.end(), []
            while (named := _CATCH_TYPE.match(rest, i)) is not None:
                types.append(_exception_type(named.group(1)))
                i = named.end()
            if not rest.startswith("{", i):
                raise Unknown(text)
            close = _closing(rest, i)
            catches.append((tuple(types), rest[i + 1 : close]))
            rest = rest[close + 1 :].lstrip()
            continue
        m = _FINALLY.match(rest)
        if m is None or final is not None:
            raise Unknown(text)
        close = _closing(rest, m.end() - 1)
        final = rest[m.end() : close]
        rest = rest[close + 1 :].lstrip()
    if not catches and final is None:
        raise Unknown(text)  # PowerShell: "The Try statement is missing its Catch or Finally"
    return text[body_open + 1 : body_close], catches, final


def _exception_type(name: str) -> str:
    """The .NET exception type ``[name]`` names (PowerShell tries ``System.`` before it
    too); unknown if the simulator does not know it."""
    folded = name.casefold()
    found = _EXCEPTION_NAMES.get(folded) or _EXCEPTION_NAMES.get("system." + folded)
    if found is None:
        raise Unknown(name)
    return found


def _function(kind: str, name: str, text: str) -> _Function:
    """A function definition after its name: ``($a, $b) { ... }`` or ``{ param(...) ... }``.
    Unknown where the simulator cannot bind it exactly."""
    if kind != "function":
        raise Unknown(kind)  # a filter runs per pipeline object; a workflow is not PowerShell 7
    parameters_text: str | None = None
    i = 0
    if text.startswith("("):
        close = _closing(text, 0)
        parameters_text, i = text[1:close], close + 1
    body_open = text.find("{", i)
    if body_open < 0 or text[i:body_open].strip():
        raise Unknown(text)
    body_close = _closing(text, body_open)
    if text[body_close + 1 :].strip():
        raise Unknown(text)
    body = text[body_open + 1 : body_close]
    advanced = False
    j = 0
    while _ATTRIBUTES.match(body, j):  # [CmdletBinding()] and the like before param(...)
        open_at = body.index("[", j)
        close = _closing(body, open_at)
        if body.startswith("::", close + 1):
            break  # a type's static member ([Net.ServicePointManager]::...): a statement
        if not body[open_at + 1 : close].strip().casefold().startswith("cmdletbinding"):
            raise Unknown(body)
        advanced, j = True, close + 1
    m = _PARAM_BLOCK.match(body, j)
    if m:
        if parameters_text is not None:
            raise Unknown(text)  # both forms: PowerShell refuses it
        close = _closing(body, m.end() - 1)
        parameters_text, j = body[m.end() : close], close + 1
    body = body[j:]
    if _NAMED_BLOCKS.match(body):
        raise Unknown(body)  # begin/process/end: pipeline functions are not modelled
    parameters: list[_Parameter] = []
    for part in split_top(parameters_text or "", _COMMA, escape="`", single_doubles=True):
        if part.strip():
            parameter, says_advanced = _parameter(part.strip())
            parameters.append(parameter)
            advanced = advanced or says_advanced
    if len({p.name for p in parameters}) != len(parameters):
        raise Unknown(text)
    return _Function(name, tuple(parameters), body, advanced)


def _parameter(text: str) -> tuple[_Parameter, bool]:
    """One parameter (``[Parameter(Mandatory)][string]$Path = 'x'``) and whether it makes
    its function an advanced one."""
    kind, mandatory, advanced = "", False, False
    i = 0
    while text.startswith("[", i):
        close = _closing(text, i)
        inside = text[i + 1 : close].strip()
        folded = _SPACE.sub("", inside.casefold())
        if folded.startswith("parameter(") and folded.endswith(")"):
            says = inside[inside.index("(") + 1 : inside.rindex(")")]
            for piece in split_top(says, _COMMA, escape="`", single_doubles=True):
                if not _PARAMETER_SAYS.match(piece):
                    raise Unknown(piece)  # Position, ParameterSetName ...: not modelled
                m = _MANDATORY.search(piece)
                if m:
                    mandatory = (m.group("value") or "true").casefold() == "true"
            advanced = True
        elif folded in _PARAMETER_TYPES:
            kind = _PARAMETER_TYPES[folded]
        elif folded not in ("allownull()", "allowemptystring()", "allowemptycollection()"):
            raise Unknown(inside)  # validation, aliases, other types: not modelled
        i = close + 1
        while i < len(text) and text[i].isspace():
            i += 1
    m = _PARAMETER.match(text, i)
    if m is None:
        raise Unknown(text)
    default = m.group("default")
    return _Parameter(m.group(1).casefold(), kind, default and default.strip(),
                      mandatory), advanced
