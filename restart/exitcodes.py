"""The ``restart-tentacle`` exit codes: one table, used by the CLI and by every error class.

Scripts that call the CLI branch on these numbers, so they are part of the public API and
never change meaning. Codes follow the shell conventions where one exists: 0 success, 2 a
usage error (argparse's own choice), 130 interrupted by Ctrl-C (128 + SIGINT), 143 ended by
SIGTERM (128 + SIGTERM), which is handled as Ctrl-C is.

=====  ===============  ==============================================================
code   name             meaning
=====  ===============  ==============================================================
0      RESTARTED        the Tentacle restarted (its start time changed) and is healthy
1      FAILED           an error stopped the run: Octopus kept failing (5xx, unreachable),
                        rejected a request (400), or something unexpected happened
2      USAGE            bad command line or configuration: a missing URL or API key, an
                        invalid policy value, a disabled machine, an OS that cannot be told
3      NOT_RESTARTED    the run finished but the Tentacle did not restart: the restart
                        task failed, or the start time never changed
4      TIMED_OUT        the deadline (or the health window) ran out before a verdict
5      AUTHENTICATION   Octopus refused the API key (401) or its user lacks a permission (403)
6      NOT_FOUND        the machine, space or a task does not exist (404)
130    INTERRUPTED      Ctrl-C: the tasks this run created were cancelled first
143    TERMINATED       SIGTERM (CI, ``timeout``, a container stop): handled as Ctrl-C
=====  ===============  ==============================================================
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["MEANINGS", "ExitCode", "describe"]


class ExitCode(IntEnum):
    """Process exit codes of ``restart-tentacle`` (see the module docstring for the table)."""

    RESTARTED = 0
    FAILED = 1
    USAGE = 2
    NOT_RESTARTED = 3
    TIMED_OUT = 4
    AUTHENTICATION = 5
    NOT_FOUND = 6
    INTERRUPTED = 130
    TERMINATED = 143


#: Each code in a few words: the exit-code lists of ``--help`` and docs/restart.md.
MEANINGS: dict[ExitCode, str] = {
    ExitCode.RESTARTED: "restarted",
    ExitCode.FAILED: "failed",
    ExitCode.USAGE: "usage",
    ExitCode.NOT_RESTARTED: "not restarted",
    ExitCode.TIMED_OUT: "timed out",
    ExitCode.AUTHENTICATION: "authentication",
    ExitCode.NOT_FOUND: "not found",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.TERMINATED: "terminated (SIGTERM)",
}


def describe(codes: tuple[ExitCode, ...], meanings: dict[ExitCode, str] | None = None) -> str:
    """``0 restarted, 1 failed, ...`` for ``codes``; ``meanings`` overrides some words (a
    command whose 0 and 1 mean something else)."""
    words = MEANINGS | (meanings or {})
    return ", ".join(f"{int(c)} {words[c]}" for c in codes)
