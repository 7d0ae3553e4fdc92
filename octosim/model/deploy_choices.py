"""The simulator's choices where the facts about Octopus are UNCONFIRMED.

octopus-deployments.md marks some behaviour UNCONFIRMED (§7). The deployment model never
hard-codes such a choice: it reads it from one :class:`DeploymentChoices`, whose defaults are
the plausible ones the facts document suggests, so a test or a scenario can pick another
(``dataclasses.replace(DEFAULT_CHOICES, ...)``). Each field says which fact it stands for;
docs/deployments.md lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CHOICES", "DeploymentChoices"]


@dataclass(frozen=True)
class DeploymentChoices:
    """One value for every UNCONFIRMED fact the deployment model depends on.

    Templates are :meth:`str.format` strings; the names they may use are given per field.
    """

    #: §2.1: a tenanted Deploy task's description adds this to the confirmed pattern
    #: (``{tenant}``).
    tenanted_description_suffix: str = " for {tenant}"
    #: §2.1, §7.2: a RunbookRun task's description (``{runbook}``, ``{environment}``).
    runbook_run_description: str = "Run {runbook} in {environment}"
    #: §2.3, §7.2: the activity node of one target under a step (``{machine}``).
    target_node_name: str = "{machine}"
    #: §2.3, §7.2: the node of a step run on a worker on behalf of a target
    #: (``{worker}``, ``{machine}``).
    on_behalf_node_name: str = "{worker} on behalf of {machine}"
    #: §5.3, §7.4: the refusal when the lifecycle does not yet allow the environment
    #: (the 2017 wording; ``HELP_TEXT`` is added after it).
    lifecycle_not_allowed: str = (
        "The release has not been deployed to the required environments before it can be "
        "promoted to this environment. Check the lifecycle associated with this project's "
        "deployment process."
    )
    #: §5.3, §7.4: the refusal when the environment is in no phase of the lifecycle
    #: (``{version}``, ``{project}``, ``{environment}``; octo.exe's client-side text).
    environment_not_in_lifecycle: str = (
        "Release '{version}' of project '{project}' cannot be deployed to environment "
        "'{environment}' because the environment is not in the list of environments that "
        "this release can be deployed to."
    )
    #: §2.4, §7.4: a deployment whose steps find no target at all, unless the project
    #: allows deployments to no targets (the old wording of ISS#2006).
    no_targets: str = "There must be at least one machine to deploy to in the environment."
    #: §5.3, §7.1: an unknown project, release, channel, runbook or tenant named in a
    #: request (``{kind}``, ``{name}``), answered with 404 like the resource routes.
    not_found: str = "The resource '{name}' was not found."
    #: §7.1: a tenanted deployment or run for a tenant not connected to the project in that
    #: environment (``{tenant}``, ``{project}``, ``{environment}``).
    tenant_not_connected: str = (
        "The tenant '{tenant}' is not connected to the project '{project}' in the "
        "environment '{environment}'."
    )
    #: §5.1: a runbook run to an environment outside the runbook's ``EnvironmentScope``
    #: (``{runbook}``, ``{environment}``).
    runbook_environment_not_allowed: str = (
        "The runbook '{runbook}' cannot be run in the environment '{environment}'."
    )
    #: §7.7: the ids of a release's frozen process and variables: the project's process or
    #: variable set id, ``-s-`` and the number of snapshots the project has taken so far.
    frozen_snapshot_id: str = "{owner_id}-s-{n}"
    #: §5.3, §7.5: ``IgnoreIfAlreadyExists`` returns the existing release instead of
    #: refusing a duplicate version.
    ignore_if_exists_returns_existing: bool = True
    #: §5.1, §7.7: the name of a runbook snapshot created without one: this prefix and
    #: seven upper-case letters and digits drawn from the world's random source.
    snapshot_name_prefix: str = "Snapshot "
    #: §5.2: a runbook's process id, from the runbook id (``{runbook_id}``).
    runbook_process_id: str = "RunbookProcess-{runbook_id}"
    #: §4, §7.6: a Windows Tentacle service restart (not only a reboot) picks up machine
    #: environment variables changed since it last started.
    windows_restart_reads_machine_environment: bool = True
    #: §4: the Linux systemd unit reads ``/etc/environment`` (an ``EnvironmentFile=`` line
    #: added by the user). Tentacle's own unit has none, so a restart does not see it.
    linux_unit_reads_etc_environment: bool = False
    #: §2.6: ``Octopus.Action.AutoRetry.MaximumCount`` counts the first run (3: at most
    #: three attempts, as the facts say); False reads it as retries after the first run,
    #: as the step retries announcement can be read ("if all 3 retries are unsuccessful").
    retry_count_includes_first_run: bool = True
    #: §2.6: every retry, the first too, waits ``Octopus.Action.AutoRetry.MinimumBackoff``
    #: (the property's name; the announcement says only that a retry after a *subsequent*
    #: failure waits 15 seconds). False: the first retry at once.
    first_retry_waits: bool = True
    #: §2.6: the line a failed action's node gets as its backoff starts (``{action}``,
    #: ``{machine}``: where it runs, ``{seconds}``, ``{retry}``, ``{retries}``).
    action_retry_line: str = (
        "Retrying {action} on {machine} in {seconds} seconds (retry {retry} of {retries})")
    #: §2.6: why an action that ran past ``Octopus.Action.ExecutionTimeout.Minutes`` failed
    #: (``{action}``, ``{machine}``, ``{minutes}``).
    execution_timed_out: str = (
        "{action} on {machine} did not finish within its execution timeout of {minutes} "
        "minute(s) and was cancelled"
    )


#: The choices the simulator makes unless told otherwise.
DEFAULT_CHOICES = DeploymentChoices()
