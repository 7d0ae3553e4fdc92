"""Running inside an Octopus Python script step: the step variables and the seed's guard.

Calamari gives Python steps a global ``get_octopusvariable(name)``; it is looked up in
``__main__`` (where the step's script runs) and then in builtins, or passed in explicitly.
A typical step (run "on behalf of" the target's role, on a worker or the server)::

    from restart.octopus import run_in_step
    report = run_in_step(get_octopusvariable("RestartTentacle.ApiKey"))
"""

from __future__ import annotations

import builtins
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from restart.client import octopus_client
from restart.drivers.sync import run_sync
from restart.errors import ConfigurationError
from restart.policy import RestartPolicy
from restart.report import Progress, RestartReport
from restart.seedport import SeedVariables
from restart.target import AgentOS, RestartTarget

__all__ = [
    "STEP_VARIABLES",
    "StepContext",
    "VariableGetter",
    "check_run_on_behalf",
    "find_variable_getter",
    "read_step_context",
    "run_in_step",
]

VariableGetter = Callable[[str], "str | None"]

#: The variables the seed reads, in the order it reads them.
STEP_VARIABLES = (
    "Octopus.Action.TargetRoles",
    "Octopus.Action.RunOnServer",
    "Octopus.Machine.Id",
    "Octopus.Machine.Name",
    "Octopus.Environment.Id",
    "Octopus.Space.Id",
    "Octopus.Web.BaseUrl",
)


@dataclass(frozen=True)
class StepContext:
    """What the step knows about the deployment target it runs on behalf of."""

    machine_id: str
    machine_name: str | None
    environment_id: str | None
    space_id: str
    server_url: str
    target_roles: str | None
    run_on_server: str | None

    def target(self, os: AgentOS | None = None) -> RestartTarget:
        """Return the RestartTarget for this step's machine."""
        return RestartTarget(
            space_id=self.space_id,
            machine_id=self.machine_id,
            machine_name=self.machine_name,
            os=os,
            environment_id=self.environment_id,
        )

    def seed_variables(self) -> SeedVariables:
        """Return the variables the seed port (baseline) needs."""
        return SeedVariables(
            server_url=self.server_url,
            space_id=self.space_id,
            machine_id=self.machine_id,
            machine_name=self.machine_name or self.machine_id,
            environment_id=self.environment_id,
        )


def find_variable_getter() -> VariableGetter:
    """Return Calamari's ``get_octopusvariable`` from ``__main__`` or builtins.

    Raises ConfigurationError outside an Octopus Python step.
    """
    for namespace in (sys.modules.get("__main__"), builtins):
        getter = getattr(namespace, "get_octopusvariable", None)
        if callable(getter):
            return getter  # type: ignore[no-any-return]
    raise ConfigurationError(
        "get_octopusvariable is not defined: this is not running in an Octopus Python script "
        "step; pass a getter (a function from variable name to value) explicitly"
    )


def check_run_on_behalf(target_roles: str | None, run_on_server: str | None) -> None:
    """Apply the seed's guard. Raises ConfigurationError unless the step runs "on behalf of"
    a target role: ``Octopus.Action.TargetRoles`` non-empty and ``RunOnServer`` not "false".

    Stricter than the seed in one case, on purpose: a *missing* TargetRoles fails too (in
    PowerShell ``$null -eq ''`` is false, so the seed lets it through).
    """
    if not (target_roles or "").strip() or (run_on_server or "").strip().lower() == "false":
        raise ConfigurationError(
            "The step can only 'run on behalf of': set the step to run on the Octopus "
            "server or a worker on behalf of the target role of the machines to restart"
        )


def read_step_context(getter: VariableGetter | None = None) -> StepContext:
    """Read the step variables (the seed's) and apply its guard; return the context.

    ``getter`` defaults to :func:`find_variable_getter`. A missing variable (Calamari's
    getter raises KeyError) reads as None. Raises ConfigurationError when the guard fails
    or the machine id, space id or server URL is missing.
    """
    get = getter if getter is not None else find_variable_getter()

    def read(name: str) -> str | None:
        try:
            value = get(name)
        except KeyError:
            return None
        return None if value is None else str(value)

    values = {name: read(name) for name in STEP_VARIABLES}
    check_run_on_behalf(values["Octopus.Action.TargetRoles"], values["Octopus.Action.RunOnServer"])
    required = ("Octopus.Machine.Id", "Octopus.Space.Id", "Octopus.Web.BaseUrl")
    missing = [name for name in required if not values[name]]
    if missing:
        raise ConfigurationError(
            f"step variable(s) {', '.join(missing)} are empty: run the step on behalf of a "
            "deployment target so Octopus sets them"
        )
    return StepContext(
        machine_id=str(values["Octopus.Machine.Id"]),
        machine_name=values["Octopus.Machine.Name"],
        environment_id=values["Octopus.Environment.Id"],
        space_id=str(values["Octopus.Space.Id"]),
        server_url=str(values["Octopus.Web.BaseUrl"]),
        target_roles=values["Octopus.Action.TargetRoles"],
        run_on_server=values["Octopus.Action.RunOnServer"],
    )


def _print_for_octopus(progress: Progress) -> None:
    # Octopus service messages switch the step log's stream for the lines that follow.
    stream = {"highlight": "stdout-highlight", "warning": "stdout-warning"}.get(progress.level)
    text = progress.text + (f" {progress.link}" if progress.link else "")
    if stream is None:
        print(text, flush=True)
    else:
        print(f"##octopus[{stream}]\n{text}\n##octopus[stdout-default]", flush=True)


def run_in_step(
    api_key: str,
    *,
    getter: VariableGetter | None = None,
    policy: RestartPolicy | None = None,
    os: AgentOS | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> RestartReport:
    """Restart the Tentacle of the machine this step runs on behalf of; return the report.

    Progress goes to the step log (highlights as highlights). ``clock``, ``sleep`` and
    ``transport`` (an httpx transport) are seams for tests. Raises ConfigurationError
    (guard, variables, key), the typed RestartError that ended the run, or RuntimeError
    when the run ends without restarting, so the step fails with the reason.
    """
    context = read_step_context(getter)
    with octopus_client(context.server_url, api_key, transport=transport) as client:
        report = run_sync(
            client,
            context.target(os),
            policy,
            clock=clock,
            sleep=sleep,
            on_event=_print_for_octopus,
        )
    if not report.ok:
        raise RuntimeError(f"Tentacle restart {report.outcome.value}: {report.reason}")
    return report
