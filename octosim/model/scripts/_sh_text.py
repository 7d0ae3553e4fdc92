"""The text side of the Bash interpreter: splitting a command into words, and the
builtins that are pure functions of their words (``sleep``'s durations, ``test``,
``printf``, ``echo -e``'s escapes)."""

from __future__ import annotations

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
    m = _SLEEP.match(arg)
    if m is None:
        raise Unknown(arg)  # sleep infinity and friends are not interpreted
    return float(m.group(1)) * _UNIT[m.group(2)]


def test_expression(args: list[str]) -> bool:
    if args and args[0] == "!":
        return not test_expression(args[1:])
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2 and args[0] in ("-z", "-n"):
        return (args[1] == "") == (args[0] == "-z")
    if len(args) == 3:
        a, op, b = args
        if op in ("=", "=="):
            return a == b
        if op == "!=":
            return a != b
        numeric = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__,
                   "-le": int.__le__, "-gt": int.__gt__, "-ge": int.__ge__}
        if op in numeric:
            try:
                return bool(numeric[op](int(a), int(b)))
            except ValueError:
                return False
    raise Unknown(" ".join(args))  # file tests and the like are not interpreted


def unescape(text: str) -> str:
    return (text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"))


def printf_lines(fmt: str, args: list[str]) -> list[str]:
    values = iter(args)
    text = re.sub(r"%[sd%]", lambda m: "%" if m.group(0) == "%%" else next(values, ""), fmt)
    text = unescape(text)
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def dequote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
