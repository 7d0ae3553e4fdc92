"""The plugin inside ``@given``: never silently shared state, seeds that shrink and replay."""

from __future__ import annotations

import re

import pytest

ARGS = ("-p", "no:cacheprovider")
#: Inner tests pin their settings: the outer suite's Hypothesis profile must not leak in.
SETTINGS = "@settings(max_examples={n}, deadline=None, database=None)"


@pytest.mark.parametrize(
    "fixture",
    ["octopus", "octopus_client", "octopus_async_client", "octopus_clock", "octopus_time",
     "octopus_server"],
)
def test_a_per_test_fixture_inside_given_fails_at_once_naming_the_factory(
    pytester: pytest.Pytester, fixture: str
) -> None:
    pytester.makepyfile(
        f"""
        from hypothesis import given, settings, strategies as st

        calls = []

        {SETTINGS.format(n=5)}
        @given(st.integers())
        def test_shared({fixture}, n):
            calls.append(n)

        def test_never_ran_an_example():
            assert calls == []
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        f"test_shared uses *{fixture}* inside @given. These fixtures are made once per test, "
        "so every Hypothesis example would share one simulation, its clock and its journal.",
        "Make a fresh one in each example with the octopus_factory fixture instead:",
        "",
        "    @given(...)",
        "    def test_shared(octopus_factory, ...):",
    ])


def test_the_factory_gives_each_example_a_fresh_simulation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx
        from hypothesis import given, settings, strategies as st

        seen = []

        {SETTINGS.format(n=20)}
        @given(tasks=st.integers(1, 3))
        def test_fresh(octopus_factory, tasks):
            with octopus_factory() as sim:
                assert sim.clock.now() == 0 and not sim.engine.tasks
                headers = {{"X-Octopus-ApiKey": sim.api_key}}
                ids = [httpx.post(f"{{sim.base_url}}/api/tasks", headers=headers,
                                  json={{"Name": "Retention"}}).json()["Id"]
                       for _ in range(tasks)]
                assert ids[0] == "ServerTasks-1"  # numbering restarts in every example
                sim.clock.sleep(30)
                seen.append(sim.seed)

        def test_seeds_differed_between_examples():
            assert len(seen) >= 10 and len(set(seen)) > 1
        """
    )
    # No function_scoped_fixture health check: the factory holds no simulation.
    pytester.runpytest(*ARGS).assert_outcomes(passed=2)


def test_drawn_seeds_shrink_print_and_replay_from_the_database(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from pathlib import Path

        from hypothesis import given, settings, strategies as st
        from hypothesis.database import DirectoryBasedExampleDatabase

        @settings(max_examples=200, deadline=None,
                  database=DirectoryBasedExampleDatabase("examples-db"))
        @given(st.booleans())
        def test_small_seeds_only(octopus_factory, flag):
            sim = octopus_factory()
            with Path("seeds.log").open("a") as log:
                log.write(f"{sim.seed}\\n")
            assert sim.seed < 1000
        """
    )
    first = pytester.runpytest(*ARGS)
    first.assert_outcomes(failed=1)
    first.stdout.fnmatch_lines([
        "*octopus_factory: seed=1000 (drawn by Hypothesis)",
        "*octosim timeline (scenario default, seed 1000)*",
    ])
    # Only the replayed, shrunk example's simulation is in the report.
    assert first.stdout.str().count("octosim timeline") == 1

    log = pytester.path / "seeds.log"
    log.unlink()
    second = pytester.runpytest(*ARGS)
    second.assert_outcomes(failed=1)
    # Replayed from the database: the very first example already has the shrunk seed.
    assert log.read_text().splitlines()[0] == "1000"


def test_explicit_examples_and_the_marker_use_the_configured_seed(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        import pytest
        from hypothesis import example, given, settings, strategies as st

        explicit = []

        {SETTINGS.format(n=10)}
        @example(n=-1)
        @given(n=st.integers(0, 5))
        def test_explicit(octopus_factory, n):
            if n == -1:
                explicit.append(octopus_factory().seed)

        def test_the_explicit_example_ran_with_the_configured_seed():
            assert explicit == [12]

        @pytest.mark.octopus(seed=7)
        {SETTINGS.format(n=10)}
        @given(n=st.integers())
        def test_marker(octopus_factory, n):
            assert octopus_factory().seed == 7
            assert octopus_factory(seed=n % 100).seed == n % 100
        """
    )
    pytester.runpytest(*ARGS, "--octosim-seed=12").assert_outcomes(passed=3)


def test_seeds_strategy_with_the_factory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        from hypothesis import given, settings
        from octosim.strategies import presets, seeds

        {SETTINGS.format(n=15)}
        @given(scenario=presets("default", "linux"), seed=seeds())
        def test_drawn(octopus_factory, scenario, seed):
            with octopus_factory(scenario=scenario, seed=seed) as sim:
                assert (sim.seed, octopus_factory.record_of(sim).scenario) == (seed, scenario)
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)


def test_unimplemented_requests_in_any_example_fail_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        from hypothesis import given, settings, strategies as st

        {SETTINGS.format(n=10)}
        @given(st.integers(0, 3))
        def test_strict(octopus_factory, n):
            with octopus_factory() as sim, sim.client() as client:
                client.get(f"/api/feeds/Feeds-{{n}}")
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "octosim: the test made requests the simulator does not implement*",
        "  GET /api/feeds/Feeds-*",
    ])
    assert re.search(r"GET /api/feeds/Feeds-\d+ {2}\(x\d+\)", result.stdout.str())
