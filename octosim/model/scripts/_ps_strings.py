"""PowerShell's text operators and string methods, as the interpreter (:mod:`._ps_exec`)
computes them: ``-replace``, ``-split``, ``[regex]::Escape`` and the methods step scripts call
on a string (``.Contains``, ``.Replace``, ``.Split``, ``.Trim`` ...). Regular expressions run
only where .NET and Python read them alike (:func:`._ps_values._dotnet_regex`); a method
whose .NET result depends on the machine's culture runs only on text where the culture
assumed (one without special casing or contractions, as en-US) gives the ordinal result.
Anything else raises :class:`Unknown`, as everywhere in the interpreter."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from octosim.model.dotnet import WHITE_SPACE as _WHITESPACE
from octosim.model.scripts._ps_values import (
    _INT32_MAX,
    _MAX_LENGTH,
    Scalar,
    Value,
    _bounded,
    _Char,
    _dotnet_regex,
    _items,
    _Service,
    _spliced,
    _text,
)
from octosim.model.scripts._running import Unknown

__all__: list[str] = []

#: Runs of .NET's white space (unary ``-split``'s ``\s+``: .NET's ``\s`` is the same set).
_BLANKS = re.compile(f"[{re.escape(_WHITESPACE)}]+")
#: Text on which a culture-aware comparison (``StartsWith``, ``EndsWith``, ``IndexOf`` with a
#: string) is the ordinal one in the culture assumed, in both NLS (Windows PowerShell) and
#: ICU (PowerShell 7 on Linux): printable ASCII, but the hyphen and the apostrophe, which
#: NLS's word sort weighs specially. (A culture with contractions differs: Danish reads
#: "aa" as one letter.)
_CULTURE_PLAIN = re.compile(r"[ !\"#$%&()*+,./0-9:;<=>?@A-Z\[\\\]^_`a-z{|}~]*")
#: Replacing or splitting at five matches counts one statement against the script's budget
#: (each costs about a fifth of what a statement does): a million matches take a second.
_MATCHES = 5
#: Counts statements against the running script's budget (it raises once that is spent).
_Charge = Callable[[int], None]
#: What ``[regex]::Escape`` escapes, and how (.NET's ``Regex.Escape``: ``]`` and ``}`` are
#: left alone, white space is written as its escape).
_ESCAPED = {**{c: "\\" + c for c in "\\*+?|{[()^$.#"}, " ": "\\ ", "\t": "\\t", "\n": "\\n",
            "\r": "\\r", "\f": "\\f"}
#: ``$`` substitutions in a ``-replace`` replacement that .NET and Python agree on: ``$$``,
#: ``$&`` (the match), ``$N`` and ``${N}`` (a group); any other ``$`` followed by one of
#: ``{`` ``0-9`` ``&`` `` ` `` ``'`` ``+`` ``_`` is not modelled.
_SUBSTITUTION = re.compile(r"\$(?:(\$)|(&)|([0-9])(?![0-9])|\{([0-9]+)\}|([{0-9`'+_]))")


def _weight(value: Value) -> int:
    """How many characters ``value``'s texts hold (an item that is no text counts one): the
    work a text operator or method does on it."""
    if isinstance(value, str):
        return len(value)
    return sum(len(item) if isinstance(item, str) else 1 for item in _items(value))


def _split_words(value: Value) -> tuple[Scalar, ...]:
    """Unary ``-split value``: each item's text trimmed and split at runs of white space;
    an item of none or only white space (``$null`` too) is one ''."""
    pieces: list[Scalar] = []
    for item in _items(value) if value is not None else ("",):
        pieces.extend(_BLANKS.split(_text(item).strip(_WHITESPACE)))
    return _bounded(tuple(pieces))


def _regex_escape(value: Value) -> str:
    """``[regex]::Escape(value)``: .NET's escape of a text (``$null`` is .NET's
    ArgumentNullException: unknown)."""
    if value is None or isinstance(value, tuple):
        raise Unknown(repr(value))
    text = _text(value)
    if len(text) + sum(text.count(c) for c in _ESCAPED) > _MAX_LENGTH:
        raise Unknown(f"a text of more than {_MAX_LENGTH:,} characters")
    return "".join(_ESCAPED.get(c, c) for c in text)


def _replaced(subject: Value, operands: Value, sensitive: bool, charge: _Charge) -> Value:
    """``subject -replace pattern[, replacement]`` (``operands`` is the pattern, or the
    array of both): every match of the pattern replaced, in each item of an array, each
    :data:`_MATCHES` matches charged a statement as they are found. A replacement's ``$``
    substitutions are .NET's (:data:`_SUBSTITUTION`)."""
    items = _items(operands) if isinstance(operands, tuple) else (operands,)
    if len(items) not in (1, 2):
        raise Unknown(repr(operands))  # PowerShell's error: two elements at most
    pattern, replacement = _text(items[0]), _text(items[1]) if len(items) == 2 else ""
    if isinstance(subject, tuple):
        return tuple(_replace_one(item, pattern, replacement, sensitive, charge)
                     for item in subject)
    return _replace_one(subject, pattern, replacement, sensitive, charge)


