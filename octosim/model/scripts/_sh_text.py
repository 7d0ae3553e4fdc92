"""The text side of the Bash interpreter: splitting a command into words, and the
builtins that are pure functions of their words (``sleep``'s durations, ``test``,
``printf``, ``echo -e``'s escapes)."""

from __future__ import annotations

import fnmatch
import math
import re

from octosim.model.scripts._running import Unknown

__all__ = [
    "dequote",
    "printf_lines",
    "sleep_seconds",
    "split_words",
    "strip_sudo",
    "test_expression",
    "unescape",
]

_SLEEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def split_words(text: str) -> list[str]:
    words: list[str] = []
    start: int | None = None
    for i in range(len(text) + 1):
        inside = i < len(text) and not text[i].isspace()
        if inside and start is None:
            start = i
        elif not inside and start is not None and _quotes_closed(text[start:i]):
            words.append(text[start:i])
            start = None
    if start is not None:
        words.append(text[start:])
    return words


def _quotes_closed(word: str) -> bool:
    single = double = False
    i = 0
    while i < len(word):
        c = word[i]
        if c == "\\" and not single:
            i += 2
            continue
        if c == "'" and not double:
            single = not single
        elif c == '"' and not single:
            double = not double
        i += 1
    return not (single or double)


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
_INTEGER = re.compile(r"^\s*[-+]?\d+\s*$")
_NUMERIC = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__,
            "-gt": int.__gt__, "-ge": int.__ge__}
_BINARY = frozenset({"=", "==", "!=", "<", ">", "=~", "-nt", "-ot", "-ef", *_NUMERIC})
#: A ``=~`` pattern read the same by POSIX ERE and Python's ``re``: no backslashes, no
#: character classes (``[:alpha:]``), no ``(?`` extensions.
_PORTABLE_REGEX = re.compile(r"^(?!.*\[[:=.])(?!.*\(\?)[^\\]*$")
_GLOB = re.compile(r"[*?\[]")


