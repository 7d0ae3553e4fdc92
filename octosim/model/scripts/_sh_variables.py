"""Bash's own variables: the ones Bash sets when it starts (bash(1), *Shell Variables*), as
the Tentacle's bash sets them for a step's script, which Calamari's Bootstrap.sh sources.

Checked against Bash 5.2 (``declare -p`` in a script it sources, under ``env -i``).
"""

from __future__ import annotations

__all__ = ["ARRAYS", "DYNAMIC", "KNOWN", "READONLY", "SET_IF_UNSET", "UNKNOWN_SET"]

#: Set by Bash, to values the simulator does not know (the Tentacle's bash, host and
#: process, the working directory, the script's file, the clock, the line): set and not
#: empty, so ``[ -n "$BASH_VERSION" ]`` and ``${HOSTNAME:+x}`` are known, their values not.
#: ``FUNCNAME`` is not among them: it is the running function's name, unset outside one.
UNKNOWN_SET = frozenset({
    "BASH", "BASHOPTS", "BASHPID", "BASH_ARGC", "BASH_ARGV", "BASH_ARGV0", "BASH_COMMAND",
    "BASH_LINENO", "BASH_LOADABLES_PATH", "BASH_SOURCE", "BASH_SUBSHELL", "BASH_VERSINFO",
    "BASH_VERSION", "COMP_WORDBREAKS", "DIRSTACK", "EPOCHREALTIME", "EPOCHSECONDS", "GROUPS",
    "HISTCMD", "HOSTNAME", "HOSTTYPE", "LINENO", "MACHTYPE", "OSTYPE", "PIPESTATUS", "PPID",
    "PWD", "RANDOM", "SECONDS", "SHELLOPTS", "SHLVL", "SRANDOM",
})
#: Those whose value changes by itself (the clock, a counter, the line running, the process):
#: assigning one leaves its value not known (``SECONDS=0`` counts on from 0, ``RANDOM=1``
#: seeds the generator; an assignment to ``GROUPS`` or ``BASHPID`` is ignored). Unset, they
#: are ordinary variables, as in Bash.
DYNAMIC = frozenset({
    "BASHPID", "BASH_ARGC", "BASH_ARGV", "BASH_COMMAND", "BASH_LINENO", "BASH_SOURCE",
    "BASH_SUBSHELL", "DIRSTACK", "EPOCHREALTIME", "EPOCHSECONDS", "GROUPS", "HISTCMD",
    "LINENO", "PIPESTATUS", "RANDOM", "SECONDS", "SRANDOM",
})
#: Set by Bash to values known: the user's ids are root's, as the Tentacle's systemd unit
#: runs it (``User=root``: :data:`~octosim.model.machine_environment.LINUX_SYSTEMD_ENVIRONMENT`),
#: and ``getopts`` starts at the first argument.
KNOWN = {"UID": "0", "EUID": "0", "OPTIND": "1", "OPTERR": "1"}
#: Set by Bash when the environment does not set them.
SET_IF_UNSET = {"TERM": "dumb"}
#: Bash's read-only variables: assigning one is Bash's error (``UID: readonly variable``).
READONLY = frozenset({"BASHOPTS", "BASH_VERSINFO", "EUID", "PPID", "SHELLOPTS", "UID"})
#: Bash's own arrays (indexed or associative), set when it starts or by what it runs
#: (``BASH_REMATCH`` by ``=~``, ``PIPESTATUS`` by a pipeline, ``MAPFILE`` by ``mapfile``,
#: ``COPROC`` by ``coproc``): an array expansion of one (``${FUNCNAME[1]}``,
#: ``${#BASH_ALIASES[@]}``) or an array assigned to one is not interpreted.
ARRAYS = frozenset({
    "BASH_ALIASES", "BASH_ARGC", "BASH_ARGV", "BASH_CMDS", "BASH_LINENO", "BASH_REMATCH",
    "BASH_SOURCE", "BASH_VERSINFO", "COMP_WORDS", "COPROC", "DIRSTACK", "FUNCNAME", "GROUPS",
    "MAPFILE", "PIPESTATUS",
})
