"""Bash's arithmetic: ``$((...))``, ``((...))``, ``let`` and ``for ((...))``. A language of
its own inside the shell's (its own tokens, operators and grammar, Bash's ``expr.c``), so it
has a module of its own rather than sharing :mod:`._sh_text`'s quoting and words; the
interpreter expands its ``$X`` first and sets what it assigns."""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable
from typing import NamedTuple

from octosim.model.scripts._running import Unknown
from octosim.model.scripts._sh_text import SH_NAME

__all__ = ["ARITHMETIC_TARGET", "arithmetic"]

#: Bash's integers are C's ``intmax_t``: signed, 64 bits, two's complement; a result that
#: does not fit wraps around, silently, as Bash's C arithmetic does.
_BITS = 64
_MASK = (1 << _BITS) - 1
_SIGN_BIT = 1 << (_BITS - 1)

#: One token as Bash's ``readtok`` reads it, after the blanks it skips (space, tab, newline:
#: a carriage return is its syntax error): a number (a digit, then what ``strlong`` reads:
#: letters, digits, ``@``, ``_`` and ``#``), a name, or an operator, the longest first.
_TOKEN = re.compile(
    rf"[ \t\n]*(?:(?P<number>[0-9][A-Za-z0-9_@#]*)|(?P<name>{SH_NAME})"
    r"|(?P<operator><<=|>>=|\*\*|\+\+|--|[-+*/%&|^]=|<=|>=|==|!=|&&|\|\||<<|>>"
    r"|[-+*/%()<>!=~&|^?:,]))")
_BLANKS = " \t\n"
#: What makes ``++``/``--`` a pre-increment: a name next, blanks between or not.
_NAME_AHEAD = re.compile(r"[ \t\n]*[A-Za-z_]")
#: ``++``/``--`` before or after a name: the step they add.
_INCREMENTS = {"++": 1, "--": -1}


class _Token(NamedTuple):
    """A token of an expression, as Bash's ``readtok`` reads it."""

    #: ``number``, ``name``, ``operator``, ``prefix`` (``++id``, ``--id``) or ``postfix``
    #: (``id++``, ``id--``).
    kind: str
    text: str


_MINUS = _Token("operator", "-")
_PLUS = _Token("operator", "+")
_OPEN = _Token("operator", "(")

#: Bash's digits in ``BASE#DIGITS``, by value; up to base 36 a capital is its small letter.
_DIGITS = {digit: value for value, digit in enumerate(
    string.digits + string.ascii_lowercase + string.ascii_uppercase + "@_")}
_LARGEST_BASE = 64


def _quotient(left: int, right: int) -> int:
    """C's division, which Bash's is: truncated toward 0."""
    quotient = abs(left) // abs(right)
    return quotient if (left < 0) == (right < 0) else -quotient


def _remainder(left: int, right: int) -> int:
    """C's remainder: the dividend's sign (``-7 % 3`` is -1)."""
    return left - right * _quotient(left, right)


def _power(base: int, exponent: int) -> int:
    """``base ** exponent``, wrapped around to 64 bits."""
    if exponent < 0:
        raise Unknown("exponent less than 0")  # Bash's error
    return pow(base, exponent, 1 << _BITS)  # Bash multiplies in 64 bits: the same, wrapped


def _shift_count(count: int) -> int:
    # A count below 0 or of 64 and more is C's undefined behaviour: x86-64's Bash shifts by
    # the count's low 6 bits (1 << 64 is 1), which nothing in Bash or C promises
    if not 0 <= count < _BITS:
        raise Unknown("shift count out of range")
    return count


def _shift_left(value: int, count: int) -> int:
    return value << _shift_count(count)


def _shift_right(value: int, count: int) -> int:
    return value >> _shift_count(count)  # arithmetic, as GCC shifts a signed integer


#: The binary operators, by precedence (higher binds tighter), as Bash's manual lists them.
_PRECEDENCE = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
               "<": 7, "<=": 7, ">": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9,
               "*": 10, "/": 10, "%": 10, "**": 11}
