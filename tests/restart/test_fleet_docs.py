"""The fleet sections of docs/fleets.md and docs/scenarios.md show what really runs.

The scheduler example prints what its comments say; every timeline line the preset's story
shows is a line of a real run of ``task-cap-deadlock``; the fleet scenario example reads,
round-trips and builds. (Shell lines are run by tests/test_docs_commands.py.)
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from octosim.scenario import Scenario
from octosim.simulation import Simulation
from restart.fleet import Fleet

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _section(text: str, title: str) -> str:
    [found] = [part for part in text.split("\n## ") if part.startswith(title + "\n")]
    return found


def test_the_scheduler_example_prints_its_comments() -> None:
    section = _section((DOCS / "fleets.md").read_text(encoding="utf-8"), "Running a fleet")
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/fleets.md", "exec"), {})
    expected = re.findall(r"^# (.*)$", code.split("for result in fleet.run()")[1], re.M)
    assert out.getvalue().splitlines() == expected


def test_the_presets_timeline_is_a_real_runs() -> None:
    text = (DOCS / "fleets.md").read_text(encoding="utf-8")
    section = _section(text, "The task-cap-deadlock preset")
    shown = [line for block in re.findall(r"```text\n(.*?)```", section, re.S)
             for line in block.splitlines()]
    fleet = Fleet.from_scenario("task-cap-deadlock", seed=0)
    fleet.run()
    timeline = fleet.sim.timeline().splitlines()
    assert len(shown) == 25
    assert [line for line in shown if line not in timeline] == []
    # In the run's order, and the deadlock's line last, as the story tells it.
    assert [timeline.index(line) for line in shown] == sorted(timeline.index(line)
                                                              for line in shown)
    assert shown[-1].startswith("[   35.000s] deadlock task cap 5 full")


def test_the_fleet_scenario_example_reads_round_trips_and_builds() -> None:
    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    section = _section(text, "Fleets: `[[agent_groups]]` and `[rollout]`")
    [toml] = re.findall(r"```toml\n(.*?)```", section, re.S)
    scenario = Scenario.from_toml(toml)
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    agents = scenario.all_agents()
    assert len(agents) == 20 and [a.name for a in agents if a.instances == ("Web",)] == [
        "web-010", "web-020"]
    sim = Simulation.from_scenario(scenario)
    assert len(sim.world.machines) == 20
    fleet = Fleet.from_scenario(scenario, seed=0)
    [deployment] = fleet.run()
    assert deployment.task_state == "Success", deployment.verdict
    assert fleet.sim.deadlock is None


def test_the_docs_api_table_names_what_the_module_has() -> None:
    section = _section((DOCS / "fleets.md").read_text(encoding="utf-8"), "Running a fleet")
    named = set(re.findall(r"`fleet\.(\w+)\(", section))
    assert named == {"restart", "seed_recipe", "deploy", "client", "run"}
    assert all(callable(getattr(Fleet, name)) for name in named)