def _replace_one(subject: Scalar, pattern: str, replacement: str, sensitive: bool,
                 charge: _Charge) -> str:
    """One text's matches replaced; a result longer than :data:`_MAX_LENGTH` is unknown,
    decided as it is built (``'a' * 900000 -replace '', ('b' * 1000)`` would fill the
    memory)."""
    text = "" if subject is None else _text(subject)
    compiled = _dotnet_regex(pattern, text, sensitive)
    # the matches re.sub would replace, charged as they are found
    return _spliced(text, _charged(compiled.finditer(text), charge),
                    _substitution(replacement, compiled.groups))


def _charged(matches: Iterator[re.Match[str]], charge: _Charge) -> Iterator[re.Match[str]]:
    """``matches``, each :data:`_MATCHES` of them charged a statement as they are found."""
    for n, m in enumerate(matches, 1):
        if n % _MATCHES == 0:
            charge(1)
        yield m


def _substitution(replacement: str, groups: int) -> Callable[[re.Match[str]], str]:
    """The function that writes ``replacement`` for a match, .NET's ``$`` substitutions
    read (a group the pattern does not have, or a form not modelled, is unknown)."""
    pieces: list[str | int] = []  # literal text, or a group's number
    position = 0
    for m in _SUBSTITUTION.finditer(replacement):
        dollar, _whole, digit, braced, other = m.groups()
        if other is not None:
            raise Unknown(m.group())
        number = digit or braced or "0"
        if len(number) > 9 or int(number) > groups:
            raise Unknown(m.group())  # .NET keeps the text as it is: not modelled
        pieces += (replacement[position : m.start()], "$" if dollar else int(number))
        position = m.end()
    pieces.append(replacement[position:])
    if len(pieces) == 1:
        literal = replacement
        return lambda _match: literal
    return lambda match: "".join(
        piece if isinstance(piece, str) else match.group(piece) or "" for piece in pieces)


def _split(subject: Value, operands: Value, sensitive: bool,
           charge: _Charge) -> tuple[Scalar, ...]:
    """``subject -split delimiter[, max]``: each item's text split where the regular
    expression matches (a ``max`` above 0 keeps at most that many pieces, the last the
    rest), followed by the delimiter's groups that took part in each match, as .NET's
    ``Regex.Split`` adds them. ``$null`` splits as ''. A ``max`` below 0 (PowerShell 7
    splits from the right, 5.1 does not), an options argument, and a match of no
    characters are not modelled. Each :data:`_MATCHES` matches are charged a statement as
    they are found."""
    items = _items(operands) if isinstance(operands, tuple) else (operands,)
    if len(items) not in (1, 2):
        raise Unknown(repr(operands))
    limit = 0
    if len(items) == 2:
        count = items[1]
        if not isinstance(count, int) or isinstance(count, bool) or not (
                0 <= count <= _INT32_MAX):
            raise Unknown(repr(count))
        limit = count
    delimiter = _text(items[0])
    pieces: list[Scalar] = []
    for item in _items(subject) if subject is not None else ("",):
        text = _text(item)
        compiled = _dotnet_regex(delimiter, text, sensitive)
        start = 0
        for n, m in enumerate(compiled.finditer(text), 2):
            if m.end() == m.start():
                raise Unknown(delimiter)  # an empty match: not modelled
            if limit and n > limit:
                break
            if n % _MATCHES == 0:
                charge(1)
            pieces.append(text[start : m.start()])
            # .NET's Regex.Split adds the groups that took part in the match
            pieces.extend(group for group in m.groups() if group is not None)
            start = m.end()
        pieces.append(text[start:])
    return _bounded(tuple(pieces))


