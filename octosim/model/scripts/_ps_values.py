"""PowerShell's values as the interpreter computes them (:mod:`._ps_exec`): strings, Int32,
Int64 and doubles with PowerShell's promotions, arrays of them, and the operators, conversions
and comparisons on them. A result the simulator cannot give exactly (a double PowerShell 5.1
and 7 would write differently, a value too long to build) raises :class:`Unknown`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from octosim.model.dotnet import utf16_length
from octosim.model.scripts._running import DECIMAL_NUMBER, Unknown, may_backtrack
from octosim.model.wildcard import compile_wildcard

__all__ = ["Scalar", "Value"]

#: One object: a string, a number, a bool or $null.
Scalar = str | int | float | bool | None
#: A list (``'a','b'``, ``Get-Service``'s services, by name) prints as PowerShell prints an
#: array in a string: its items joined by a space.
Value = Scalar | tuple[Scalar, ...]

#: A string that compares the same ordinally (case-folded) as PowerShell's culture-aware
#: comparison does: ASCII letters and digits only.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]*")
#: PowerShell's numbers are written in ASCII digits only (.NET parses no other): ``[0-9]``,
#: never ``\d``, which takes any script's digits ('٣', '３'). An integer has the white space
#: .NET's parsing allows around it, tab to carriage return and space (``\s`` in ASCII; a
#: no-break space, which Python's ``\s`` and ``int()`` take, is not confirmed).
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)
_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
#: A string .NET reads as a double the way Python's ``float`` does (ASCII digits, no ``_``,
#: no ``inf``/``nan``): only these are converted.
_DOUBLE_TEXT = re.compile(rf"\s*(?:{DECIMAL_NUMBER.pattern})\s*")
#: Regular expressions .NET and Python read alike (ASCII text, no ``(?``, no escapes but of
#: these characters, no nested or subtracted classes): only they are matched; others are
#: unknown. A pattern that may backtrack for ages (:func:`may_backtrack`) is not run (it is
#: unknown). Escapes are read in pairs, left to right: ``\\J`` is a backslash, then ``J``.
_ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
_SAFE_ESCAPED = frozenset("dDwWsSbB.\\^$|?*+()[]{}/-'\"#ntr ")
#: Quantifiers Python reads and .NET does not: ``{,n}`` (.NET: the text) and the possessive
#: ``a++``, ``a*+``, ``a?+``, ``a{2}+`` (.NET: "Nested quantifier").
_PYTHON_ONLY = re.compile(r"\{,|[*+?}]\+")
#: .NET's Int32 and Int64 (Start-Sleep's parameters are bounded by an Int32 of milliseconds).
_INT32_MAX = 2**31 - 1
_INT32_MIN = -(2**31)
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)
#: The longest string or array the simulator builds (``+``, ``-join``, ``"..."``): longer
#: ones are unknown.
_MAX_LENGTH = 1_000_000
_Sized = TypeVar("_Sized", str, tuple[Scalar, ...])


def _converted(value: Value, kind: str) -> Value:
    """An argument converted to its parameter's type, as PowerShell converts (unknown where
    that is not exact and simple)."""
    if kind == "string":  # a plain text: a service converted is its name, not a service
        return "" if value is None else str(_text(value))
    if kind in ("int", "long"):
        if isinstance(value, float):
            # .NET's Convert.ToInt32/ToInt64 round half to even, as Python's round does
            # (about_Arithmetic_Operators: [int](5 / 2) is 2); infinity and NaN overflow
            if not math.isfinite(value):
                raise Unknown(repr(value))
            value = round(value)
        if isinstance(value, tuple):
            raise Unknown("array")
        number = 0 if value is None else _as_number(value, 0)
        low, high = (_INT64_MIN, _INT64_MAX) if kind == "long" else (_INT32_MIN, _INT32_MAX)
        if isinstance(number, float) or not low <= number <= high:
            raise Unknown(repr(value))  # PowerShell's conversion error: the call fails
        return _Int64(number) if kind == "long" else int(number)
    if kind in ("switch", "bool"):
        if isinstance(value, bool):
            return value
        if kind == "bool" or isinstance(value, tuple | str):
            raise Unknown(repr(value))  # [bool] takes bools and numbers only
        return _truthy(value)
    if kind == "array":
        return None if value is None else _items(value)
    return value


#: The types a cast (``[int]$x``) converts to as the simulator models it, by PowerShell's
#: names for them, each a kind :func:`_cast` takes.
_CAST_TYPES = {
    "string": "string", "system.string": "string", "int": "int", "int32": "int",
    "system.int32": "int", "long": "long", "int64": "long", "system.int64": "long",
    "bool": "bool", "boolean": "bool", "system.boolean": "bool",
}


def _cast(value: Value, kind: str) -> Value:
    """``[type]value``, as PowerShell's LanguagePrimitives convert it: to ``bool``, a value's
    truth (a non-empty text is true, ``'false'`` too; an array by its items, as
    about_Booleans describes); to ``string`` and ``int``/``long``, as a parameter of that type
    converts its argument (:func:`_converted`: a number's text, a text of decimal digits, a
    double rounded half to even). A ``[char]`` (an integer to PowerShell), a service (an
    object) and an array to a string or a number (joined with ``$OFS``, or one item read)
    are not modelled; nor is what PowerShell cannot convert (its error's text is the
    edition's .NET's)."""
    if isinstance(value, _Char | _Service) or (isinstance(value, tuple) and any(
            isinstance(item, _Char | _Service) for item in value)):
        raise Unknown(repr(value))
    if kind == "bool":
        return _truthy(value)
    if isinstance(value, tuple):
        raise Unknown("array")
    return _converted(value, kind)


def _add(left: Value, right: Value) -> Value:
    """``left + right`` as PowerShell adds, the left operand's type deciding: $null adds
    nothing; an array gets the right's items appended; a string the right's text; a number
    the right converted to a number (unknown where that is not exact and simple)."""
    if left is None:
        return right
    if isinstance(left, _Service):
        raise Unknown(repr(left))  # a ServiceController has no op_Addition: PowerShell's error
    if isinstance(left, _Char):
        raise Unknown(repr(left))  # a [char] adds as its code ('5' + 1 is 54): not modelled
    if isinstance(left, tuple):
        return _bounded(left + (_items(right) if right is not None else (None,)))
    if isinstance(left, str):
        return _bounded(left + _text(right))
    if isinstance(right, tuple):
        raise Unknown(repr(left))
    if isinstance(left, bool):
        # PowerShell's Add binder takes a bool as a primitive, an Int32 0 or 1, and $null as
        # 0 (Binders.cs: BinaryAdd, GetArgAsNumericOrPrimitive); a string is converted as a
        # number's right operand is (BinaryNumericStringOp): not modelled.
        if isinstance(right, str | _Service):
            raise Unknown(repr(left))
        return _arithmetic("+", int(left), 0 if right is None else _as_number(right, 0))
    # A bool on the right is an Int32 0 or 1 too (_as_number).
    return left if right is None else _arithmetic("+", left, _as_number(right, left))


class _Int64(int):
    """An Int64 (``[long]``) whose value an Int32 could hold (a ``[long]`` parameter, the
    sum of Int64s): PowerShell keeps its type, so it overflows as an Int64 does. Any other
    integer is an Int32 if it fits one, else an Int64 (a literal or a result that large is
    one); none is larger (see :func:`_integer`, :func:`_arithmetic`)."""


def _is_int64(number: int) -> bool:
    return isinstance(number, _Int64) or not _INT32_MIN <= number <= _INT32_MAX


def _integer(text: str) -> int:
    """An integer literal, or a string PowerShell converts to one: an Int32 or an Int64.
    Beyond an Int64, PowerShell 5.1 reads a double and 7 a decimal, which they write
    differently: unknown (and ``int()`` of thousands of digits raises)."""
    if len(text.strip().lstrip("+-")) > 19 or not _INTEGER.fullmatch(text):
        raise Unknown(text)  # too long, or not in ASCII digits (int() reads any script's)
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise Unknown(text)
    return value


def _arithmetic(op: str, left: int | float, right: int | float) -> int | float:
    """``left op right`` (``+ - * / %``) on two numbers as PowerShell computes it (its IntOps,
    LongOps and DoubleOps): Int32s give an Int32, an Int64 among them an Int64, and a result
    too large for that type is a double (PowerShell promotes, it never wraps, and never to
    Int64: an Int32 sum beyond one is a double); ``/`` gives a double unless the division
    is exact; a double among them gives a double, which overflows to infinity. So no
    integer grows beyond an Int64. Dividing an integer by zero (PowerShell's error) is
    unknown."""
    if isinstance(left, float) or isinstance(right, float):
        return _double_arithmetic(op, float(left), float(right))
    long = _is_int64(left) or _is_int64(right)
    if op in ("/", "%"):
        if right == 0:
            raise Unknown("Attempted to divide by zero.")  # PowerShell's error: not modelled
        # .NET's remainder takes the dividend's sign (Python's the divisor's).
        remainder = abs(left) % abs(right) * (1 if left >= 0 else -1)
        if op == "%":
            return _Int64(remainder) if long else remainder
        if remainder:
            return float(left) / float(right)  # not exact: a double, as PowerShell divides
        exact = left // right
    else:
        exact = left + right if op == "+" else left - right if op == "-" else left * right
    if long:
        return _Int64(exact) if _INT64_MIN <= exact <= _INT64_MAX else float(exact)
    return exact if _INT32_MIN <= exact <= _INT32_MAX else float(exact)


def _double_arithmetic(op: str, left: float, right: float) -> float:
    """``left op right`` on doubles, as .NET computes them (IEEE: overflow is infinity,
    division by zero infinity or NaN, never an error; ``%`` is C#'s, the dividend's sign)."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if right == 0:
            if left == 0 or math.isnan(left):
                return math.nan
            return math.copysign(math.inf, left) * math.copysign(1.0, right)
        return left / right
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


def _binary(op: str, left: Value, right: Value) -> Value:
    """``left op right`` for ``+``, ``-``, ``*``, ``/``, ``%``, the left operand's type
    deciding, as PowerShell does: ``+`` as :func:`_add`; ``*`` repeats a string or an array
    (:func:`_repeated`); otherwise numbers, the right converted to a number (``10 - '4'``
    is 6), a bool an Int32 0 or 1 on either side (``$true + 1`` is 2; on the left of ``*``,
    PowerShell's error). What this cannot do exactly ($null, arrays, strings on the left)
    is unknown."""
    if op == "+":
        return _add(left, right)
    if isinstance(left, _Char):
        raise Unknown(repr(left))  # a number to PowerShell, its code: not modelled
    if op == "*" and isinstance(left, str | tuple):
        return _repeated(left, right)
    if isinstance(left, bool) and op != "*":
        # A primitive to the Sub, Divide and Remainder binders, as to Add: an Int32 0 or 1;
        # Multiply's takes numbers only (``$true * 2`` is PowerShell's error: unknown).
        left = int(left)
    if (not isinstance(left, int | float) or isinstance(left, bool) or right is None
            or isinstance(right, tuple)):
        raise Unknown(repr(left))
    return _arithmetic(op, left, _as_number(right, left))  # a bool right: an Int32 too


def _negated(value: Value) -> Value:
    """``-value`` as PowerShell's UnaryMinus binder computes it: a number is negated in its
    own type by .NET's unchecked negation (so the smallest Int32, or Int64, is its own
    negation, where ``0 - value`` would give a double); anything else is ``0 - value``
    (:func:`_binary`: ``-'7'`` is -7, ``-$true`` -1; ``$null`` or an array is unknown)."""
    if isinstance(value, float):
        return -value
    if isinstance(value, int) and not isinstance(value, bool):
        if _is_int64(value):
            return _Int64(value if value == _INT64_MIN else -value)
        return value if value == _INT32_MIN else -value
    return _binary("-", 0, value)


#: A composite format's parts: an escaped brace, an item ``{N}``, or any other brace (an
#: alignment, a format string, a lone brace: not modelled).
_FORMAT_PART = re.compile(r"\{\{|\}\}|\{([0-9]+)\}|[{}]")


def _formatted(template: Value, args: tuple[Scalar, ...]) -> str:
    """``template -f args``: .NET's composite formatting, for items ``{N}`` (each
    argument's text) and the escapes ``{{`` and ``}}``. An alignment or a format string
    (``{0,5}``, ``{0:N2}``), a lone brace or an index past the arguments (.NET's
    FormatException) is unknown, and so is a template that is not a string, or a result
    longer than :data:`_MAX_LENGTH`, decided as it is built."""
    if not isinstance(template, str):
        raise Unknown(repr(template))

    def item(m: re.Match[str]) -> str:
        part = m.group()
        if part in ("{{", "}}"):
            return part[0]
        if (index := m.group(1)) is not None and len(index) < 10 and int(index) < len(args):
            return _text(args[int(index)])  # (int() of thousands of digits would raise)
        raise Unknown(part)

    return _spliced(template, _FORMAT_PART.finditer(template), item)


def _spliced(text: str, matches: Iterable[re.Match[str]],
             piece: Callable[[re.Match[str]], str]) -> str:
    """``text`` with each of ``matches`` (in order, not overlapping) replaced by its
    ``piece``; a result longer than :data:`_MAX_LENGTH` is unknown, decided as it is built
    (``'{0}' * 300000 -f ('x' * 100)`` would fill the memory)."""
    parts: list[str] = []
    length = position = 0
    for m in matches:
        written = piece(m)
        parts += (text[position : m.start()], written)
        length += m.start() - position + len(written)
        if length > _MAX_LENGTH:
            raise Unknown(f"a text of more than {_MAX_LENGTH:,} characters")
        position = m.end()
    parts.append(text[position:])
    if length + len(parts[-1]) > _MAX_LENGTH:
        raise Unknown(f"a text of more than {_MAX_LENGTH:,} characters")
    return "".join(parts)


def _repeated(value: str | tuple[Scalar, ...], count: Value) -> Value:
    """``'ab' * 3``, ``@(1, 2) * 3``: ``value`` repeated, the count converted to an Int32;
    a count PowerShell would round (a double) or refuse (negative, beyond an Int32) is
    unknown, and so is a result longer than :data:`_MAX_LENGTH` (checked before it is
    built: ``'x' * 2000000000`` would fill the memory)."""
    if count is None or isinstance(count, bool | float | tuple):
        raise Unknown(repr(count))
    times = _as_number(count, 0)
    if isinstance(times, float) or not 0 <= times <= _INT32_MAX:
        raise Unknown(repr(count))
    if len(value) * times > _MAX_LENGTH:
        raise Unknown(f"a value of {len(value) * times:,} characters or items")
    return value * times


def _range(first: Value, last: Value) -> tuple[Scalar, ...]:
    """``first..last``: the Int32s from one to the other, either way. Bounds PowerShell
    would convert (doubles, strings: PowerShell 7 reads 'a'..'z' as characters) or refuse
    (beyond an Int32), and ranges longer than :data:`_MAX_LENGTH`, are unknown."""
    ends: list[int] = []
    for end in (first, last):
        if (not isinstance(end, int) or isinstance(end, bool)
                or not _INT32_MIN <= end <= _INT32_MAX):
            raise Unknown(repr(end))
        ends.append(int(end))
    low, high = ends
    if abs(high - low) + 1 > _MAX_LENGTH:
        raise Unknown(f"a range of {abs(high - low) + 1:,} items")
    step = 1 if high >= low else -1
    return tuple(range(low, high + step, step))


def _bounded(value: _Sized) -> _Sized:
    """``value``, if it is no longer than :data:`_MAX_LENGTH`; else unknown (a script
    doubling a string or an array in a loop would otherwise fill the memory)."""
    if len(value) > _MAX_LENGTH:
        raise Unknown(f"a value of {len(value):,} characters or items")
    return value


class _Char(str):
    """A string's character (``$s[0]``): a .NET [char]. It prints, compares and counts as
    a one-character text, but has none of a string's methods (``$s[0].ToUpper()`` is
    PowerShell's error)."""

    __slots__ = ()


class _Service(str):
    """A service ``Get-Service`` returns (a .NET ServiceController), known by its name: it
    prints as its name (PowerShell's ToString of one is the name), and so ``-like``,
    ``-match`` and a text compared with one read it; compared on the left it is an object
    (:func:`_object_compared`). It alone has a ``Name`` property (:func:`_named`); a text has
    none."""

    __slots__ = ()


def _named(value: Value, strict: bool = False) -> Value:
    """``value.Name``: a service's name (a text, which has no Name of its own); an array of
    services, their names (PowerShell enumerates the member over the items). Anything else
    has no such property: ``$null``, but under ``Set-StrictMode`` PowerShell's error
    (PropertyNotFoundStrict), unknown."""
    if isinstance(value, _Service):
        return str(value)
    if isinstance(value, tuple):
        if not value or not all(isinstance(item, _Service) for item in value):
            raise Unknown("Name")  # enumerated over items without one, or none: not modelled
        return tuple(str(item) for item in value)
    if strict:
        raise Unknown("Name")
    return None


def _indexed(value: Value, index: int, strict: bool = False) -> Value:
    """``$a[i]``: an array's item (from the end if negative; $null past it, but after
    ``Set-StrictMode``, PowerShell's error), a string's character (a :class:`_Char`; .NET
    counts UTF-16 code units, so a text beyond the BMP is unknown); indexing a number, an
    index beyond an Int32 (PowerShell converts it to one) and indexing a service (one object,
    not its name's characters) are unknown, and so is indexing $null here (PowerShell's
    error: the interpreter raises it before)."""
    if not _INT32_MIN <= index <= _INT32_MAX:
        raise Unknown(str(index))
    if not isinstance(value, tuple | str) or isinstance(value, _Service):
        raise Unknown(repr(value))
    if not -len(value) <= index < len(value):
        if strict:
            raise Unknown(str(index))
        return None
    if isinstance(value, str):
        if not value.isascii() and any(ord(c) > 0xFFFF for c in value):
            raise Unknown(value)
        return _Char(value[index])
    return value[index]


def _size(value: Value, member: str) -> int:
    """``value.Length`` or ``value.Count`` (``member`` lower-cased): a text's Length is its
    UTF-16 code units, as .NET counts them; an array has its items; any other value (a
    service too) is one item, as PowerShell's intrinsic members count it, and ``$null``
    none."""
    if isinstance(value, str) and member == "length" and not isinstance(value, _Service):
        return utf16_length(value)
    if isinstance(value, tuple):
        return len(value)
    return 0 if value is None else 1


def _items(value: Value) -> tuple[Scalar, ...]:
    """The objects a value sends down the pipeline: an array's items; none for $null."""
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def _as_number(value: Value, like: int | float) -> int | float:
    """``value`` converted to the type of the number ``like``, as PowerShell converts a
    comparison's right operand; unknown where the conversion is not exact and simple."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, _Service):
        raise Unknown(repr(value))  # an object, not its name: PowerShell makes no number of it
    if isinstance(value, _Char):
        raise Unknown(repr(value))  # a [char] converts to its code (53 for '5'): not modelled
    try:
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return _integer(value)
        if isinstance(value, str) and isinstance(like, float) and _NUMBER.match(value.strip()):
            return float(value)
    except ValueError:
        pass
    raise Unknown(repr(value))


def _equal(left: Value, right: Value, sensitive: bool) -> bool:
    """``left -eq right``: $null equals only $null (not ''); a bool or number on the left
    converts the right operand to its type; strings compare ignoring case (``-ceq``: not).
    A service on the left (:func:`_object_compared`) is unknown."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, tuple) or isinstance(right, tuple):
        raise Unknown("array")
    _object_compared(left)
    if isinstance(left, _Char) and not isinstance(right, str):
        raise Unknown(repr(left))  # the right converted to a [char]: 5 is U+0005, not '5'
    if isinstance(left, bool):
        return left == _truthy(right)
    if isinstance(left, int | float):
        return _same_type(left, _as_number(right, left)) == _same_type(
            _as_number(right, left), left)
    a, b = _text(left), _text(right)
    return a == b if sensitive else a.casefold() == b.casefold()


def _pattern_match(base: str, left: Value, right: Value, sensitive: bool) -> bool:
    """``-like``/``-match`` (before ``not``): wildcards, or a regular expression that .NET
    and Python read alike; a $null subject is known only where '' cannot match."""
    pattern = _text(right)
    subject = "" if left is None else _text(left)
    try:
        if base.endswith("like"):
            if may_backtrack(pattern, glob=True):
                raise Unknown(pattern)
            compiled = compile_wildcard(pattern)
            if sensitive:
                compiled = re.compile(compiled.pattern, re.DOTALL)
        else:
            compiled = _dotnet_regex(pattern, subject, sensitive)
    except (ValueError, OverflowError, re.error):  # a{1,99999999999}: OverflowError
        raise Unknown(pattern) from None
    found = (compiled.fullmatch(subject) if base.endswith("like")
             else compiled.search(subject)) is not None
    if left is None and found:
        raise Unknown("$null")  # PowerShell may read $null as '' here, or not: not modelled
    return found


def _dotnet_regex(pattern: str, subject: str, sensitive: bool) -> re.Pattern[str]:
    """``pattern`` compiled as .NET would read it against ``subject`` (``sensitive``: case
    counts): only where .NET and Python read it alike (ASCII text, no ``(?``, no escapes but
    :data:`_SAFE_ESCAPED`, no nested or subtracted classes) and it cannot backtrack for ages
    (:func:`may_backtrack`); any other is unknown."""
    if not (pattern.isascii() and subject.isascii()) or any(
            m.group(1) not in _SAFE_ESCAPED for m in _ESCAPE.finditer(pattern)) or (
            "(?" in pattern or "[[" in pattern or "-[" in pattern or may_backtrack(pattern)
            or _PYTHON_ONLY.search(pattern)):
        raise Unknown(pattern)
    try:
        return re.compile(pattern, 0 if sensitive else re.IGNORECASE)
    except (ValueError, OverflowError, re.error):  # a{1,99999999999}: OverflowError
        raise Unknown(pattern) from None


def _order(base: str, left: Value, right: Value, sensitive: bool) -> bool:
    """``-gt``/``-ge``/``-lt``/``-le``: numbers numerically; strings only where PowerShell's
    culture-aware comparison is the plain one (letters and digits, ignoring case)."""
    a: int | float | str
    b: int | float | str
    _object_compared(left)  # nor does PowerShell order one: no IComparable
    if isinstance(left, _Char):
        raise Unknown(repr(left))  # a [char] orders by its code, case and all: not modelled
    if isinstance(left, int | float) and not isinstance(left, bool):
        number = _as_number(right, left)
        a, b = _same_type(left, number), _same_type(number, left)
    elif isinstance(left, str) and not sensitive and right is not None:
        a, b = left.casefold(), _text(right).casefold()
        if not (_PLAIN_WORD.fullmatch(a) and _PLAIN_WORD.fullmatch(b)):
            raise Unknown(left)
    else:
        raise Unknown(repr(left))
    if base == "gt":
        return a > b  # type: ignore[operator]
    if base == "ge":
        return a >= b  # type: ignore[operator]
    if base == "lt":
        return a < b  # type: ignore[operator]
    return a <= b  # type: ignore[operator]


def _object_compared(left: Value) -> None:
    """Unknown if ``left`` is a service: PowerShell converts a comparison's right operand to
    the left's type, here a new ServiceController made from the text, and compares the two
    objects, not their names (a text on the left compares the service's name)."""
    if isinstance(left, _Service):
        raise Unknown(repr(left))


def _same_type(number: int | float, other: int | float) -> int | float:
    """``number`` as .NET compares it with ``other``: an integer with a double is compared
    as a double (exactly, in Python, it would differ beyond 2**53)."""
    return float(number) if isinstance(other, float) else number


def _truthy(value: Value) -> bool:
    """PowerShell's truth: an array of one item is as true as the item (``@('')`` is
    false), an empty one is false, a longer one true."""
    if isinstance(value, tuple) and len(value) == 1:
        return _truthy(value[0])
    return bool(value)


def _text(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return _joined(" ", value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return _double_text(value)
    return "" if value is None else str(value)


def _joined(separator: str, items: Sequence[Value]) -> str:
    """``items``' texts joined by ``separator``; one longer than :data:`_MAX_LENGTH` is
    unknown, decided as the texts are read, before it is built."""
    texts: list[str] = []
    length = -len(separator)
    for item in items:
        texts.append(_text(item))
        length += len(separator) + len(texts[-1])
        if length > _MAX_LENGTH:
            raise Unknown(f"a text of more than {_MAX_LENGTH:,} characters")
    return separator.join(texts)


def _double_text(value: float) -> str:
    """A double's text, where PowerShell 5.1 and 7 write it alike: 5.1 writes 15 significant
    digits, 7 the fewest that read back as the same double (0.1 + 0.2 is 0.3 in one,
    0.30000000000000004 in the other); both switch to exponents (``1E+15``) from 1e15 and
    below 1e-5; infinity is ``Infinity`` or ``∞`` by culture, and 7 writes a negative zero
    ``-0``. So a double is written only if it is zero, or lies between 1e-4 and 1e15 with
    at most 15 significant digits (it is written as Python writes it, which is then .NET's
    text, the culture's decimal separator taken as '.'); any other is unknown."""
    if value == 0 and math.copysign(1.0, value) > 0:
        return "0"
    text = repr(value)
    # NaN and the infinities fail the range test too.
    if not 1e-4 <= abs(value) < 1e15 or len(text.lstrip("-").replace(".", "").strip("0")) > 15:
        raise Unknown(text)
    return text.removesuffix(".0")


