"""The process environment of a Tentacle (or worker) and of the scripts it runs (§4).

Octopus-deployments.md §4, CONFIRMED: Tentacle starts every script with **its own process
environment**, adding only its own variables; it never re-reads the registry or
``/etc/environment``. So a script sees the environment the Tentacle service had when it last
started. :class:`MachineEnvironment` models exactly that:

- :attr:`~MachineEnvironment.store` is the machine-level environment a script can change
  (Windows: ``[Environment]::SetEnvironmentVariable(..., 'Machine')``, ``setx /M``; Linux: a
  write to ``/etc/environment``);
- :attr:`~MachineEnvironment.snapshot` is what the service took when it last started; a change
  to the store does not touch it;
- :meth:`~MachineEnvironment.service_started` takes a new snapshot: on Windows from the store
  (a service restart is enough, the simulator's default for the UNCONFIRMED §7.6; the choice
  ``windows_restart_reads_machine_environment=False`` makes only :meth:`rebooted` do it); on
  Linux from the systemd unit's environment, which includes ``/etc/environment`` only when
  the unit is given it (``linux_unit_reads_etc_environment``, False by default: Tentacle's
  unit has no ``EnvironmentFile=``);
- :meth:`~MachineEnvironment.script_environment` = snapshot + the Tentacle process variables
  (:func:`tentacle_process_variables`) + the step's own additions.

Windows variable names are case-insensitive (``Path`` is ``PATH``); Linux ones are not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from octosim.model.deploy_choices import DEFAULT_CHOICES, DeploymentChoices

__all__ = [
    "LINUX_ETC_ENVIRONMENT",
    "LINUX_SYSTEMD_ENVIRONMENT",
    "WINDOWS_MACHINE_ENVIRONMENT",
    "WINDOWS_SERVICE_ENVIRONMENT",
    "EnvironmentBlock",
    "MachineEnvironment",
    "MachineEnvironments",
    "tentacle_process_variables",
]

#: What the registry's machine-level Environment key holds on a fresh Windows Server.
WINDOWS_MACHINE_ENVIRONMENT: dict[str, str] = {
    "ComSpec": r"C:\Windows\system32\cmd.exe",
    "DriverData": r"C:\Windows\System32\Drivers\DriverData",
    "NUMBER_OF_PROCESSORS": "2",
    "OS": "Windows_NT",
    # One trailing backslash, as Windows writes it (a raw string cannot end in one).
    "Path": (r"C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;"
             r"C:\Windows\System32\WindowsPowerShell\v1.0" "\\"),
    "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
    "PROCESSOR_ARCHITECTURE": "AMD64",
    "PSModulePath": r"C:\Program Files\WindowsPowerShell\Modules;"
                    r"C:\Windows\system32\WindowsPowerShell\v1.0\Modules",
    "TEMP": r"C:\Windows\TEMP",
    "TMP": r"C:\Windows\TEMP",
    "windir": r"C:\Windows",
}
#: What the service control manager adds for a LocalSystem service (not in the store).
WINDOWS_SERVICE_ENVIRONMENT: dict[str, str] = {
    "ALLUSERSPROFILE": r"C:\ProgramData",
    "APPDATA": r"C:\Windows\system32\config\systemprofile\AppData\Roaming",
    "ProgramData": r"C:\ProgramData",
    "ProgramFiles": r"C:\Program Files",
    "ProgramFiles(x86)": r"C:\Program Files (x86)",
    "ProgramW6432": r"C:\Program Files",
    "CommonProgramFiles": r"C:\Program Files\Common Files",
    "CommonProgramFiles(x86)": r"C:\Program Files (x86)\Common Files",
    "CommonProgramW6432": r"C:\Program Files\Common Files",
    "LOCALAPPDATA": r"C:\Windows\system32\config\systemprofile\AppData\Local",
    "PUBLIC": r"C:\Users\Public",
    "SystemDrive": "C:",
    "SystemRoot": r"C:\Windows",
    "USERNAME": "SYSTEM",
    "USERPROFILE": r"C:\Windows\system32\config\systemprofile",
}
#: Ubuntu's ``/etc/environment``.
LINUX_ETC_ENVIRONMENT: dict[str, str] = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:"
            "/usr/local/games:/snap/bin",
}
#: What systemd gives a unit with ``User=root`` and no ``Environment=`` (systemd.exec(5)).
LINUX_SYSTEMD_ENVIRONMENT: dict[str, str] = {
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "LOGNAME": "root",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "SHELL": "/bin/bash",
    "USER": "root",
}


class EnvironmentBlock(Mapping[str, str]):
    """An environment block: names as written, looked up case-insensitively on Windows."""

    def __init__(self, os_family: str, values: Mapping[str, str] | None = None) -> None:
        if os_family not in ("Windows", "Linux"):
            raise ValueError(f"os_family must be 'Windows' or 'Linux', not {os_family!r}")
        self.os_family = os_family
        self._values: dict[str, tuple[str, str]] = {}
        for name, value in (values or {}).items():
            self[name] = value

    def _key(self, name: str) -> str:
        return name.upper() if self.os_family == "Windows" else name

    def __setitem__(self, name: str, value: str) -> None:
        key = self._key(name)
        held = self._values.get(key)
        # Windows keeps the first spelling of a name, as SetEnvironmentVariable does.
        self._values[key] = (held[0] if held else name, value)

    def __delitem__(self, name: str) -> None:
        del self._values[self._key(name)]

    def __getitem__(self, name: str) -> str:
        return self._values[self._key(name)][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._values

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._values.values())

    def __len__(self) -> int:
        return len(self._values)

    def copy(self) -> EnvironmentBlock:
        """Return an independent copy (names, spellings and values as they are here)."""
        clone = EnvironmentBlock(self.os_family)
        clone._values = dict(self._values)
        return clone

    def __repr__(self) -> str:
        return f"EnvironmentBlock({self.os_family!r}, {dict(self.items())!r})"


def tentacle_process_variables(
    os_family: str, instance_name: str = "Tentacle", version: str = "6.3.417"
) -> dict[str, str]:
    """Return the variables Tentacle adds to every script's environment (§3, CONFIRMED
    names; the paths are the installers' defaults, a choice, with a named instance's home in
    a folder of its own)."""
    default = instance_name == "Tentacle"
    if os_family == "Windows":
        home = r"C:\Octopus" if default else rf"C:\Octopus\{instance_name}"
        program = r"C:\Program Files\Octopus Deploy\Tentacle"
        exe, sep, framework = rf"{program}\Tentacle.exe", "\\", ".NET 8.0.8"
    else:
        home = "/etc/octopus/Tentacle" if default else f"/etc/octopus/{instance_name}"
        program = "/opt/octopus/tentacle"
        exe, sep, framework = f"{program}/Tentacle", "/", ".NET 8.0.8"
    if os_family == "Windows":
        apps = rf"{home}\Applications"
    else:
        base = "/home/Octopus" if default else f"/home/Octopus/{instance_name}"
        apps = f"{base}/Applications"
    return {
        "TentacleHome": home,
        "TentacleApplications": apps,
        "TentacleJournal": f"{home}{sep}DeploymentJournal.xml",
        "CalamariPackageRetentionJournalPath": f"{home}{sep}Calamari{sep}"
                                               "PackageRetentionJournal.json",
        "TentacleInstanceName": instance_name,
        "TentacleVersion": version,
        "TentacleNetFrameworkDescription": framework,
        "TentacleExecutablePath": exe,
        "TentacleProgramDirectoryPath": program,
        "AgentProgramDirectoryPath": program,
    }


class MachineEnvironment:
    """A machine's environment store and the snapshot its Tentacle service started with.

    ``store`` defaults to the OS's fresh machine-level environment; ``unit_environment``
    (Linux) are the unit's ``Environment=`` lines, on top of systemd's defaults. The first
    snapshot is taken at once, as if the service had started with the machine.
    """

    def __init__(
        self,
        os_family: str,
        store: Mapping[str, str] | None = None,
        *,
        unit_environment: Mapping[str, str] | None = None,
        choices: DeploymentChoices = DEFAULT_CHOICES,
    ) -> None:
        windows = os_family == "Windows"
        default_store = WINDOWS_MACHINE_ENVIRONMENT if windows else LINUX_ETC_ENVIRONMENT
        self.os_family = os_family
        self.choices = choices
        self.store = EnvironmentBlock(os_family, default_store if store is None else store)
        self.unit_environment = dict(unit_environment or {})
        self.started_at: float | None = None
        self.restarts = 0
        self._boot = self.store.copy()  # what the OS read at its last boot (Windows)
        # What the service read when it last started; the snapshot block is built from it
        # when first read (:attr:`snapshot`).
        self._read_at_start = (self._boot, dict(self.unit_environment))
        self._snapshot: EnvironmentBlock | None = None

    @property
    def snapshot(self) -> EnvironmentBlock:
        """What the service's process environment held when it last started.

        Built on first read from copies taken at the start: every Tentacle restart takes a
        snapshot, few scripts read one before the next restart, and building the block costs
        more than the copies."""
        if self._snapshot is None:
            self._snapshot = self._fresh_snapshot(*self._read_at_start)
        return self._snapshot

    def _fresh_snapshot(
        self, machine_level: EnvironmentBlock, unit_environment: Mapping[str, str]
    ) -> EnvironmentBlock:
        if self.os_family == "Windows":
            block = EnvironmentBlock("Windows", WINDOWS_SERVICE_ENVIRONMENT)
            for name, value in machine_level.items():
                block[name] = value
            return block
        block = EnvironmentBlock("Linux", LINUX_SYSTEMD_ENVIRONMENT)
        if self.choices.linux_unit_reads_etc_environment:
            for name, value in machine_level.items():
                block[name] = value
        for name, value in unit_environment.items():
            block[name] = value
        return block

    def set_machine_variable(self, name: str, value: str | None) -> None:
        """Set (or, with None, remove) a machine-level variable. The snapshot is unchanged."""
        if value is None:
            if name in self.store:
                del self.store[name]
        else:
            self.store[name] = value

    def machine_value(self, name: str) -> str | None:
        """Return the machine-level value of ``name`` (what
        ``GetEnvironmentVariable(name, 'Machine')`` reads), or None."""
        return self.store.get(name)

    def service_started(self, now: float) -> None:
        """Record that the Tentacle service (re)started at ``now``: take a new snapshot.

        On Windows it reads the store unless the choices say only a reboot does; on Linux
        it reads the unit's environment (with ``/etc/environment`` only if the unit has it).
        """
        self.started_at = now
        self.restarts += 1
        # systemd reads /etc/environment (when the unit has it) at every start.
        reads_store = (self.os_family == "Linux"
                       or self.choices.windows_restart_reads_machine_environment)
        source = self.store if reads_store else self._boot
        self._read_at_start = (source.copy(), dict(self.unit_environment))
        self._snapshot = None

    def rebooted(self, now: float) -> None:
        """Record that the machine rebooted (its service started with it): on Windows the
        OS re-reads the machine environment whatever the choices say."""
        self._boot = self.store.copy()
        self.service_started(now)

    def script_environment(
        self,
        tentacle_variables: Mapping[str, str],
        additions: Mapping[str, str] | None = None,
    ) -> EnvironmentBlock:
        """Return the environment a script starts with: the snapshot, then Tentacle's own
        variables, then the step's additions (each replacing a same-named earlier value)."""
        block = self.snapshot.copy()
        for layer in (tentacle_variables, additions or {}):
            for name, value in layer.items():
                block[name] = value
        return block


class MachineEnvironments:
    """The :class:`MachineEnvironment` of every Tentacle and worker of a world, by id.

    One is made on first use, with the OS's fresh machine environment; the agent's service
    start calls :meth:`MachineEnvironment.service_started` on it.
    """

    def __init__(self, choices: DeploymentChoices = DEFAULT_CHOICES) -> None:
        self.choices = choices
        self._by_id: dict[str, MachineEnvironment] = {}

    def of(self, machine_id: str, os_family: str) -> MachineEnvironment:
        """Return the environment of ``machine_id`` (a machine or worker id), making it for
        ``os_family`` if it has none yet.

        Raises ValueError if it exists for another OS family.
        """
        env = self._by_id.get(machine_id)
        if env is None:
            env = MachineEnvironment(os_family, choices=self.choices)
            self._by_id[machine_id] = env
        elif env.os_family != os_family:
            raise ValueError(
                f"{machine_id} has a {env.os_family} environment; it cannot be {os_family}"
            )
        return env

    def __contains__(self, machine_id: object) -> bool:
        return machine_id in self._by_id