#: What each computes, before its result wraps around to 64 bits.
_OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "||": lambda a, b: int(bool(a or b)), "&&": lambda a, b: int(bool(a and b)),
    "|": operator.or_, "^": operator.xor, "&": operator.and_,
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), "<=": lambda a, b: int(a <= b),
    ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
    "<<": _shift_left, ">>": _shift_right, "+": operator.add, "-": operator.sub,
    "*": operator.mul, "/": _quotient, "%": _remainder, "**": _power,
}
#: Division and remainder: by 0, Bash's error, but on a side it skips it divides by 1.
_DIVISIONS = frozenset({"/", "%"})
#: The unary operators: minus and plus, logical and bitwise negation.
_UNARY: dict[str, Callable[[int], int]] = {
    "-": operator.neg, "+": operator.pos, "!": lambda v: int(v == 0), "~": operator.invert}
#: The assignment operators: ``=``, and each ``OP=`` assigning ``id OP value``.
_ASSIGNMENTS = frozenset({"=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="})

#: The variables an arithmetic text may assign (``x = 1``, ``x += 1``, ``x++``, ``--x``):
#: forgotten when it is not interpreted.
ARITHMETIC_TARGET = re.compile(
    rf"({SH_NAME})\s*(?:(?:<<|>>|[-+*/%&|^])?=(?!=)|\+\+|--)|(?:\+\+|--)\s*({SH_NAME})")


def arithmetic(expression: str, lookup: Callable[[str], str | None]
               ) -> tuple[int, dict[str, int]]:
    """The value of Bash's arithmetic ``expression`` (``$((...))``, ``((...))``, ``let``,
    each part of ``for ((...))``; its ``$X`` already expanded), and the variables it
    assigns (for the caller to set, all or, when this raises, none), as Bash 5.2 evaluates
    it: in signed 64 bits, wrapping around (``2**63`` and ``9223372036854775808`` are
    ``-9223372036854775808``); numbers in decimal, ``0x`` hexadecimal, ``0`` octal and
    ``BASE#DIGITS`` (bases 2 to 64); variables by name (unset or empty: 0); and every
    operator of Bash's manual, with its precedence and grouping: ``id++ id--``, ``++id
    --id``, unary ``- +``, ``! ~``, ``**``, ``* / %`` (C's: truncated), ``+ -``, ``<< >>``,
    comparisons, ``== !=``, ``&``, ``^``, ``|``, ``&&``, ``||``, ``?:``, ``=`` and each
    ``OP=``, ``,``; ``( )``. The operand of ``&&``, ``||`` or ``?:`` Bash skips is read,
    not evaluated: it reads no variable, assigns nothing and divides by 1 for 0, but a
    negative exponent there is Bash's error too. Nothing (blanks) is 0.

    Raises :class:`Unknown` for Bash's errors (a division by 0, a negative exponent, ``08``,
    ``2#2``, ``1 +``, an assignment to what is no name: ``1 ? 2 : x = 3``...) and for what
    is not interpreted: a shift by a count below 0 or above 63 (C's undefined behaviour), a
    variable holding other than an integer constant (Bash evaluates ``x=1+2`` or ``x=y`` as
    an expression of its own), arrays."""
    tokens = _tokens(expression)
    if not tokens:
        return 0, {}  # nothing, or blanks: Bash's 0
    evaluation = _Evaluation(tokens, lookup)
    value = evaluation.comma()
    if evaluation.i != len(tokens):
        raise Unknown(expression)  # Bash's "syntax error in expression"
    return value, evaluation.assigned


def _tokens(expression: str) -> list[_Token]:
    """``expression``'s tokens, read as Bash's ``readtok`` reads them. Raises
    :class:`Unknown` at a character Bash refuses."""
    tokens: list[_Token] = []
    end, i = len(expression.rstrip(_BLANKS)), 0
    while i < end:
        m = _TOKEN.match(expression, i)
        if m is None:
            raise Unknown(expression)  # Bash's "invalid arithmetic operator"
        kind = m.lastgroup or ""
        text, i = m.group(kind), m.end()
        if text in _INCREMENTS:
            kind = _increment_kind(tokens, expression[i:])
            if kind == "operator":  # a `+` or `-` of its own: the next one is read again
                text, i = text[0], m.start(kind) + 1
        tokens.append(_Token(kind, text))
    return tokens


