"""Every shell command shown in README.md and docs/*.md runs as shown and exits as documented.

A command is a line of a ```sh (or bash, shell, console) block; ``\\`` continues it. Its
expected exit code is 0 unless its comment says ``exit N``. The commands run in a scratch
folder that holds ``.venv`` (this interpreter's environment, so ``.venv/bin/...`` works as in
a clone) and ``my-world.toml`` (the two-machine example of docs/scenarios.md, the file the
docs call by that name).

- ``restart-tentacle simulate|validate`` run as shown, against the embedded simulator.
- ``restart-tentacle run`` runs against a live ``octosim serve`` this test starts on
  127.0.0.1 with an ephemeral port, exactly as the quick recipe in docs/restart.md starts
  it (``OCTOPUS_URL`` and ``OCTOPUS_API_KEY`` set as the recipe's ``export`` lines do).
- ``octosim serve`` lines start, print their URL and stop (``--port`` made ephemeral).
- Long commands run only with ``OCTOSIM_DOCS_LONG=1``: ``validate`` with more than 200
  runs in all (runs x scenarios; every preset when none is named: thousands of simulated
  restarts take tens of seconds on two cores), and ``run`` without the recipe's fast
  ``--wait`` (the default policy waits 30 real seconds).
- Everything else (installing, the test suite itself, benchmarks, curl, ``export``) is
  listed in :data:`NOT_RUN` with the reason; a command that is neither run nor listed fails
  :func:`test_every_command_shown_is_run_or_explained`, so a new one cannot slip by.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.served import KEY, Served

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
_FENCE = re.compile(r"^```(\w*)")
_SHELLS = {"sh", "bash", "shell", "console"}
_EXIT = re.compile(r"\bexit (\d+)\b")
#: The quick recipe's server (docs/restart.md), which ``run`` commands are run against.
RECIPE_SERVER = ("--scenario", "named-instance", "--rate", "10")
#: Real seconds a shown command may take before it counts as hung.
COMMAND_TIMEOUT = 120.0
#: As much for a long one: ``validate --compare-seed-script`` takes about a minute alone on
#: two cores, and more than two beside the rest of the suite under ``-n 2``.
LONG_COMMAND_TIMEOUT = 600.0

#: Commands shown but not run, by how they start, and why.
NOT_RUN = {
    "python3 -m venv": "creates an environment and installs into it: this test runs in one",
    "pip install": "installs packages: this test runs where they are installed",
    "pytest": "the test suite itself",
    ".venv/bin/python -m pytest": "the test suite itself",
    "OCTOSIM_HYPOTHESIS_PROFILE=": "the test suite itself, with a profile chosen by name",
    "python bench/": "a benchmark: minutes of CPU on purpose, run by hand",
    "export ": "sets the environment; this test sets it for the commands that follow",
    "KEY=": "sets a shell variable for the curl lines that follow",
    "URL=": "sets a shell variable for the curl lines that follow",
    "curl ": "needs curl and a server on port 8065; tests/serve covers each request",
    "nox ": "builds environments of its own; interop also needs node and npm's registry",
}


@dataclass(frozen=True)
class Shown:
    """One command as a doc shows it."""

    doc: str
    line: int
    command: str
    expect: int

    @property
    def program(self) -> list[str]:
        words = shlex.split(self.command.split(" > ")[0])
        if words and words[0].startswith(".venv/bin/"):
            words[0] = words[0].removeprefix(".venv/bin/")
        return words

    @property
    def kind(self) -> str:
        words = self.program
        if words[:1] == ["restart-tentacle"] and len(words) > 1:
            return words[1]
        if words[:2] == ["octosim", "serve"]:
            return "serve"
        return "other"

    @property
    def long(self) -> bool:
        words = self.program
        if self.kind == "validate":
            runs = int(words[words.index("--runs") + 1]) if "--runs" in words else 1000
            return runs * (words.count("--scenario") or 10) > 200
        if self.kind == "run":
            return "--wait" not in words
        return False

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def shown_commands() -> list[Shown]:
    """Every command line of every shell block in the docs."""
    found: list[Shown] = []
    for path in DOCS:
        language: str | None = None
        pending, start = "", 0
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            fence = _FENCE.match(raw)
            if fence:
                language = None if language is not None else fence.group(1)
                continue
            if language not in _SHELLS:
                continue
            line = raw.strip().removeprefix("$ ")
            if not pending:
                start = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text, pending = pending + line, ""
            command, _, comment = text.partition(" #")
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            code = _EXIT.search(comment)
            found.append(Shown(path.relative_to(ROOT).as_posix(), start, command.strip(),
                               int(code.group(1)) if code else 0))
    return found


def _not_run(shown: Shown) -> str | None:
    return next((why for start, why in NOT_RUN.items() if shown.command.startswith(start)),
                None)


SHOWN = shown_commands()
RUNNABLE = [s for s in SHOWN if s.kind in ("simulate", "validate", "run", "serve")]


def test_every_command_shown_is_run_or_explained() -> None:
    unexplained = [f"{s}: {s.command}" for s in SHOWN
                   if s not in RUNNABLE and _not_run(s) is None]
    assert not unexplained, "shown in the docs but neither run here nor in NOT_RUN"
    assert any(s.kind == "run" and not s.long for s in SHOWN), "the quick recipe is gone"


def test_the_recipe_starts_the_server_this_test_starts() -> None:
    serve = [s for s in SHOWN if s.kind == "serve" and s.doc == "docs/restart.md"]
    assert serve and all(" ".join(RECIPE_SERVER) in s.command for s in serve)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    (folder / ".venv").symlink_to(Path(sys.prefix))
    scenarios = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = re.search(r'```toml\n(name = "two-web-servers".*?)```', scenarios, re.S)
    assert example, "docs/scenarios.md lost its two-machine example"
    (folder / "my-world.toml").write_text(example.group(1), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def recipe_server() -> Iterator[Served]:
    with Served(*RECIPE_SERVER) as server:
        yield server


def _environment(url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOPUS_")}
    env["PATH"] = f"{Path(sys.prefix) / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    if url is not None:
        env |= {"OCTOPUS_URL": url, "OCTOPUS_API_KEY": KEY}
    return env


@pytest.mark.parametrize("shown", RUNNABLE, ids=str)
def test_command_exits_as_documented(
    shown: Shown, scratch: Path, request: pytest.FixtureRequest
) -> None:
    if shown.long and os.environ.get("OCTOSIM_DOCS_LONG") != "1":
        pytest.skip("long (see the module docstring): set OCTOSIM_DOCS_LONG=1 to run it")
    if shown.kind == "serve":
        # Served picks the port (ephemeral) and the key.
        args = shown.program[2:]
        for flag in ("--port", "--api-key"):
            if flag in args:
                del args[args.index(flag):args.index(flag) + 2]
        with Served(*args) as server:
            assert server.url.startswith("http://127.0.0.1:")
        return
    url = None
    if shown.kind == "run":
        url = request.getfixturevalue("recipe_server").url
    done = subprocess.run(
        ["bash", "-c", shown.command], cwd=scratch, env=_environment(url),
        capture_output=True, text=True, check=False,
        timeout=LONG_COMMAND_TIMEOUT if shown.long else COMMAND_TIMEOUT,
    )
    assert done.returncode == shown.expect, (
        f"{shown}: `{shown.command}` exited {done.returncode}, the doc says {shown.expect}\n"
        f"{done.stderr[-2000:]}"
    )


def _table_codes(doc: str, heading: str) -> list[int]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    return [int(m.group(1)) for m in re.finditer(r"^\| (\d+) \|", section, re.M)]


def test_exit_code_tables_match_the_help() -> None:
    from restart.commands import COMMANDS
    from restart.exitcodes import ExitCode

    documented = _table_codes("docs/restart.md", "### Exit codes")
    assert documented == [int(c) for c in ExitCode]
    restart_doc = (ROOT / "docs" / "restart.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} | `{code.name}` |" in restart_doc
    for name in ("run", "simulate"):
        listed = [int(n) for n in re.findall(r"(\d+) [a-z]", COMMANDS[name].exit_codes)]
        assert listed == documented
    validate_codes = [int(n) for n in re.findall(r"(\d+) [a-z]", COMMANDS["validate"].exit_codes)]
    assert validate_codes == _table_codes("docs/validate.md", "### Exit codes")
