"""What .NET's strings count as they do, for the simulator's modules that read text as
Octopus, Calamari and PowerShell (all .NET) read it."""

from __future__ import annotations

import re

__all__ = ["LINE_BREAK", "WHITE_SPACE", "is_null_or_white_space", "utf16_length"]

#: Where .NET's ``StreamReader.ReadLine`` ends a line: Calamari reads a script's output so.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

#: .NET's ``Char.IsWhiteSpace``: what ``Trim()`` with no argument removes and what
#: ``string.IsNullOrWhiteSpace`` looks for (Python's ``str.strip()`` also removes U+001C to
#: U+001F, which .NET keeps).
WHITE_SPACE = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
               "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def is_null_or_white_space(text: str | None) -> bool:
    """``string.IsNullOrWhiteSpace(text)``: None, empty, or .NET's white space only."""
    return text is None or not text.strip(WHITE_SPACE)


def utf16_length(text: str) -> int:
    """``text.Length`` in .NET: UTF-16 code units (a character beyond U+FFFF counts 2, a
    lone surrogate, which a JSON body can hold, 1)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