def _increment_kind(before: list[_Token], after: str) -> str:
    """What Bash's ``readtok`` makes of a ``++`` or ``--``: right after a name ``id++``
    (``postfix``; but after ``++id``, Bash's error: ``++x++``), before one ``++id``
    (``prefix``), else a ``+`` or ``-`` of its own (``operator``: ``--5`` is 5, ``1--2``
    is 3)."""
    if before and before[-1].kind == "name":
        if len(before) > 1 and before[-2].kind == "prefix":
            raise Unknown(after)  # Bash's "assignment requires lvalue"
        return "postfix"
    return "prefix" if _NAME_AHEAD.match(after) else "operator"


def _signed(value: int) -> int:
    """``value`` wrapped around to Bash's signed 64 bits."""
    value &= _MASK
    return value - (1 << _BITS) if value & _SIGN_BIT else value


def _number(text: str) -> int:
    """An integer constant as Bash's ``strlong`` reads it: ``0x``/``0X`` hexadecimal, a
    leading ``0`` octal, else ``[BASE#]DIGITS`` (decimal without a base). Raises
    :class:`Unknown` on Bash's errors: a digit too great for its base (``08``, ``2#2``), a
    base out of 2 to 64 (``1#1``), no digits after ``#`` (``2#``), a ``#`` after a base
    already read (``0#1``, ``16#1#1``)."""
    base, digits = 10, text
    if text.startswith(("0x", "0X")):
        base, digits = 16, text[2:]
    elif text.startswith("0"):
        base, digits = 8, text[1:]
    if "#" not in digits:
        return _in_base(digits, base)
    written, _, digits = digits.partition("#")
    if base != 10 or "#" in digits or not digits:
        raise Unknown(text)  # a base after 0 or 0x (0#1), a second # (16#1#1), no digits (2#)
    base = _in_base(written, 10)
    if not 2 <= base <= _LARGEST_BASE:
        raise Unknown(text)  # Bash's "invalid arithmetic base"
    return _in_base(digits, base)


def _in_base(digits: str, base: int) -> int:
    """``digits`` read in ``base``, wrapped around to 64 bits as Bash's ``strlong`` wraps."""
    value = 0
    for digit in digits:
        worth = _DIGITS[digit.lower() if base <= 36 else digit]
        if worth >= base:
            raise Unknown(digits)  # Bash's "value too great for base"
        value = (value * base + worth) & _MASK
    return _signed(value)


def _constant(held: str) -> int:
    """A variable's value read in arithmetic: an integer constant, each sign before it a
    unary operator (``+-5`` is -5, ``--5`` 5), blanks around; nothing or blanks is 0. Bash
    evaluates any other value as an expression of its own (``1+2``, another name, itself):
    not interpreted."""
    tokens = _tokens(held)
    if not tokens:
        return 0
    *signs, number = tokens
    if number.kind != "number" or any(sign not in (_MINUS, _PLUS) for sign in signs):
        raise Unknown(held)
    return _signed(_number(number.text) * (-1) ** signs.count(_MINUS))