def _method(receiver: Value, name: str, args: tuple[Value, ...]) -> Value:
    """``receiver.Name(args)`` for the string methods step scripts use, as .NET computes
    them; on anything but a string (``$null``: PowerShell's error), or another method or
    overload, unknown."""
    if not isinstance(receiver, str) or isinstance(receiver, _Char | _Service):
        raise Unknown(repr(receiver))  # a [char] or a service has none of these methods
    call = _METHODS.get((name.casefold(), len(args)))
    if call is None:
        raise Unknown(name)
    return call(receiver, *args)


def _strings(*values: Value) -> tuple[str, ...]:
    """The arguments, which must be strings (PowerShell's overload choice for a number or
    ``$null`` is not modelled)."""
    if not all(isinstance(value, str) for value in values):
        raise Unknown(repr(values))
    return tuple(str(value) for value in values)


def _contains(text: str, value: Value) -> bool:
    (part,) = _strings(value)
    return part in text  # ordinal


def _replace(text: str, old: Value, new: Value) -> str:
    (old_text,) = _strings(old)
    if not old_text:
        raise Unknown(old_text)  # .NET: "String cannot be of zero length."
    new_text = "" if new is None else _text(new)
    if len(text) + text.count(old_text) * (len(new_text) - len(old_text)) > _MAX_LENGTH:
        raise Unknown(f"a text of more than {_MAX_LENGTH:,} characters")  # before it is built
    return text.replace(old_text, new_text)


def _split_at(text: str, separator: Value) -> tuple[Scalar, ...]:
    (sep,) = _strings(separator)
    if len(sep) != 1:
        # One character: Split(char). Longer: Windows PowerShell takes it as a char[] (any
        # of them), PowerShell 7 as one string; not modelled.
        raise Unknown(sep)
    return tuple(text.split(sep))


def _trimmed(side: str) -> Callable[..., str]:
    """``Trim``, ``TrimStart``, ``TrimEnd``: with no argument .NET's white space, else the
    argument's characters (PowerShell converts a string to a char[])."""

    def trim(text: str, *chars: Value) -> str:
        if chars:
            (these,) = _strings(chars[0])
            if not these or not these.isascii():
                raise Unknown(these)  # '' trims white space in .NET; not modelled
        elif "\u180e" in text:
            raise Unknown(text)  # white space to .NET Framework's Unicode tables, not to 7's
        else:
            these = _WHITESPACE
        if side == "start":
            return text.lstrip(these)
        return text.rstrip(these) if side == "end" else text.strip(these)

    return trim


def _cased(upper: bool) -> Callable[[str], str]:
    """``ToUpper``/``ToLower`` (and their Invariant forms), on ASCII text, which every
    culture cases alike (Turkish 'I' aside: the culture is taken as one of the others)."""

    def case(text: str) -> str:
        if not text.isascii():
            raise Unknown(text)
        return text.upper() if upper else text.lower()

    return case


def _culture_plain(*texts: str) -> None:
    """Unknown unless a culture-aware comparison of ``texts`` is the ordinal one."""
    if not all(_CULTURE_PLAIN.fullmatch(text) for text in texts):
        raise Unknown(repr(texts))


def _starts_with(text: str, value: Value) -> bool:
    (prefix,) = _strings(value)
    _culture_plain(text, prefix)
    return text.startswith(prefix)


