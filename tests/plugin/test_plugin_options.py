"""The ``octopus`` marker, the command-line and ini options, their precedence, the header."""

from __future__ import annotations

import pytest

#: An inner test printing what its simulation was built from, for the precedence tests.
SHOW = """
from octosim.pytest.factory import record_of

def test_show(octopus):
    print(f"\\nBUILT scenario={record_of(octopus).scenario.name} seed={octopus.seed}")
"""


def built(result: pytest.RunResult) -> list[str]:
    return [line.strip() for line in result.outlines if line.strip().startswith("BUILT")]


def test_the_marker_sets_scenario_seed_and_any_server_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        from octosim.pytest.factory import record_of

        @pytest.mark.octopus(scenario="linux", seed=9, task_cap=2, strict_content_type=True,
                             api_key="API-MARKER0000000000000000000")
        def test_marker(octopus, octopus_client):
            assert (record_of(octopus).scenario.name, octopus.seed) == ("linux", 9)
            assert octopus.options.task_cap == 2 and octopus.engine.task_cap == 2
            assert octopus.options.strict_content_type
            assert octopus.api_key == "API-MARKER0000000000000000000"
            assert octopus_client.headers["X-Octopus-ApiKey"] == octopus.api_key

        @pytest.mark.octopus(scenario="linux")
        class TestMerged:
            @pytest.mark.octopus(seed=4)
            def test_class_and_function_markers_merge(self, octopus):
                assert (record_of(octopus).scenario.name, octopus.seed) == ("linux", 4)

            @pytest.mark.octopus(scenario="named-instance")
            def test_the_closest_marker_wins(self, octopus_factory):
                scenario_of = lambda sim: octopus_factory.record_of(sim).scenario.name
                assert scenario_of(octopus_factory()) == "named-instance"
                assert scenario_of(octopus_factory(scenario="default")) == "default"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_marker_scenario_path_is_read_from_the_test_files_directory(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "two.toml").write_text(
        '[[agents]]\nname = "web-01"\n[[agents]]\nname = "db-01"\nos = "Linux"\n'
    )
    pytester.mkdir("sub").joinpath("test_path.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.octopus(scenario='../scenarios/two.toml')\n"
        "def test_it(octopus):\n"
        "    assert [m.name for m in octopus.world.machines.values()] == ['web-01', 'db-01']\n"
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("colour='blue', seed=1",
         "@pytest.mark.octopus: unknown option(s) 'colour'; valid: scenario, seed, strict, "
         "rate, api_key, journal_limit, options, base_url,*task_cap*"),
        ("'linux'", "@pytest.mark.octopus takes keyword arguments only*"),
        ("seed='three'", "@pytest.mark.octopus: seed must be a whole number, not 'three'"),
        ("strict='no'", "@pytest.mark.octopus: strict must be True or False, not 'no'"),
        ("rate=0", "@pytest.mark.octopus: rate must be a positive number*"),
        ("wrong_key_status=500", "@pytest.mark.octopus: wrong_key_status must be 401 or 403*"),
        ("scenario=42", "@pytest.mark.octopus: scenario must be a preset name*"),
    ],
)
def test_a_bad_marker_is_a_usage_error_naming_the_problem(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.octopus({marker})
        def test_it(octopus):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["E * pytest.UsageError: test_*.py::test_it*" + message])


def test_a_marker_naming_a_missing_preset_says_which_exist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.octopus(scenario="nope")
        def test_it(octopus):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*octosim: the configured scenario: there is no preset named "
                                 "'nope'; presets: busy-server, default,*"])


def test_precedence_marker_then_command_line_then_ini_then_defaults(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(SHOW + """
import pytest

@pytest.mark.octopus(scenario="polling", seed=77)
def test_marked(octopus):
    print(f"\\nBUILT scenario={record_of(octopus).scenario.name} seed={octopus.seed}")
""")
    args = ("-p", "no:cacheprovider", "-s")

    result = pytester.runpytest(*args)
    assert built(result) == ["BUILT scenario=default seed=0", "BUILT scenario=polling seed=77"]
    result.stdout.fnmatch_lines(["octosim: scenario=default seed=0 strict=true*"])

    pytester.makeini("[pytest]\noctosim_scenario = named-instance\noctosim_seed = 11\n")
    result = pytester.runpytest(*args)
    assert built(result) == ["BUILT scenario=named-instance seed=11",
                             "BUILT scenario=polling seed=77"]
    result.stdout.fnmatch_lines(["octosim: scenario=named-instance seed=11 strict=true*"])

    result = pytester.runpytest(*args, "--octosim-scenario=linux", "--octosim-seed=4")
    assert built(result) == ["BUILT scenario=linux seed=4", "BUILT scenario=polling seed=77"]
    result.stdout.fnmatch_lines(["octosim: scenario=linux seed=4 strict=true*"])


def test_an_ini_scenario_path_is_read_from_the_ini_files_directory(
    pytester: pytest.Pytester,
) -> None:
    pytester.path.joinpath("world.toml").write_text(
        'name = "my-world"\n[[agents]]\nname = "app-07"\nos = "Linux"\n'
    )
    pytester.makeini("[pytest]\noctosim_scenario = world.toml\n")
    pytester.mkdir("deep").joinpath("test_it.py").write_text(SHOW)
    result = pytester.runpytest("-p", "no:cacheprovider", "-s", "deep")
    assert built(result) == ["BUILT scenario=my-world seed=0"]
    result.stdout.fnmatch_lines(["octosim: scenario=world.toml seed=0*"])


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (("--octosim-scenario=nope",), "",
         "ERROR: octosim: --octosim-scenario 'nope': *there is no preset named 'nope'*"),
        ((), "octosim_scenario = missing.toml",
         "ERROR: octosim: ini option octosim_scenario '*missing.toml': *cannot read it*"),
        ((), "octosim_seed = three", "ERROR: octosim: ini option octosim_seed must be a whole "
                                     "number, not 'three'"),
        (("--octosim-seed=three",), "", "*argument --octosim-seed: invalid int value: 'three'"),
    ],
)
def test_bad_options_stop_the_run_before_any_test(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, message: str
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(SHOW)
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_options_are_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "octosim: simulated Octopus Deploy server:",
        "*--octosim-scenario=NAME*",
        "*--octosim-seed=N*",
        "*octosim_scenario (string):*",
        "*octosim_seed (string):*",
        "*octosim_strict (bool):*",
    ])
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.octopus(scenario=None, seed=None, strict=None, "
                                 "rate=None, **overrides):*"])
