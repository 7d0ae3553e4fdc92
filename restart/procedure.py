"""The restart procedure as a sans-IO state machine (see :mod:`restart.protocol`).

What it does, in order (each a *phase* of the report)::

    preflight  GET /api; GET the machine (by id, or by exact name); it must be enabled, a
               Tentacle, and of a known OS
    witness    run a probe task that prints the Tentacle's start time (the *witness*)
    restart    queue the detached restart script; poll it to completion
    wait       post_restart_wait seconds
    verify     probe again, every poll_interval, until a start time appears that was not
               there before (the health window bounds this and the next phase)
    health     health checks until stable_checks succeed in a row
    cleanup    cancel every task this run created that is still running (only if any)

Safety: the outcome is ``restarted`` only if a new start time was seen after the restart
was accepted *and* a health check created after that succeeded. A restart task that fails
with a self-restart exit code (-46, 1) is not a failure: the script may have been killed by
the very restart it asked for, so the witness decides.

Time comes only from the ``now`` the driver hands in; randomness (backoff jitter and the run
token in task descriptions) only from the injected ``random.Random``.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from restart._narration import NarratedProcedure, clause
from restart._session import (
    COMPLETED_STATES,
    DeadlineReached,
    Session,
    Steps,
    TrackedTask,
    json_object,
    timespan,
)
from restart._stepper import Body, Cancelled, ProtocolError
from restart.errors import ConfigurationError, NotFoundError, RestartError, ServerError
from restart.policy import RestartPolicy
from restart.protocol import Action, Event, Finish, Request, Send, Sleep
from restart.report import Outcome, Progress, RestartReport
from restart.scripts import (
    MISSING_INSTANCE_EXIT_CODE,
    is_self_restart_failure,
    missing_instance,
    probe_script,
    restart_script,
)
from restart.target import AgentOS, RestartTarget
from restart.witness import task_log_lines, witness_from_details

__all__ = [
    "Action",
    "Event",
    "Finish",
    "ProtocolError",
    "RestartProcedure",
    "Send",
    "Sleep",
    "detect_os",
]

Witness = tuple[datetime, ...]
#: Octopus's task cap per node when nobody changed it. API keys without administrator
#: rights cannot read a node's MaxConcurrentTasks, so the preflight's warning assumes this.
DEFAULT_TASK_CAP = 5

# An id is used as it is; anything else is a space name, resolved in preflight.
_SPACE_ID = re.compile(r"Spaces-\d+")
_TENTACLE_STYLES = frozenset({"TentaclePassive", "TentacleActive"})
_LINUX_WORDS = (
    "linux",
    "ubuntu",
    "debian",
    "centos",
    "red hat",
    "rhel",
    "fedora",
    "suse",
    "alpine",
    "amazon",
    "oracle",
    "rocky",
    "alma",
)


def detect_os(machine: dict[str, Any], label: str) -> AgentOS:
    """Return the OS of a MachineResource from ``OperatingSystem``, then ``ShellName``.

    Raises ConfigurationError when neither tells, with the flag that settles it.
    """
    os_text = str(machine.get("OperatingSystem") or "").lower()
    shell = str(machine.get("ShellName") or "").lower()
    if "windows" in os_text:
        return AgentOS.WINDOWS
    if any(word in os_text for word in _LINUX_WORDS):
        return AgentOS.LINUX
    if shell.startswith("powershell"):
        return AgentOS.WINDOWS
    if shell in ("bash", "sh"):
        return AgentOS.LINUX
    raise ConfigurationError(
        f"cannot tell the OS of machine {label} (OperatingSystem "
        f"{machine.get('OperatingSystem')!r}, ShellName {machine.get('ShellName')!r}); "
        "pass --os windows|linux (RestartTarget.os)"
    )


class RestartProcedure(NarratedProcedure):
    """One restart of one Tentacle, as a sans-IO procedure: ``start`` / ``send`` / ``cancel``
    (see :mod:`restart.protocol`), ending in ``Finish(report)``.

    ``web_base_url`` is prefixed to task links (the server URL the driver talks to);
    ``on_progress`` receives each progress line as it happens (they are in the report too,
    except the ``verbose`` ones: each request and retry). ``wall_clock`` returns the current
    UTC moment; it is read once, at the start, to date the report (the driver's: real time,
    or a simulation's virtual wall time).
    The machine never raises for Octopus's answers: errors end the run with outcome
    ``failed`` and the typed error in ``report.error``; the drivers raise it.
    """

    def __init__(
        self,
        target: RestartTarget,
        policy: RestartPolicy | None = None,
        *,
        rng: random.Random | None = None,
        web_base_url: str = "",
        on_progress: Callable[[Progress], None] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(on_progress, wall_clock)
        self.target = target
        self.policy = policy if policy is not None else RestartPolicy()
        self._rng = rng if rng is not None else random.Random()
        # Tags every task description so a lost create can be found again (and told apart
        # from another run's tasks on the same machine).
        self.token = f"{self._rng.getrandbits(32):08x}"
        self._session = Session(
            policy=self.policy,
            rng=self._rng,
            space_id=target.space_id,
            web_base_url=web_base_url,
            clock=lambda: self.now,
            narrate=(lambda text: self._emit(text, "verbose")) if on_progress else None,
        )
        self._session.on_queued = self._queued
        self._creates = 0
        self.machine_id = target.machine_id
        self.machine_name = target.machine_name
        self.os: AgentOS | None = target.os
        self.witness_before: Witness | None = None
        self.witness_after: Witness | None = None
        self.healthy_checks = 0
        # How far the run got, for an interrupted report: set as each milestone passes.
        self._milestone = "before the restart was requested: the Tentacle was not restarted"

    # -- bookkeeping ---------------------------------------------------------------------
    def _description(self, what: str) -> str:
        # The seed's descriptions, plus a tag unique to this create (see Session.create_task).
        self._creates += 1
        tag = f"restart-tentacle {self.token}/{self._creates}"
        return f"{what} {self.machine_name} - {self.machine_id} ({tag})"

    # -- the run -------------------------------------------------------------------------
    def _body(self) -> Body:
        s, policy = self._session, self.policy
        self._begin()
        started = self._started
        s.deadline = started + policy.deadline  # dates every task's QueueTimeExpiry
        s.limit = started + policy.work_time
        error: RestartError | None = None
        interrupted = False
        try:
            outcome, reason = yield from self._restart()
        except DeadlineReached as exc:
            outcome = Outcome.TIMED_OUT
            reason = (
                f"timed out in phase {self._phase_name} after {self.now - started:.0f} s "
                f"(deadline {policy.deadline:g} s): {exc}"
            )
        except Cancelled:
            outcome, interrupted = Outcome.FAILED, True
            reason = f"interrupted {self._milestone}"
        except RestartError as exc:
            outcome, reason, error = Outcome.FAILED, str(exc), exc
        except Exception as exc:  # a bug must not leave tasks running: clean up, then report
            error = ServerError(
                f"unexpected {type(exc).__name__} in phase {self._phase_name}: {exc}. This "
                "is a bug in restart-tentacle; please report it."
            )
            error.__cause__ = exc
            outcome, reason = Outcome.FAILED, str(error)
        return (yield from self._conclude(outcome, reason, error, interrupted))

    def _recovery(self) -> Body:
        # Ctrl-C landed in this procedure's own code and ended _body: conclude as an
        # interrupt between actions does (the session knows every task to clean up).
        return self._conclude(Outcome.FAILED, f"interrupted {self._milestone}", None, True)

    def _conclude(self, outcome: Outcome, reason: str, error: RestartError | None,
                  interrupted: bool) -> Body:
        """The end of every run: cancel what may still run, say the outcome, report."""
        s, policy = self._session, self.policy
        self._phase(None)
        # Cleanup gets its own allowance, but never past the hard deadline; an interrupt
        # now must not stop it half-way. No deadline yet: a Ctrl-C landed inside start(),
        # before _body set it (in the driver's wall clock, say), so nothing was sent and
        # there is nothing to clean up; the report then says so, deadline None.
        self._shielded = True
        deadline = math.inf if s.deadline is None else s.deadline
        s.limit = min(deadline, self.now + policy.cleanup_allowance)
        leftovers = yield from self._cleanup()
        if leftovers:
            reason += f"; could not cancel {leftovers} (cancel them in the Octopus web portal)"
        level = "info" if outcome is Outcome.RESTARTED else "error"
        self._emit(f"Outcome: {outcome.value}: {reason}", level)
        report = RestartReport(
            outcome=outcome,
            reason=reason,
            space_id=s.space_id,
            machine_id=self.machine_id,
            machine_name=self.machine_name,
            os=self.os.value if self.os else None,
            started=self._started,
            ended=self.now,
            deadline=s.deadline,
            phases=tuple(self._phases),
            tasks=tuple(t.record() for t in s.tasks.values()),
            requests=s.requests,
            retries=s.retries,
            witness_before=self.witness_before,
            witness_after=self.witness_after,
            healthy_checks=self.healthy_checks,
            interrupted=interrupted,
            procedure="restart",
            log=tuple(self._log),
            error=error,
            started_at=self._started_at,
        )
        if error is not None:
            error.report = report
        return report

    def _restart(self) -> Steps[tuple[Outcome, str]]:
        s, policy = self._session, self.policy
        self._phase("preflight")
        yield from self._preflight()
        assert self.os is not None and self.machine_id is not None

        self._phase("witness")
        self.witness_before, problem = yield from self._probe_before()
        if self.witness_before is None:
            return Outcome.NOT_RESTARTED, (
                f"could not read the Tentacle's start time before restarting ({problem}); "
                "the restart was not attempted because it could not have been verified"
            )

        self._phase("restart")
        syntax, body = restart_script(self.os, policy.script_delay, policy.instance)
        self._milestone = (
            "while the restart task was being created: the Tentacle may still restart"
        )
        task = yield from s.create_task(
            "restart",
            "AdHocScript",
            self._description("Restarting Tentacle on"),
            self._script_arguments(syntax, body),
            repeatable=False,
        )
        self._milestone = "after the restart task was created: the Tentacle may still restart"
        self._emit("Restart initiated")
        self._emit(f"Restart Tentacle Task: {task.get('Id')}", "highlight", s.web_link(task))
        task = yield from s.wait_for_task(
            task, lambda: self._emit("Waiting for restart task to finish...")
        )
        state, message = task.get("State"), str(task.get("ErrorMessage") or "")
        if state != "Success":
            if state == "Failed" and is_self_restart_failure(message):
                self._emit(
                    f"The restart task failed ({clause(message)}): the restart most likely "
                    "killed the script that asked for it. The Tentacle's start time will decide.",
                    "warning",
                )
            else:
                if policy.instance is not None and re.search(
                        rf"exit code {MISSING_INSTANCE_EXIT_CODE}(?!\d)", message):
                    said = yield from self._missing_instance(str(task.get("Id")))
                    message = said or message
                return Outcome.NOT_RESTARTED, (
                    f"the restart task {task.get('Id')} ended {state}"
                    f"{': ' + clause(message) if message else ''}; the Tentacle was not restarted"
                )
        self._emit("Restart executed")
        self._milestone = "after the restart task ran: the Tentacle may still restart"

        self._phase("wait")
        self._emit(f"Waiting {policy.post_restart_wait:g} s for the Tentacle to restart.")
        yield from s.sleep(policy.post_restart_wait, "post-restart wait")

        # New probes and health checks start only inside the window (the seed's 180 s);
        # one started inside it may finish later, up to the deadline.
        window_end = self.now + policy.health_window
        self._phase("verify")
        verdict = yield from self._verify(window_end)
        if verdict is None:
            self._phase("health")
            verdict = yield from self._health(window_end)
        if verdict is not None:
            return verdict
        reason = (
            "the Tentacle restarted (its start time changed) and passed "
            f"{policy.stable_checks} health check(s) in a row afterwards"
        )
        if state != "Success":
            reason += (
                f"; the restart task failed ({clause(message)}) because the restart killed it"
            )
        return Outcome.RESTARTED, reason

    def _missing_instance(self, task_id: str) -> Steps[str | None]:
        """What the restart task's log says about a missing instance (the services there
        are), or None: the task's ErrorMessage only gives the exit code."""
        s = self._session
        request = Request(
            "GET", s.space_path("tasks", task_id, "details"), params=(("verbose", "true"),)
        )
        details = yield from s.call(request)
        return missing_instance(task_log_lines(details.json))

    def _verify(self, window_end: float) -> Steps[tuple[Outcome, str] | None]:
        """Probe until a start time appears that was not there before. Returns None when
        one did, or the verdict when the window ended first."""
        s, policy = self._session, self.policy
        assert self.witness_before is not None
        self._emit("Checking the Tentacle restarted (its start time must change).")
        problem = ""
        while self.now < window_end:
            after, problem = yield from self._probe()
            if after is not None:
                self.witness_after = after
                # A *new* start time, not merely a different set: a process that is down
                # while the probe runs drops out of the set without having restarted.
                if set(after) - set(self.witness_before):
                    self._emit("The Tentacle restarted: its start time changed.")
                    self._milestone = (
                        "after the Tentacle restarted: restarted, health not confirmed"
                    )
                    return None
            yield from s.sleep(policy.poll_interval, "start-time probe")
        if problem or self.witness_after is None:
            return Outcome.NOT_RESTARTED, (
                f"could not read the Tentacle's start time within the {policy.health_window:g} "
                f"s health window after the restart ({problem}); the restart cannot be verified"
            )
        return Outcome.NOT_RESTARTED, (
            f"the Tentacle's start time did not change within the {policy.health_window:g} s "
            "health window: the restart script ran but the Tentacle service did not restart "
            "(check the service name or --instance)"
        )

    def _health(self, window_end: float) -> Steps[tuple[Outcome, str] | None]:
        """Health-check until ``stable_checks`` pass in a row. Returns None when they did,
        or the verdict when the window ended first."""
        s, policy = self._session, self.policy
        self._emit("Checking Tentacle is communicating again.")
        while self.healthy_checks < policy.stable_checks:
            if self.now >= window_end:
                return Outcome.TIMED_OUT, (
                    f"the Tentacle restarted (its start time changed) but only "
                    f"{self.healthy_checks} of {policy.stable_checks} consecutive health "
                    f"checks succeeded within the {policy.health_window:g} s health window"
                )
            task = yield from self._health_check()
            if task.get("State") == "Success":
                self.healthy_checks += 1
                self._emit("Health check finished successfully.")
            else:
                self.healthy_checks = 0
                self._emit(
                    f"Health check {task.get('Id')} ended {task.get('State')}. Checking the "
                    "health window before creating a new health check task.",
                    "warning",
                )
            if self.healthy_checks < policy.stable_checks:
                yield from s.sleep(policy.poll_interval, "next health check")
        self._emit("Tentacle is communicating again.")
        return None

    # -- steps -------------------------------------------------------------------------
    def _script_arguments(self, syntax: str, body: str) -> dict[str, object]:
        return {
            "MachineIds": [self.machine_id],
            "TargetType": "Machines",
            "Syntax": syntax,
            "ScriptBody": body,
        }

    def _preflight(self) -> Steps[None]:
        s, target = self._session, self.target
        root_request = Request("GET", "/api")
        try:
            root = yield from s.call(root_request)
        except NotFoundError:
            root = None  # any plain web server: nothing at /api
        if root is None or not isinstance(root.json, dict):
            raise ConfigurationError(
                "this is not an Octopus server: it did not answer GET /api with Octopus's "
                "root document; check OCTOPUS_URL (--url): it must be the Octopus server's "
                "address, without /api or /app"
            )
        if not _SPACE_ID.fullmatch(s.space_id):
            s.space_id = yield from self._space_id(s.space_id)
        if target.machine_id:
            request = Request("GET", s.space_path("machines", target.machine_id))
            machine = json_object((yield from s.call(request)), request)
        else:
            assert target.machine_name is not None
            request = Request(
                "GET", s.space_path("machines"), params=(("name", target.machine_name),)
            )
            machine = yield from self._machine_by_name(request, target.machine_name)
        self.machine_id = str(machine.get("Id") or target.machine_id)
        self.machine_name = str(machine.get("Name") or target.machine_name or self.machine_id)
        label = f"{self.machine_name} ({self.machine_id})"
        if machine.get("IsDisabled") is True:
            raise ConfigurationError(
                f"machine {label} is disabled in Octopus; enable it (Infrastructure > "
                "Deployment Targets) before restarting its Tentacle"
            )
        endpoint = machine.get("Endpoint")
        style = endpoint.get("CommunicationStyle") if isinstance(endpoint, dict) else None
        if isinstance(style, str) and style not in _TENTACLE_STYLES:
            raise ConfigurationError(
                f"machine {label} is a {style} target, not a Tentacle; only listening "
                "(TentaclePassive) and polling (TentacleActive) Tentacles can be restarted"
            )
        self.os = target.os if target.os is not None else detect_os(machine, label)
        self._emit(f"Machine {label} in {s.space_id}: {self.os.value} Tentacle, enabled.")
        active = yield from s.running_tasks()
        if active is not None and active >= DEFAULT_TASK_CAP - 1:
            expiry = (" Each carries a QueueTimeExpiry at the deadline, so none starts after "
                      "this run gives up." if s.queue_time_expiry is not None else "")
            self._emit(
                f"Octopus has {active} task(s) running or queued: with its default task cap "
                f"of {DEFAULT_TASK_CAP}, this restart's tasks may wait Queued.{expiry}",
                "warning",
            )

    def _queued(self, task: TrackedTask, running: int | None) -> None:
        behind = f" behind {running} running task(s)" if running else ""
        self._emit(
            f"The {task.kind} task {task.id} is still Queued{behind}: the task cap (or a "
            "concurrency tag) is holding it.",
            "warning",
            task.web_link,
        )

    def _space_id(self, space: str) -> Steps[str]:
        """Return the id of the space named ``space`` (or with that id), as the Octopus CLI
        resolves ``--space``: from ``GET /api/spaces/all``. Raises NotFoundError naming the
        spaces the key can see when none matches."""
        request = Request("GET", "/api/spaces/all")
        response = yield from self._session.call(request)
        listed = response.json if isinstance(response.json, list) else []
        spaces = [x for x in listed if isinstance(x, dict) and isinstance(x.get("Id"), str)]
        for match in (
            lambda x: x.get("Id") == space or x.get("Name") == space,
            lambda x: str(x.get("Name", "")).casefold() == space.casefold(),
        ):
            found = [x for x in spaces if match(x)]
            if len(found) == 1:
                space_id = str(found[0]["Id"])
                self._emit(f"Space {space!r} is {space_id}.")
                return space_id
        known = ", ".join(f"{x.get('Name')} ({x['Id']})" for x in spaces) or "none"
        raise NotFoundError(
            f"no space named {space!r} on this Octopus server (the API key can see: {known}); "
            "pass --space / OCTOPUS_SPACE with one of these names or ids",
            status=404,
        )

    def _machine_by_name(self, request: Request, name: str) -> Steps[dict[str, Any]]:
        response = yield from self._session.call(request)
        items = json_object(response, request).get("Items")
        machines = [m for m in (items if isinstance(items, list) else []) if isinstance(m, dict)]
        exact = [m for m in machines if m.get("Name") == name]
        if not exact:  # Octopus names are unique regardless of case
            exact = [m for m in machines if str(m.get("Name", "")).casefold() == name.casefold()]
        if len(exact) != 1:
            raise NotFoundError(
                f"no machine named {name!r} in space {self._session.space_id}"
                + (f" ({len(exact)} match)" if exact else "")
                + "; check the name (or pass the id, Machines-N) and the space "
                "(--space / OCTOPUS_SPACE)"
            )
        return exact[0]

    def _probe_before(self) -> Steps[tuple[Witness | None, str]]:
        problem = ""
        for attempt in range(1, self.policy.probe_attempts + 1):
            witness, problem = yield from self._probe()
            if witness is not None:
                return witness, ""
            if attempt < self.policy.probe_attempts:
                yield from self._session.sleep(self.policy.poll_interval, "start-time probe")
        return None, problem

    def _probe(self) -> Steps[tuple[Witness | None, str]]:
        """Run one start-time probe; return (witness, "") or (None, why not)."""
        s = self._session
        assert self.os is not None and self.machine_id is not None
        syntax, body = probe_script(self.os)
        task = yield from s.create_task(
            "probe",
            "AdHocScript",
            self._description("Reading Tentacle start time on"),
            self._script_arguments(syntax, body),
        )
        self._emit(f"Start-time probe task: {task.get('Id')}", "highlight", s.web_link(task))
        task = yield from s.wait_for_task(task)
        task_id = str(task.get("Id"))
        if task.get("State") != "Success":
            message = str(task.get("ErrorMessage") or "")
            problem = f"probe task {task_id} ended {task.get('State')}" + (
                f": {clause(message)}" if message else ""
            )
            self._emit(f"Could not read the start time: {problem}.", "warning")
            return None, problem
        request = Request(
            "GET", s.space_path("tasks", task_id, "details"), params=(("verbose", "true"),)
        )
        details = yield from s.call(request)
        witness = witness_from_details(details.json)
        if witness is None:
            problem = f"probe task {task_id} printed no start time"
            self._emit(f"Could not read the start time: {problem}.", "warning")
            return None, problem
        self._emit("Tentacle start time: " + ", ".join(t.isoformat() for t in witness))
        return witness, ""

    def _health_check(self) -> Steps[dict[str, Any]]:
        """Create one health check sized to the time left; return its final TaskResource."""
        s, policy = self._session, self.policy
        assert self.machine_id is not None
        # The task may run its whole Timeout and be seen done one poll later; both must fit.
        room = s.left() - policy.poll_interval
        timeout = math.floor(min(policy.health_task_timeout, room))
        if timeout < 1:
            raise DeadlineReached("no time left for another health check")
        machine_timeout = math.floor(min(policy.health_machine_timeout, timeout))
        task = yield from s.create_task(
            "health",
            "Health",
            self._description("Health check for"),
            {
                "MachineIds": [self.machine_id],
                "Timeout": timespan(timeout),
                "MachineTimeout": timespan(machine_timeout),
            },
        )
        self._emit(f"Tentacle Health Check Task: {task.get('Id')}", "highlight", s.web_link(task))
        self._emit("Health check task created.")
        return (
            yield from s.wait_for_task(
                task, lambda: self._emit("Waiting for health check to finish...")
            )
        )

    def _cleanup(self) -> Steps[str]:
        """Cancel every task this run may have created that may still run. Returns the ids
        (or descriptions) it could not make sure of, comma-separated ("" when none)."""
        s = self._session
        if not s.ambiguous and all(t.completed or t.cancel_requested for t in s.tasks.values()):
            return ""
        self._phase("cleanup")
        failed: list[str] = []
        for description, (kind, name) in s.ambiguous.items():
            try:
                yield from s.find_tasks(kind, name, description)
            except (RestartError, DeadlineReached):
                failed.append(f"a task that may exist: {description!r}")
        for tracked in list(s.tasks.values()):
            if tracked.completed or tracked.cancel_requested:
                continue
            try:
                yield from s.cancel_task(tracked)
                self._emit(_cancel_outcome(tracked), "warning", tracked.web_link)
            except RestartError:
                # Octopus refuses to cancel a task that completed meanwhile; check that.
                with contextlib.suppress(RestartError, DeadlineReached):
                    yield from s.refresh_task(tracked)
                if not tracked.completed:
                    failed.append(tracked.id)
            except DeadlineReached:
                failed.append(tracked.id)
        self._phase(None)
        return ", ".join(failed)


def _cancel_outcome(tracked: TrackedTask) -> str:
    # Say what really happened: Octopus answers a cancel with the task as it now is, and a
    # task that finished meanwhile (Success included) keeps its state.
    what = f"{tracked.kind} task {tracked.id}"
    if tracked.state in ("Canceled", "Cancelling"):
        return f"Cancelled {what}."
    if tracked.state in COMPLETED_STATES:
        return f"The {what} had already finished ({tracked.state}); nothing to cancel."
    return f"Asked Octopus to cancel {what} (it was {tracked.state})."
