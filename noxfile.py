"""nox sessions: tests on every supported Python, lint, typecheck, benchmarks.

``nox`` runs them all; ``nox -s tests-3.12`` one of them.
"""

from __future__ import annotations

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
    """mypy --strict over both packages."""
    session.install("-e", ".[test]")
    session.run("mypy", "--strict", "octosim", "restart")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark under bench/ (each prints ratios measured side by side)."""
    session.install("-e", ".[test,plot]")
    for script in sorted(__import__("pathlib").Path("bench").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
