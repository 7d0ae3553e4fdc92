"""Bash's arithmetic (``$((...))``, ``((...))``, ``let``, ``for ((...))``) as Bash 5.2
evaluates it: every operator of its manual with its precedence and grouping, numbers in
any base, 64-bit wrap-around; each expected answer checked against Bash 5.2 when it is on
this machine, and random expressions compared with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.model.scripts import ScriptResult
from tests.model.test_scripts_bash_flow import REAL_BASH, bash, real_bash


@pytest.mark.parametrize(("body", "printed"), [
    ('x=3; echo "$((x&1))"; echo after', ["1", "after"]),
    # bit operators, shifts by 0 to 63 (into the sign bit too; >> keeps the sign)
    ("echo $((6 & 3)) $((6 | 3)) $((6 ^ 3)) $((~5)) $((~-1)) $((!5)) $((!0))",
     ["2 7 5 -6 0 0 1"]),
    ("echo $((1 << 62)) $((1 << 63)) $((3 << 63)) $((-8 >> 1)) $((-1 >> 63)) $((5 >> 1))"
     " $((1 << 0))",
     ["4611686018427387904 -9223372036854775808 -9223372036854775808 -4 -1 2 1"]),
    # precedence, as the manual lists it: & above ^ above |, == above &, + above <<...
    ("echo $((1 | 2 ^ 3 & 6)) $((1 | 6 & 3)) $((5 & 3 == 3)) $((1 << 2 + 1))"
     " $((16 >> 1 < 9)) $((2 ** 2 << 1))", ["1 3 1 8 1 8"]),
    ("echo $((1 && 0 | 2)) $((0 || 1 & 0)) $((3 ^ 1 | 4)) $((~1 + 1)) $((-~1)) $((~~7))"
     " $((!~-1)) $((1 ==2 !=0)) $((1 <2 <3)) $((3>2>1)) $((1<=1>=1))",
     ["1 0 6 -1 2 7 1 0 1 0 1"]),
    # ?: groups from the right, below ||
    ("echo $((1 ? 2 : 3)) $((0 ? 2 : 3)) $((0 ? 1 : 0 ? 2 : 3)) $((1 ? 0 ? 4 : 5 : 6))"
     " $((1 || 0 ? 7 : 8)) $((2 > 1 ? 2 - 1 : 0))", ["2 3 3 5 7 1"]),
    # ... evaluating only the operand it chooses: the other assigns and divides nothing
    ("x=0 y=0; echo $((1 ? x++ : y++)) $((0 ? x++ : y--)) $x $y", ["0 0 1 -1"]),
    ("echo $((0 ? 1 / 0 : 7)) $((1 ? 7 : 1 % 0)) $((0 ? (x = 5) : (y = 6))) $x $y",
     ["7 7 6 6"]),
    ("x=1; echo $(( x ? x-- ? 10 : 20 : 30 )) $x", ["10 0"]),
    # its first operand is a comma expression (an assignment there too), and it may be the
    # right-hand side of an assignment
    ("echo $((1 ? 2, 3 : 4)) $((1 ? x = 5 : 6)) $x $((y = 0 ? 2 : 3)) $y"
     " $((z = 1 ? 4 : 5, z * 2))", ["3 5 5 3 3 8"]),
    # the assignment operators of the bit operators
    ("x=5; echo $((x <<= 2)) $((x >>= 1)) $((x &= 6)) $((x |= 9)) $((x ^= 3)) $x",
     ["20 10 2 11 8 8"]),
    ("x=-9223372036854775808; echo $((x /= -1)) $((x %= -1)) $((x <<= 1)) $((i |= 4)) $i",
     ["-9223372036854775808 0 0 4 4"]),
    # numbers in any base: letters any case up to base 36, then a-z A-Z @ _
    ("echo $((2#101)) $((16#ff)) $((16#FF)) $((36#z)) $((36#Z)) $((64#@)) $((64#_))"
     " $((8#17)) $((10#010)) $((2#0)) $((0x)) $((0X1f)) $((64#zZ@_))",
     ["5 255 255 35 35 62 63 15 10 0 0 31 9428927"]),
    ("echo $((36#Zz)) $((64#Zz)) $((62#Zz)) $((16#aBc)) $((18446744073709551618#1))",
     ["1295 3939 3817 2748 1"]),
    ("x=2#11 y=-16#f z=' 0x10 ' w=' - -5'; echo $((x + 1)) $((y)) $((z * 2)) $((-x)) $((w))",
     ["4 -15 32 -3 5"]),
    # 64 bits, wrapping around, literals too; INT64_MIN / -1 is itself, its remainder 0
    ("echo $((2**63)) $((9223372036854775807 + 1)) $((-9223372036854775807 - 2))"
     " $((9223372036854775808)) $((-9223372036854775808 / -1)) $((-9223372036854775808 % -1))",
     ["-9223372036854775808 -9223372036854775808 9223372036854775807 -9223372036854775808"
      " -9223372036854775808 0"]),
    ("echo $((99999999999999999999)) $((0xFFFFFFFFFFFFFFFF)) $((01777777777777777777777))"
     " $((3**40)) $((3 ** 9223372036854775807)) $((4294967296 * 4294967296))"
     " $((-(-9223372036854775807 - 1))) $((2 ** 64 * 2))",
     ["7766279631452241919 -1 -1 -6289078614652622815 -6148914691236517205 0"
      " -9223372036854775808 0"]),
    ('echo "$((0x' + "f" * 4000 + '))"', ["-1"]),
    # ++ and -- next to no name are two signs; next to one, an increment
    ("echo $((--5)) $((1--2)) $((5++3)) $((- -5)) $((+-+5)) $((1 - -1)) $((2 ** 3 ** 2))",
     ["5 3 8 5 -5 2 512"]),
    ("x=1; echo $((x+++1)) $x $((x---1)) $x $((1 + ++x)) $x $((x++ ++ 1)) $x",
     ["2 2 1 1 3 2 3 3"]),
    # nothing is 0; tabs and newlines are blanks
    ('echo "[$(())]" "[$((  ))]" "$((\t1 +\n2))"', ["[0] [0] 3"]),
    # the arithmetic command, let and for (( )) use the same arithmetic
    ("x=0; (( x |= 6, x & 2 )) && echo \"set $x\"; let 'y = x ^ 5' 'z = y << 2'; echo $y $z $?",
     ["set 6", "3 12 0"]),
    ("for ((i = 0; i < 8; i = i & 1 ? i + 3 : i + 1)); do echo $i; done", ["0", "1", "4", "5"]),
])
def test_arithmetic_as_bash_evaluates_it(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("expression", "bash_prints"), [
    # Bash's errors: it abandons the line, and goes on at the next one
    ("1 ? 2 : x = 3", []), ("0 ? 2 : x = 3", []),  # the third operand is no assignment
    ("1 ?2", []), ("1 ? : 3", []),
    ("0 ? 2 ** -1 : 1", []),  # a negative exponent, even in the operand skipped
    ("2#", []), ("2#2", []), ("1#1", []), ("65#1", []), ("0x1g", []), ("0#1", []),
    ("16#1#1", []), ("37#Z", []), ("10#", []), ("1_0", []),
    ("5++", []), ("--x++", []), ("++x++", []), ("(x) = 1", []), ("1 + x = 2", []),
    ("x **= 2", []), ("1 <<= 1", []), ("1,", []), ("x = 5, 1 / 0", []),
    ("y", []),  # y holds a carriage return, which Bash reads as no blank
    # evaluated by Bash, not interpreted: a shift count out of 0..63 is C's undefined
    # behaviour (x86-64 shifts by its low 6 bits); a value that is an expression of its
    # own; an array
    ("1 << 64", ["1"]), ("1 << -1", ["-9223372036854775808"]), ("1 >> 64", ["1"]),
    ("x <<= 64", ["1"]), ("z", ["3"]), ("a[1]", ["0"]),
])
def test_arithmetic_bash_refuses_or_not_interpreted(expression: str,
                                                    bash_prints: list[str]) -> None:
    # the line before is evaluated; this one is not, and what follows is not known
    body = f"x=1 y=$'5\\r' z=1+2\necho \"$((6 & 3))\"\necho \"$(({expression}))\"\necho after"
    _, result, host = bash(body)
    assert host.lines() == ["2"] and result == ScriptResult()
    assert real_bash(body) in (None, ["2", *bash_prints, "after"])


# -- random expressions, compared with Bash -----------------------------------------------------
#: The variables the expressions use, and their values before each one.
_VARIABLES = "a=3 b=-2 c=0"
_NUMBERS = ["0", "1", "2", "3", "7", "64", "010", "0x1F", "2#101", "36#z", "64#_",
            "9223372036854775807"]
_NAMES = ["a", "b", "c"]
_BINARY = ["+", "-", "*", "/", "%", "**", "<<", ">>", "<", "<=", ">", ">=", "==", "!=", "&",
           "^", "|", "&&", "||", ","]
_UNARY = ["-", "+", "!", "~"]
_ASSIGNMENTS = ["=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="]
#: Between an operator and its operands: nothing as well, so that Bash's reading of ``+++``
#: or ``a--b`` is compared too.
_SPACE = st.sampled_from(["", " "])


def _increment(name: str, step: str, before: bool) -> str:
    return step + name if before else name + step


_LEAVES = st.one_of(
    st.sampled_from(_NUMBERS), st.sampled_from(_NAMES),
    st.builds(_increment, st.sampled_from(_NAMES), st.sampled_from(["++", "--"]),
              st.booleans()))


def _compounds(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{0}{3}{1}{3}{2}".format, inner, st.sampled_from(_BINARY), inner, _SPACE),
        st.builds("{}{}".format, st.sampled_from(_UNARY), inner),
        st.builds("({})".format, inner),
        st.builds("{} ? {} : {}".format, inner, inner, inner),
        st.builds("{} {} {}".format, st.sampled_from(_NAMES), st.sampled_from(_ASSIGNMENTS),
                  inner))


_EXPRESSIONS = st.recursive(_LEAVES, _compounds, max_leaves=8)
#: How many expressions one run of Bash evaluates.
_BATCH = 12


def _bash_answers(expressions: list[str]) -> list[str | None]:
    """What Bash 5.2 prints for each expression (its value and the variables after it), or
    None where it is Bash's error; one run of Bash for them all, each on a line of its own
    after the variables are set again (an error abandons only its line)."""
    script = "".join(f'{_VARIABLES}\necho "$(({e}))" "$a $b $c"\necho "#"\n'
                     for e in expressions)
    answers: list[str | None] = []
    line: str | None = None
    for printed in real_bash(script) or []:
        if printed == "#":
            answers.append(line)
            line = None
        else:
            line = printed
    return answers


def _simulated(expression: str) -> str | None:
    _, _, host = bash(f'{_VARIABLES}\necho "$(({expression}))" "$a $b $c"')
    return host.lines()[0] if host.lines() else None


@pytest.mark.skipif(REAL_BASH is None, reason="needs Bash 5.2")
@settings(deadline=None)
@given(st.lists(_EXPRESSIONS, min_size=_BATCH, max_size=_BATCH))
def test_random_arithmetic_as_bash_evaluates_it(expressions: list[str]) -> None:
    # Where the interpreter answers, Bash answers the same; where Bash answers, so does the
    # interpreter, but for a shift (its count may be out of 0..63, not interpreted). Bash's
    # errors (a division by 0, a negative exponent, an assignment to no name) it refuses.
    for expression, answer in zip(expressions, _bash_answers(expressions), strict=True):
        simulated = _simulated(expression)
        if simulated is not None or ("<<" not in expression and ">>" not in expression):
            assert simulated == answer, expression
