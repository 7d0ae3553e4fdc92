"""The scripts this client runs on the Tentacle, as exact strings the simulator recognises.

Two kinds: a *probe* that prints the Tentacle process start time (the restart witness), and
a *detached restart* that returns at once and restarts the service ``delay`` seconds later,
so the AdHocScript task that started it can finish ``Success`` before its own Tentacle goes.

Service names (``octopus-api.md`` section 7): on Windows the default instance is the service
``OctopusDeploy Tentacle`` and a named instance NAME is ``OctopusDeploy Tentacle: NAME``. The
seed's pattern ``'OctopusDeploy Tentacle:*'`` therefore never matches the default instance;
:data:`WINDOWS_SERVICE_PATTERN` (no colon) matches both. On Linux the default unit is
``Tentacle.service``; a named instance's unit is its name with whitespace runs turned into
``-``, plus ``.service``.
"""

from __future__ import annotations

import re

from restart.errors import ConfigurationError
from restart.target import AgentOS

__all__ = [
    "DEFAULT_INSTANCE",
    "LINUX_DEFAULT_UNIT",
    "LINUX_PROBE",
    "LINUX_TENTACLE_CLI",
    "MISSING_INSTANCE",
    "MISSING_INSTANCE_EXIT_CODE",
    "SELF_RESTART_EXIT_CODES",
    "WINDOWS_PROBE",
    "WINDOWS_SERVICE_PATTERN",
    "WINDOWS_SERVICE_PREFIX",
    "is_self_restart_failure",
    "linux_restart_script",
    "linux_unit",
    "missing_instance",
    "probe_script",
    "restart_script",
    "windows_restart_script",
    "windows_service_pattern",
]

#: Prints one ISO-8601 round-trip ("o") UTC start time per Tentacle process.
WINDOWS_PROBE = '(Get-Process -Name Tentacle).StartTime.ToUniversalTime().ToString("o")'
#: Prints one ``ps -o lstart=`` start time (``Thu Nov 26 06:47:20 2026``) per Tentacle
#: process. ``lstart`` has no zone: the witness reads it as UTC. Only equality matters, and
#: the same machine prints the same zone before and after the restart.
LINUX_PROBE = "ps -o lstart= -C Tentacle"

WINDOWS_SERVICE_PREFIX = "OctopusDeploy Tentacle"
#: Matches the default instance and every named instance (PowerShell wildcard rules).
WINDOWS_SERVICE_PATTERN = WINDOWS_SERVICE_PREFIX + "*"
LINUX_DEFAULT_UNIT = "Tentacle.service"
#: Where the Linux Tentacle packages install the Tentacle command.
LINUX_TENTACLE_CLI = "/opt/octopus/tentacle/Tentacle"
#: The default instance's name, as ``Tentacle list-instances`` prints it.
DEFAULT_INSTANCE = "Tentacle"

#: The start of the line a restart script prints when the named instance's service does not
#: exist, before it exits with :data:`MISSING_INSTANCE_EXIT_CODE`.
MISSING_INSTANCE = "No Tentacle service"
#: Not a :data:`SELF_RESTART_EXIT_CODES` code: the client must not wait for a restart.
MISSING_INSTANCE_EXIT_CODE = 3

#: Exit codes of a script killed by the restart of the Tentacle running it: -46 ("result
#: unknown") on Windows, 1 on Linux. A restart task that fails with one of these may well
#: have restarted the Tentacle; the start time decides.
SELF_RESTART_EXIT_CODES = (-46, 1)
_SELF_RESTART = re.compile(
    r"exit code (?:" + "|".join(str(c) for c in SELF_RESTART_EXIT_CODES) + r")(?!\d)(?!\.\d)",
    re.IGNORECASE,
)
_SYSTEMD_UNIT = re.compile(r"[A-Za-z0-9:_.\\@-]+\.service")


def windows_service_pattern(instance: str | None) -> str:
    """Return the Get-Service pattern: every instance (None) or exactly named ``instance``.

    ``Tentacle list-instances`` calls the default instance ``Tentacle``, but its service has
    no suffix (``OctopusDeploy Tentacle``): that name maps to the bare service name.
    """
    if instance is None:
        return WINDOWS_SERVICE_PATTERN
    if instance.casefold() == DEFAULT_INSTANCE.casefold():
        return WINDOWS_SERVICE_PREFIX
    return f"{WINDOWS_SERVICE_PREFIX}: {instance}"


