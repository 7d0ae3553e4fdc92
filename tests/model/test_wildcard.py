"""PowerShell -like wildcard semantics (octosim.model.wildcard)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.wildcard import compile_wildcard, wildcard_match

MATCHES = [
    # (pattern, name, expected)
    # The seed's pattern: named instances only, never the default instance (§7).
    ("OctopusDeploy Tentacle:*", "OctopusDeploy Tentacle: Web", True),
    ("OctopusDeploy Tentacle:*", "OctopusDeploy Tentacle:", True),
    ("OctopusDeploy Tentacle:*", "OctopusDeploy Tentacle", False),
    ("OctopusDeploy Tentacle*", "OctopusDeploy Tentacle", True),
    ("OctopusDeploy Tentacle*", "OctopusDeploy Tentacle: Web", True),
    ("OctopusDeploy Tentacle*", "Octopus Deploy Tentacle", False),
    # case-insensitive, whole string
    ("octopusdeploy tentacle", "OctopusDeploy Tentacle", True),
    ("OCTOPUSDEPLOY TENTACLE: WEB", "OctopusDeploy Tentacle: Web", True),
    ("Tentacle", "OctopusDeploy Tentacle", False),
    ("Tentacle", "Tentacles", False),
    ("*Tentacle", "OctopusDeploy Tentacle", True),
    ("*", "", True),
    ("*", "anything at all", True),
    ("", "", True),
    ("", "x", False),
    # ?
    ("Tentacl?", "Tentacle", True),
    ("Tentacl?", "Tentacl", False),
    ("Tentacle?", "Tentacle", False),
    ("?entacle", "tentacle", True),
    # sets and ranges
    ("Web[0-9]", "Web7", True),
    ("Web[0-9]", "WebX", False),
    ("Web[0-9]", "Web10", False),
    ("[a-c]at", "Bat", True),
    ("[a-c]at", "dat", False),
    ("[abc]x", "cx", True),
    ("[abc]x", "dx", False),
    ("[a-cx-z]1", "Y1", True),
    ("[!a]", "!", True),  # no negation in PowerShell: ! is a member
    ("[-a]", "-", True),
    ("[a-]", "-", True),
    # backtick escapes
    ("Tentacle`*", "Tentacle*", True),
    ("Tentacle`*", "Tentacle: Web", False),
    ("Tentacle`?", "Tentacle?", True),
    ("Tentacle`?", "TentacleX", False),
    ("`[Prod`]", "[Prod]", True),
    ("`[Prod`]", "P", False),
    ("a``b", "a`b", True),
    ("[`]]", "]", True),
    # regex metacharacters are literal
    ("a.b", "a.b", True),
    ("a.b", "axb", False),
    ("a+b(c)", "a+b(c)", True),
    ("$^|{}", "$^|{}", True),
    ("x\\y", "x\\y", True),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), MATCHES)
def test_wildcard_match(pattern: str, name: str, expected: bool) -> None:
    assert wildcard_match(pattern, name) is expected


@pytest.mark.parametrize("pattern", ["Tentacle[", "[abc", "OctopusDeploy [Web", "[z-a]", "[]"])
def test_bad_pattern_raises_value_error(pattern: str) -> None:
    with pytest.raises(ValueError, match="invalid wildcard pattern"):
        compile_wildcard(pattern)
    with pytest.raises(ValueError, match="invalid wildcard pattern"):
        wildcard_match(pattern, "anything")


def test_unterminated_bracket_message_names_the_position() -> None:
    with pytest.raises(ValueError, match=r"'\[' at position 9 has no closing '\]'"):
        compile_wildcard("Tentacle [Web")


def test_compile_is_cached_and_returns_a_pattern() -> None:
    first = compile_wildcard("OctopusDeploy Tentacle*")
    assert isinstance(first, re.Pattern)
    assert compile_wildcard("OctopusDeploy Tentacle*") is first


@given(st.text(alphabet=st.characters(blacklist_characters="*?[]`"), max_size=30))
def test_text_without_wildcards_matches_itself(text: str) -> None:
    assert wildcard_match(text, text)


@given(st.text(alphabet=st.characters(max_codepoint=127, blacklist_characters="*?[]`"),
               max_size=30))
def test_ascii_matches_ignoring_case(text: str) -> None:
    assert wildcard_match(text.upper(), text.lower())
    assert wildcard_match(text.lower(), text.swapcase())


@given(st.text(max_size=30), st.text(max_size=30))
def test_star_around_anything_escaped_finds_it(needle: str, hay: str) -> None:
    escaped = re.sub(r"([*?\[\]`])", r"`\1", needle)
    assert wildcard_match(f"*{escaped}*", hay + needle + hay)