def _ends_with(text: str, value: Value) -> bool:
    (suffix,) = _strings(value)
    _culture_plain(text, suffix)
    return text.endswith(suffix)


def _index_of(text: str, value: Value) -> int:
    (part,) = _strings(value)
    _culture_plain(text, part)
    return text.find(part)


def _substring(text: str, *bounds: Value) -> str:
    """``Substring(start[, length])`` on ASCII text (.NET counts UTF-16 code units); bounds
    out of the text are .NET's ArgumentOutOfRangeException: unknown."""
    if not text.isascii() or not all(
            isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        raise Unknown(repr(bounds))
    start = int(bounds[0])  # type: ignore[arg-type]
    end = start + int(bounds[1]) if len(bounds) == 2 else len(text)  # type: ignore[arg-type]
    if not 0 <= start <= end <= len(text):
        raise Unknown(repr(bounds))
    return text[start:end]


_METHODS: dict[tuple[str, int], Callable[..., Value]] = {
    ("contains", 1): _contains,
    ("replace", 2): _replace,
    ("split", 1): _split_at,
    ("trim", 0): _trimmed("both"), ("trim", 1): _trimmed("both"),
    ("trimstart", 0): _trimmed("start"), ("trimstart", 1): _trimmed("start"),
    ("trimend", 0): _trimmed("end"), ("trimend", 1): _trimmed("end"),
    ("toupper", 0): _cased(True), ("toupperinvariant", 0): _cased(True),
    ("tolower", 0): _cased(False), ("tolowerinvariant", 0): _cased(False),
    ("startswith", 1): _starts_with,
    ("endswith", 1): _ends_with,
    ("indexof", 1): _index_of,
    ("substring", 1): _substring, ("substring", 2): _substring,
    ("tostring", 0): lambda text: text,
}


#: U+180E (Mongolian vowel separator): white space in Unicode before 6.3, and so to .NET
#: versions on older Unicode data; which one Windows PowerShell's .NET Framework reads is
#: not modelled.
_ONCE_WHITESPACE = "\u180e"


def _string_argument(value: Value) -> str | None:
    """``value`` as PowerShell passes it to a .NET method's ``string`` parameter: ``$null``
    as null, a string itself, an array as its items' text joined by ``$OFS`` (none: '';
    one: that item's; more, where ``$OFS`` decides: unknown). Other values are their
    ``ToString()``: a number's, a boolean's, an object's type name."""
    if isinstance(value, tuple):
        if len(value) > 1:
            raise Unknown("an array passed as a string")
        return _text(value[0]) if value else ""
    return None if value is None else _text(value)


def _is_null_or(value: Value, white_space: bool) -> bool:
    """``[string]::IsNullOrEmpty(value)`` (``white_space``: ``IsNullOrWhiteSpace``, .NET's
    ``Char.IsWhiteSpace`` characters only, :data:`_WHITESPACE`)."""
    if value is not None and not isinstance(value, str | tuple):
        return False  # a number's, a boolean's, an object's text: never blank
    text = _string_argument(value)
    if text is None or text == "":
        return True
    if not white_space:
        return False
    rest = set(text).difference(_WHITESPACE)
    if rest == {_ONCE_WHITESPACE}:
        raise Unknown("U+180E")
    return not rest


def _parsed_bool(text: str) -> bool | None:
    """.NET's ``Boolean.Parse(text)``: ``True`` or ``False`` in any case (ordinal, ignoring
    case), after removing white space (``Char.IsWhiteSpace``) and NUL characters from both
    ends (``TrimWhiteSpaceAndNull``); None for anything else (its FormatException). Text
    with other than ASCII characters is unknown: the ordinal case-insensitive comparison
    folds some (``ſ``, ``ı``) as no Python comparison does alike in both .NETs."""
    trimmed = text.strip(_WHITESPACE + "\0")
    if _ONCE_WHITESPACE in text:
        raise Unknown("U+180E")
    if not trimmed.isascii():
        if len(trimmed) in (4, 5):
            raise Unknown(text)
        return None
    folded = trimmed.casefold()
    return True if folded == "true" else False if folded == "false" else None