def linux_unit(instance: str | None) -> str:
    """Return the systemd unit of ``instance`` (None: the default ``Tentacle.service``).

    Raises ConfigurationError when the name does not make a valid unit name.
    """
    if instance is None:
        return LINUX_DEFAULT_UNIT
    unit = re.sub(r"\s+", "-", instance.strip()) + ".service"
    if not _SYSTEMD_UNIT.fullmatch(unit):
        raise ConfigurationError(
            f"Tentacle instance {instance!r} does not map to a systemd unit name ({unit!r}); "
            "pass the instance name exactly as `Tentacle list-instances` prints it"
        )
    return unit


def windows_restart_script(delay: int, instance: str | None = None) -> str:
    """Return the PowerShell body that restarts the service(s) ``delay`` seconds later in a
    detached ``powershell.exe``. ``'`` in the name is doubled for the single-quoted pattern.

    With an ``instance`` the script first checks that its service exists and, if not, prints
    :data:`MISSING_INSTANCE` with the Tentacle services there are and exits with
    :data:`MISSING_INSTANCE_EXIT_CODE`: the detached restart would otherwise find nothing to
    restart, and the client would wait out its whole health window."""
    pattern = windows_service_pattern(instance).replace("'", "''")
    check = "" if instance is None else (
        f"$s = Get-Service -Name '{pattern}' -ErrorAction SilentlyContinue\n"
        f"if (-not $s) {{ Write-Host ('{MISSING_INSTANCE} ''{pattern}''. Tentacle services: ' "
        f"+ ((Get-Service -Name '{WINDOWS_SERVICE_PATTERN}').Name -join ', '))\n"
        f"exit {MISSING_INSTANCE_EXIT_CODE} }}\n"
    )
    return check + (
        "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
        f"\"-NoProfile -Command `\"&{{Start-Sleep {int(delay)} ; Get-Service '{pattern}' "
        '| Restart-Service -Force}`""'
    )


def linux_restart_script(delay: int, instance: str | None = None) -> str:
    """Return the Bash body that restarts ``delay`` seconds later, detached with
    ``nohup ... &``: the named instance's systemd unit, or with no instance *every* instance
    through the Tentacle CLI (``service --restart --instance "*"``).

    Why every instance: a machine may be registered as a named instance (``Web.service``)
    beside the default one; restarting only ``Tentacle.service`` would leave it untouched
    while the probe (every Tentacle process) saw a new start time — a false success. This
    matches Windows, where the default pattern matches every instance.

    With an ``instance``, as on Windows, a missing unit ends the script at once: it prints
    :data:`MISSING_INSTANCE`, then the service units (``systemctl list-units``, one a line).

    Raises ConfigurationError for an instance without a valid unit name."""
    if instance is None:
        action = f'{LINUX_TENTACLE_CLI} service --restart --instance "*"'
        check = ""
    else:
        unit = linux_unit(instance)
        action = f"systemctl restart {unit}"
        check = (
            f"if ! systemctl cat {unit} >/dev/null 2>&1; then\n"
            f"echo '{MISSING_INSTANCE} {unit}. Tentacle services:'\n"
            "systemctl list-units --type=service --all --plain --no-legend\n"
            f"exit {MISSING_INSTANCE_EXIT_CODE}\nfi\n"
        )
    return check + f"nohup sh -c 'sleep {int(delay)}; {action}' >/dev/null 2>&1 &"


def restart_script(os: AgentOS, delay: int, instance: str | None = None) -> tuple[str, str]:
    """Return ``(Syntax, ScriptBody)`` of the detached restart for ``os``.

    Raises ConfigurationError as :func:`linux_unit` does.
    """
    if os is AgentOS.WINDOWS:
        return "PowerShell", windows_restart_script(delay, instance)
    return "Bash", linux_restart_script(delay, instance)


def probe_script(os: AgentOS) -> tuple[str, str]:
    """Return ``(Syntax, ScriptBody)`` of the start-time probe for ``os``."""
    if os is AgentOS.WINDOWS:
        return "PowerShell", WINDOWS_PROBE
    return "Bash", LINUX_PROBE


def is_self_restart_failure(error_message: str) -> bool:
    """Return True if a failed task's ``ErrorMessage`` names a self-restart exit code, as in
    ``The remote script failed with exit code -46``."""
    return _SELF_RESTART.search(error_message) is not None


def missing_instance(lines: list[str]) -> str | None:
    """Return what a restart script's output (its log lines, in order) says about a missing
    instance: the :data:`MISSING_INSTANCE` line, with the systemd units listed after it on
    Linux; None when it says nothing of the kind."""
    for k, line in enumerate(lines):
        if line.startswith(MISSING_INSTANCE):
            units = [w[0] for w in (rest.split() for rest in lines[k + 1 :])
                     if w and w[0].endswith(".service")]
            return " ".join([line, ", ".join(units)]) if units else line
    return None
