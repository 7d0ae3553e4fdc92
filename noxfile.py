"""nox sessions: tests on every supported Python, lint, typecheck, benchmarks.

``nox`` runs them all; ``nox -s tests-3.12`` one of them.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (pass pytest arguments after ``--``)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting rules."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over both packages, the tests and each example (an example imports
    the module beside it, so each is checked from its own directory)."""
    session.install("-e", ".[test]")
    session.run("mypy", "--strict", "octosim", "restart")
    session.run("mypy", "--strict", "--explicit-package-bases", "tests")
    for example in sorted(Path("examples").iterdir()):
        if example.is_dir():
            session.run("mypy", "--strict", str(example))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark under bench/ (each prints ratios measured side by side)."""
    session.install("-e", ".[test,plot]")
    for script in sorted(__import__("pathlib").Path("bench").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