def test_expression(args: list[str], *, double: bool,
                    forms: list[str]) -> bool:
    """Evaluate ``[ args ]``/``test args`` or, with ``double``, ``[[ args ]]``. ``forms``
    says how each word was quoted (``bare``, ``quoted``, ``mixed``): the right side of
    ``[[ == ]]`` is a pattern unless quoted. Raises :class:`Unknown` for what it cannot
    evaluate (files other than ``/etc/environment``, ``-v``, ``<``...)."""
    test = _Test(args, forms, double)
    if not double and len(args) == 3 and args[1] in _BINARY | {"-a", "-o"}:
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
    cannot be known (``-a`` with a known false side is still false)."""

    def __init__(self, args: list[str], forms: list[str], double: bool) -> None:
        self.args, self.forms, self.double = args, forms, double
        self.and_op, self.or_op = ("&&", "||") if double else ("-a", "-o")
        self.i = 0

    def _at(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.args[j] if j < len(self.args) else None

    def or_expression(self) -> bool | None:
        value = self.and_expression()
        while self._at() == self.or_op:
            self.i += 1
            right = self.and_expression()
            value = True if value or right else None if None in (value, right) else False
        return value

    def and_expression(self) -> bool | None:
        value = self.not_expression()
        while self._at() == self.and_op:
            self.i += 1
            right = self.not_expression()
            value = False if value is False or right is False else (
                None if None in (value, right) else True)
        return value

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
        if self._at(1) in _BINARY and self._at(2) is not None:
            return self.binary(self.i)
        if word in _UNARY and self._at(1) is not None:
            self.i += 2
            return _unary(word, self.args[self.i - 1])
        self.i += 1
        return word != ""

    def binary(self, j: int) -> bool | None:
        left, op, right = self.args[j : j + 3]
        self.i = j + 3
        if op in ("-a", "-o"):  # [ A -a B ]: both / either non-empty
            return (left != "" and right != "") if op == "-a" else (left != "" or right != "")
        if op in _NUMERIC:
            if not (_INTEGER.match(left) and _INTEGER.match(right)):
                if self.double:
                    return None  # [[ ]] reads them as arithmetic: not evaluated
                return False  # `integer expression expected`: status 2
            return bool(_NUMERIC[op](int(left), int(right)))
        if op == "=~" and self.double:
            return _regex_match(left, right, self.forms[j + 2])
        if op in ("=", "==", "!="):
            same = (_pattern_match(left, right, self.forms[j + 2]) if self.double
                    else left == right)
            return None if same is None else same == (op != "!=")
        return None  # <, >, -nt, -ot, -ef: not evaluated


def _unary(op: str, operand: str) -> bool | None:
    if op in _STRING_TESTS:
        return (operand == "") == (op == "-z")
    if op in _FILE_TESTS:
        return _KNOWN_FILES.get(operand, {}).get("-e" if op == "-a" else op)
    return None  # -t (a terminal), -v (a variable set), -o (a shell option): not evaluated


def _pattern_match(text: str, pattern: str, form: str) -> bool | None:
    """``[[ text == pattern ]]``: a glob unless quoted; None for what is not evaluated."""
    if form == "quoted" or not _GLOB.search(pattern):
        return text == pattern  # quoted, or no wildcard: a plain string
    if form != "bare" or "[" in pattern or "(" in pattern:
        return None  # partly quoted, bracket expressions or extglob: not evaluated
    return fnmatch.fnmatchcase(text, pattern)


def _regex_match(text: str, pattern: str, form: str) -> bool | None:
    """``[[ text =~ pattern ]]``: an extended regular expression unless quoted (a quoted
    pattern matches as a plain substring)."""
    if form == "quoted":
        return pattern in text
    if form != "bare" or not _PORTABLE_REGEX.match(pattern):
        return None
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return None


def unescape(text: str) -> str:
    return (text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"))


def printf_lines(fmt: str, args: list[str]) -> list[str]:
    """The lines ``printf FORMAT ARGS...`` prints: ``%s``, ``%c``, ``%d``/``%i``/``%u``,
    ``%x``/``%X``/``%o``, ``%f``/``%e``/``%g`` with flags (``-+ 0``), width and precision;
    the format's ``\\n``, ``\\t``, ``\\\\``. As printf does, the format is used again while
    arguments remain, and a missing argument is empty (0 for a number). Raises
    :class:`Unknown` for anything else (``%b``, ``*`` widths, ``#``, a number that is not
    one, which printf reports as an error)."""
    out: list[str] = []
    k = 0
    while True:
        used, at = 0, 0
        for m in _CONVERSION.finditer(fmt):
            out.append(unescape(fmt[at : m.start()]))
            at = m.end()
            if m.group(0) == "%%":
                out.append("%")
                continue
            out.append(_convert(m, args[k] if k < len(args) else None))
            k, used = k + 1, used + 1
        out.append(unescape(fmt[at:]))
        if k >= len(args) or not used:
            break
    text = "".join(out)
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


_CONVERSION = re.compile(r"%(?P<flags>[-+ 0#*]*)(?P<width>[\d*]*)(?:\.(?P<precision>[\d*]*))?"
                         r"(?P<kind>.)", re.DOTALL)
_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def _convert(m: re.Match[str], arg: str | None) -> str:
    """One printf conversion of ``arg`` (None: missing)."""
    flags, width, precision, kind = m.group("flags", "width", "precision", "kind")
    if "#" in flags or "*" in flags + width + (precision or ""):
        raise Unknown(m.group(0))
    spec = "%" + flags + width + ("" if precision is None else "." + precision)
    if kind in "sc":
        value = arg or ""
        return (spec + "s") % (value[:1] if kind == "c" else value)
    if kind in "diuxXo":
        if arg and (not _INTEGER.match(arg) or (kind in "uxXo" and "-" in arg)):
            raise Unknown(arg)  # not a number (or a negative one read unsigned)
        return (spec + ("d" if kind in "iu" else kind)) % int(arg or "0")
    if kind in "feEgG":
        if arg and not _FLOAT.match(arg):
            raise Unknown(arg)
        return (spec + kind) % float(arg or "0")
    raise Unknown(m.group(0))


def dequote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
