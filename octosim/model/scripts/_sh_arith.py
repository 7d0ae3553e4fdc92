"""Bash's arithmetic: ``$((...))``, ``((...))``, ``let`` and ``for ((...))``. A language of
its own inside the shell's (its own tokens, operators and grammar, Bash's ``expr.c``), so it
has a module of its own rather than sharing :mod:`._sh_text`'s quoting and words; the
interpreter expands its ``$X`` first and sets what it assigns."""

from __future__ import annotations

import re
from collections.abc import Callable

from octosim.model.scripts._running import Unknown
from octosim.model.scripts._sh_text import SH_NAME

__all__ = ["ARITHMETIC_TARGET", "arithmetic"]

_ARITHMETIC_TOKEN = re.compile(
    rf"\s*(?:(?P<number>[0-9][A-Za-z0-9_]*)|(?P<name>{SH_NAME})"
    r"|(?P<op><<=|>>=|\*\*|\+\+|--|[-+*/%&|^]=|<=|>=|==|!=|&&|\|\||<<|>>"
    r"|[-+*/%()<>!=~&|^?:,]))")
#: The binary operators interpreted, by precedence (higher binds tighter), as Bash's.
_ARITHMETIC_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
                      "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "**": 7}
#: The assignment operators interpreted: ``=`` and those of the operators above.
_ARITHMETIC_ASSIGN = frozenset({"=", "+=", "-=", "*=", "/=", "%="})
_INT64 = 2**63
_ARITHMETIC_OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "||": lambda a, b: int(bool(a or b)), "&&": lambda a, b: int(bool(a and b)),
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), "<=": lambda a, b: int(a <= b),
    ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "**": lambda a, b: int(a**b),
}
#: The variables an arithmetic text may assign (``x = 1``, ``x += 1``, ``x++``, ``--x``):
#: forgotten when it is not interpreted.
ARITHMETIC_TARGET = re.compile(
    rf"({SH_NAME})\s*(?:(?:<<|>>|[-+*/%&|^])?=(?!=)|\+\+|--)|(?:\+\+|--)\s*({SH_NAME})")


def arithmetic(expression: str, lookup: Callable[[str], str | None]
               ) -> tuple[int, dict[str, int]]:
    """The value of Bash's arithmetic ``expression`` (``$((...))``, ``((...))``, ``let``; its
    ``$X`` already expanded), and the variables it assigns (for the caller to set, all or,
    when this raises, none): integers (decimal, ``0x`` hex, ``0`` octal), variables by name
    (unset or empty: 0), ``( )``, unary ``-``/``+``/``!``, ``**``, ``*``, ``/``, ``%`` (C's:
    truncated), ``+``, ``-``, comparisons, ``&&``, ``||`` (1 or 0; the side not evaluated
    assigns nothing and divides by nothing, as in Bash, but a negative exponent there is
    Bash's error too), ``=``, ``+=``, ``-=``, ``*=``,
    ``/=``, ``%=`` (the variable read before the right-hand side, as Bash reads it),
    ``++``/``--`` before or after a name, and ``,``. Raises
    :class:`Unknown` for anything else (bit operators, ``?:``, a variable holding other
    than an integer, a division by 0, a number or a result out of 64 bits, in any base and
    negated too: Bash's error or wrap-around)."""
    tokens: list[tuple[str, str]] = []
    text, i = expression.rstrip(), 0
    while i < len(text):
        m = _ARITHMETIC_TOKEN.match(text, i)
        if m is None:
            raise Unknown(expression)
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        i = m.end()
    reader = _Arithmetic(tokens, lookup, expression)
    value = reader.comma()
    if reader.i != len(tokens):
        raise Unknown(expression)
    return value, reader.assigned