class _Evaluation:
    """One reading of an expression's tokens by Bash's grammar (``expr.c``: ``expcomma``
    down to ``exp0``), evaluating as it reads. Where ``noeval`` is above 0 (the operand of
    ``&&``, ``||`` or ``?:`` Bash skips) it still computes what it reads, as Bash does,
    but a variable reads as 0, nothing is assigned and a division by 0 divides by 1."""

    def __init__(self, tokens: list[_Token], lookup: Callable[[str], str | None]) -> None:
        self.tokens, self.lookup = tokens, lookup
        self.i = 0
        self.noeval = 0
        self.assigned: dict[str, int] = {}

    def peek(self, ahead: int = 0) -> _Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def operator(self, ahead: int = 0) -> str | None:
        token = self.peek(ahead)
        return token.text if token is not None and token.kind == "operator" else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise Unknown("operand expected")  # Bash's "syntax error: operand expected"
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        if self.operator() != text:
            raise Unknown(f"{text} expected")  # `1 ? 2`, `(1`: Bash's error
        self.i += 1

    def comma(self) -> int:
        """``expr1 , expr2``: each evaluated in turn, its value the last one's."""
        value = self.assignment()
        while self.operator() == ",":
            self.i += 1
            value = self.assignment()
        return value

    def assignment(self) -> int:
        """``id = expr`` or ``id OP= expr`` (from the right: ``a = b = 1``), else a
        conditional operator. Only a lone name is assigned: Bash reads ``1 + x = 2`` or
        ``1 ? 2 : x = 3`` whole before its ``=``, an assignment to non-variable."""
        target = self.peek()
        op = self.operator(1)
        if target is None or target.kind != "name" or op not in _ASSIGNMENTS:
            return self.conditional()
        self.i += 2
        # Bash reads the variable before the right-hand side (`x += (x = 5)` with x at 1 is
        # 6), and for `=` not at all (set -u has nothing to refuse there)
        old = None if op == "=" else self.variable(target.text)
        value = self.assignment()
        if old is not None:
            value = self.operate(op[:-1], old, value)
        return self.store(target.text, value)

    def conditional(self) -> int:
        """``expr ? expr : expr``, only the operand chosen evaluated. As in Bash's grammar
        the first is a comma expression (``1 ? x = 2, 3 : 4`` assigns), the second a
        conditional operator (from the right: ``a ? b : c ? d : e``)."""
        condition = self.binary(1)
        if self.operator() != "?":
            return condition
        self.i += 1
        skip_first, skip_second = int(condition == 0), int(condition != 0)
        self.noeval += skip_first
        first = self.comma()
        self.noeval -= skip_first
        self.expect(":")
        self.noeval += skip_second
        second = self.conditional()
        self.noeval -= skip_second
        return first if condition else second

    def binary(self, lowest: int) -> int:
        """The binary operators of precedence ``lowest`` and above, each grouping from the
        left but ``**``; ``&&`` and ``||`` skip their right side as Bash does."""
        left = self.unary()
        while (op := self.operator()) in _PRECEDENCE and _PRECEDENCE[op] >= lowest:
            self.i += 1
            precedence = _PRECEDENCE[op]
            skip = (op == "&&" and left == 0) or (op == "||" and left != 0)
            self.noeval += skip
            right = self.binary(precedence if op == "**" else precedence + 1)
            self.noeval -= skip
            left = self.operate(op, left, right)
        return left

    def operate(self, op: str, left: int, right: int) -> int:
        """``left op right`` for a binary operator, wrapped around to 64 bits."""
        if op in _DIVISIONS and right == 0:
            if not self.noeval:
                raise Unknown("division by 0")  # Bash's error
            right = 1
        return _signed(_OPERATIONS[op](left, right))

    def unary(self) -> int:
        """Unary minus and plus, logical and bitwise negation (from the right: ``-~1``)."""
        op = self.operator()
        if op in _UNARY:
            self.i += 1
            return _signed(_UNARY[op](self.unary()))
        return self.operand()

    def operand(self) -> int:
        """A number, ``( expr )``, ``++id``/``--id`` (the new value), or a name, then
        maybe ``++``/``--`` (``id++``: the old value)."""
        token = self.take()
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "prefix":
            name = self.take()
            if name.kind != "name":
                raise Unknown(name.text)  # Bash's "identifier expected"
            return self.store(name.text, self.stepped(self.variable(name.text), token.text))
        if token == _OPEN:
            value = self.comma()
            self.expect(")")
            return value
        if token.kind != "name" or self.operator() in _ASSIGNMENTS:
            # Bash's errors: `1 + )`, an operand expected; `1 + x = 2`, an assignment to
            # non-variable
            raise Unknown(token.text)
        step = self.peek()
        if step is None or step.kind != "postfix":
            return self.variable(token.text)
        self.i += 1
        old = self.variable(token.text)
        self.store(token.text, self.stepped(old, step.text))
        return old

    @staticmethod
    def stepped(value: int, increment: str) -> int:
        """``value`` after ``++`` or ``--``."""
        return _signed(value + _INCREMENTS[increment])

    def variable(self, name: str) -> int:
        """A variable's value: 0 where Bash skips the operand (nothing is looked up: set -u
        has nothing to refuse), as assigned earlier in the expression, else the shell's."""
        if self.noeval:
            return 0
        if name in self.assigned:
            return self.assigned[name]
        return _constant(self.lookup(name) or "")

    def store(self, name: str, value: int) -> int:
        if not self.noeval:
            self.assigned[name] = value
        return value
