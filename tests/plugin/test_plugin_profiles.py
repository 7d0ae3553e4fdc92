"""The plugin's Hypothesis profiles work in any project, by option or environment variable."""

from __future__ import annotations

import pytest

SHOW = """
from hypothesis import settings

def test_show():
    print(f"\\nPROFILE {settings.get_current_profile_name()} {settings.default.max_examples} "
          f"{settings.default.deadline}")
"""


def test_hypothesis_profile_option_names_the_plugins_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHOW)  # a user's project: no conftest registers anything
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider",
                                           "--hypothesis-profile=octosim-thorough")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["PROFILE octosim-thorough 500 None"])


def test_the_environment_variable_loads_a_profile(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(SHOW)
    monkeypatch.setenv("OCTOSIM_HYPOTHESIS_PROFILE", "octosim-fast")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["PROFILE octosim-fast 30 None"])


def test_an_unknown_profile_in_the_variable_says_what_to_use(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(SHOW)
    monkeypatch.setenv("OCTOSIM_HYPOTHESIS_PROFILE", "thorough")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*OCTOSIM_HYPOTHESIS_PROFILE='thorough' names no Hypothesis "
                                 "profile; use octosim-fast or octosim-thorough*"])