class _Arithmetic:
    """A precedence-climbing reading of arithmetic tokens, evaluated as it reads. Where
    ``noeval`` is above 0 (the side of ``&&``/``||`` Bash skips) it only reads."""

    def __init__(self, tokens: list[tuple[str, str]], lookup: Callable[[str], str | None],
                 expression: str) -> None:
        self.tokens, self.lookup, self.expression = tokens, lookup, expression
        self.i = 0
        self.noeval = 0
        self.assigned: dict[str, int] = {}

    def _op(self, ahead: int = 0) -> str | None:
        j = self.i + ahead
        if j < len(self.tokens) and self.tokens[j][0] == "op":
            return self.tokens[j][1]
        return None

    def comma(self) -> int:
        value = self.assignment()
        while self._op() == ",":
            self.i += 1
            value = self.assignment()
        return value

    def assignment(self) -> int:
        """``NAME op= value`` (from the right: ``a = b = 1``), or a binary expression."""
        if (self.i < len(self.tokens) and self.tokens[self.i][0] == "name"
                and self._op(1) in _ARITHMETIC_ASSIGN):
            name, op = self.tokens[self.i][1], self._op(1) or ""
            self.i += 2
            # Bash reads the variable before the right-hand side: `x += (x = 5)` with x at
            # 1 is 6.
            old = None if op == "=" else self.variable(name)
            right = self.assignment()
            value = right if old is None else self.apply(op[:-1], old, right)
            return self.store(name, value)
        return self.binary(1)

    def binary(self, lowest: int) -> int:
        left = self.unary()
        while (op := self._op()) in _ARITHMETIC_BINARY and _ARITHMETIC_BINARY[op] >= lowest:
            self.i += 1
            precedence = _ARITHMETIC_BINARY[op]
            skip = int((op == "&&" and left == 0) or (op == "||" and left != 0))
            self.noeval += skip
            try:  # ** groups from the right
                right = self.binary(precedence if op == "**" else precedence + 1)
            finally:
                self.noeval -= skip
            left = self.apply(op, left, 0 if skip else right)
        return left

    def unary(self) -> int:
        if self.i >= len(self.tokens):
            raise Unknown(self.expression)
        kind, value = self.tokens[self.i]
        self.i += 1
        if (kind, value) in (("op", "-"), ("op", "+"), ("op", "!")):
            operand = self.unary()
            if value == "-":
                return self.checked(-operand)  # -(-2**63) wraps around in Bash
            return operand if value == "+" else int(operand == 0)
        if kind == "op" and value in ("++", "--"):  # ++x, --x: the new value
            if self.i >= len(self.tokens) or self.tokens[self.i][0] != "name":
                raise Unknown(self.expression)
            name = self.tokens[self.i][1]
            self.i += 1
            return self.store(name, self.apply(value[0], self.variable(name), 1))
        if (kind, value) == ("op", "("):
            inner = self.comma()
            if self._op() != ")":
                raise Unknown(self.expression)
            self.i += 1
            return inner
        if kind == "number":
            return self.integer(value)
        if kind == "name" and self._op() in ("++", "--"):  # x++, x--: the old value
            op = self._op() or ""
            self.i += 1
            old = self.variable(value)
            self.store(value, self.apply(op[0], old, 1))
            return old
        if kind == "name" and self._op() != "=" and self._op() not in _ARITHMETIC_ASSIGN:
            return self.variable(value)
        raise Unknown(self.expression)  # `1 + x = 2`: Bash's "assignment to non-variable"

    def variable(self, name: str) -> int:
        """A variable's value: as assigned in this expression, else as the shell holds it."""
        if self.noeval:
            return 0
        if name in self.assigned:
            return self.assigned[name]
        held = (self.lookup(name) or "").strip()
        digits = held.lstrip("+-")
        # Bash reads stacked signs as unary operators: each `-` negates (`+-5` is -5,
        # `--5` is 5).
        sign = -1 if held[: len(held) - len(digits)].count("-") % 2 else 1
        return sign * self.integer(digits) if held else 0

    def store(self, name: str, value: int) -> int:
        if not self.noeval:
            self.assigned[name] = value
        return value

    def integer(self, text: str) -> int:
        try:
            if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
                return self.checked(int(text, 16))
            if re.fullmatch(r"0[0-7]+", text):
                return self.checked(int(text, 8))
            if re.fullmatch(r"0|[1-9][0-9]*", text):
                return self.checked(int(text))
        except ValueError:
            pass
        raise Unknown(self.expression)  # 08, 1a, 2#101, a name's value that is not a number

    def apply(self, op: str, left: int, right: int) -> int:
        if op == "**" and right < 0:
            # Bash's "exponent less than 0" error, even on the side it skips (there the
            # right-hand side reads as 0 here: the check is made as it reads)
            raise Unknown(self.expression)
        if self.noeval:
            return 0  # Bash reads the side it skips without evaluating it
        if op in ("/", "%") and right == 0:
            raise Unknown(self.expression)  # Bash: "division by 0", an error
        if op == "**" and right > 64:
            raise Unknown(self.expression)
        if op in ("/", "%"):
            quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
            return self.checked(quotient if op == "/" else left - right * quotient)
        return self.checked(_ARITHMETIC_OPERATIONS[op](left, right))

    def checked(self, value: int) -> int:
        if not -_INT64 <= value < _INT64:
            raise Unknown(self.expression)  # Bash wraps around at 64 bits
        return value
