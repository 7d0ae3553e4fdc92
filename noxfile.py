"""nox sessions: tests on every supported Python, lint, typecheck, benchmarks, interop.

``nox`` runs them all; ``nox -s tests-3.12`` one of them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
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


# The real Octopus clients the interop session drives, exactly as published on npm.
INTEROP_NPM_PACKAGES = ["@octopusdeploy/api-client@3.11", "octopus-deploy@6.3.1"]


@nox.session
def interop(session: nox.Session) -> None:
    """Real Octopus clients, unmodified, against ``octosim serve`` on loopback.

    Needs node and npm (and npm's registry). The packages go into a temporary directory,
    never into the repository; the script is copied beside them because an ES module
    resolves its imports from its own location."""
    session.install("-e", ".")
    octosim = str(Path(session.bin) / "octosim")
    with tempfile.TemporaryDirectory(prefix="octosim-interop-") as workdir:
        (Path(workdir) / "package.json").write_text('{"private": true}\n')
        session.run("npm", "install", "--no-audit", "--no-fund", "--prefix", workdir,
                    *INTEROP_NPM_PACKAGES, external=True)
        script = Path(workdir) / "ts_client.mjs"
        shutil.copy(Path("interop") / "ts_client.mjs", script)
        # --rate 20: the deployments finish in seconds, while the timeout check's
        # `sleep 600` still outlasts its 3-second wait.
        server = subprocess.Popen(
            [octosim, "serve", "--port", "0", "--scenario", "linux", "--rate", "20"],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            assert server.stdout is not None
            banner = server.stdout.readline().split()  # octosim serving <url>  (...)
            key_line = server.stdout.readline().split()  # API key: <key>
            if banner[:2] != ["octosim", "serving"] or key_line[:2] != ["API", "key:"]:
                session.error("octosim serve did not start; its error is printed above")
            url, api_key = banner[2], key_line[2]
            session.run("node", str(script), url, api_key, external=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
