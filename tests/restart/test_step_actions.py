"""restart.step_actions: Octosim.RestartTentacle, the restart client and the recipe's port as a
Python step action, run inside a deployment in virtual time.

The whole story (install, restart, check) is tests/e2e/test_seed_deployment.py; here, each
thing the action does on its own: how it is registered, the variables it reads, what it
logs and outputs, and what the task cap it shares with its deployment does to it.
"""

from __future__ import annotations

import dataclasses

import pytest

from octosim.model.projects import (
    EXECUTION_TIMEOUT_MINUTES,
    SCRIPT_BODY,
    TARGET_ROLES,
    DeploymentAction,
    DeploymentStep,
)
from octosim.model.states import TaskState
from octosim.model.step_actions import StepActions
from octosim.model.tasks import ActivityElement, LogCategory, Task
from octosim.model.variables import VariableDictionary
from octosim.simulation import Simulation
from restart._narration import NarratedProcedure
from restart.errors import ConfigurationError
from restart.flows import SimulatedServer
from restart.policy import DEFAULT_DEADLINE, RestartPolicy
from restart.step_actions import (
    ACTION_TYPE,
    install,
    policy_from_variables,
    register,
)
from tests.e2e.seed_deployment_world import deploy, seed_deployment, story_steps

ON_BEHALF = "Worker-1 on behalf of web-01"
#: pytest-asyncio warns in an inner session whose ini leaves this unset.
QUIET_ASYNCIO = "asyncio_default_fixture_loop_scope = function"


def _node(task: Task, name: str, step: str | None = None) -> ActivityElement:
    """The log node ``name`` (the first found; only under the step named ``step``)."""
    roots = [e for e in task.log.children if step is None or e.name.endswith(f": {step}")]
    found = [e for root in roots for e in root.walk() if e.name == name]
    assert found, f"no log node {name!r}"
    return found[0]


def _lines(task: Task, name: str, step: str | None = None) -> list[str]:
    return [line.message for line in _node(task, name, step).log
            if line.category is not LogCategory.Verbose]


# -- registration -------------------------------------------------------------------------------
def test_install_registers_the_action_in_the_simulations_deployments() -> None:
    sim = Simulation()
    assert sim.deploy.actions.get(ACTION_TYPE) is None
    assert install(sim) is sim
    assert sim.deploy.actions.get(ACTION_TYPE) is not None
    assert sim.deploy.actions.get(ACTION_TYPE.upper()) is not None  # as Octopus compares types


def test_register_adds_it_to_any_step_actions() -> None:
    actions = StepActions()
    register(actions, SimulatedServer.of(Simulation()))
    assert list(actions) == [ACTION_TYPE]


# -- the policy's variables ---------------------------------------------------------------------
def test_no_variables_give_the_default_policy() -> None:
    assert policy_from_variables(VariableDictionary()) == RestartPolicy()


def test_each_knob_is_read_from_its_pascal_case_variable() -> None:
    policy = policy_from_variables(VariableDictionary({
        "RestartTentacle.Deadline": "600", "restarttentacle.healthwindow": "240",
        "RestartTentacle.StableChecks": "2", "RestartTentacle.Instance": "Blue",
        "RestartTentacle.PostRestartWait": " ",  # blank: the default
    }))
    assert policy == RestartPolicy(deadline=600, health_window=240, stable_checks=2,
                                   instance="Blue")


def test_a_value_out_of_range_names_the_variable_and_the_range() -> None:
    with pytest.raises(ConfigurationError, match=r"variable RestartTentacle\.HealthWindow "
                                                 r"must be a number of seconds > 0, got abc"):
        policy_from_variables(VariableDictionary({"RestartTentacle.HealthWindow": "abc"}))


def test_a_policy_that_cannot_work_is_told_in_the_variables_names() -> None:
    with pytest.raises(ConfigurationError, match=r"variable RestartTentacle\.Deadline must be "
                                                 r"more than 10 seconds"):
        policy_from_variables(VariableDictionary({"RestartTentacle.Deadline": "5"}))


# -- in a deployment ----------------------------------------------------------------------------
def test_a_bad_restart_method_fails_the_step_saying_what_to_set() -> None:
    world = seed_deployment("Reboot")
    task = deploy(world)
    assert task.state is TaskState.Failed
    assert ("variable RestartMethod is 'Reboot': set it to Client (the restart client, the "
            "default) or Recipe (the seed recipe's port)") in _lines(task, ON_BEHALF)
    assert list(world.sim.engine.tasks.values()) == [task]  # nothing was asked of Octopus


def test_the_method_is_read_in_any_case() -> None:
    world = seed_deployment("recipe")
    task = deploy(world)
    assert "Restart initiated" in _lines(task, ON_BEHALF)
    assert "Machine web-01 (Machines-1) in Spaces-1: windows Tentacle, enabled." not in (
        _lines(task, ON_BEHALF))  # the recipe has no preflight


def test_run_on_the_targets_themselves_it_fails_the_seeds_guard() -> None:
    steps = story_steps()
    restart = steps[1]
    steps[1] = dataclasses.replace(restart, actions=[
        DeploymentAction("Restart Tentacle", action_type=ACTION_TYPE)])  # no RunOnServer
    task = deploy(seed_deployment("Client", steps=steps))
    assert task.state is TaskState.Failed
    assert ("The step can only 'run on behalf of': set the step to run on the Octopus server "
            "or a worker on behalf of the target role of the machines to restart"
            ) in _lines(task, "web-01", "Restart Tentacle")


def test_its_requests_carry_the_api_key_variable() -> None:
    world = seed_deployment("Client", variables={
        "RestartTentacle.ApiKey": "API-NOTAKEYNOTAKEYNOTAKEY0"})
    task = deploy(world)
    assert task.state is TaskState.Failed
    errors = [line.message for line in _node(task, ON_BEHALF).log
              if line.category is LogCategory.Error]
    assert errors and "API key" in errors[-1], errors
    assert not [t for t in world.sim.engine.tasks.values() if t.name == "AdHocScript"]


def test_it_logs_the_narration_with_each_lines_level_and_the_requests_as_verbose() -> None:
    task = deploy(seed_deployment("Client"))
    node = _node(task, ON_BEHALF)
    by_category = {line.message: line.category for line in node.log}
    assert by_category["Restart initiated"] is LogCategory.Info
    highlight = [m for m, c in by_category.items() if m.startswith("Restart Tentacle Task:")]
    assert highlight and by_category[highlight[0]] is LogCategory.Highlight
    assert "/app#/Spaces-1/tasks/ServerTasks-" in highlight[0]  # the task's link
    assert any(c is LogCategory.Verbose and "GET /api/Spaces-1/machines/Machines-1" in m
               for m, c in by_category.items())


def test_its_outputs_are_seen_by_later_steps() -> None:
    report = DeploymentStep("Report", [DeploymentAction("Report", properties={SCRIPT_BODY: (
        'Write-Host "#{Octopus.Action[Restart Tentacle].Output.Method} '
        '#{Octopus.Action[Restart Tentacle].Output.Outcome} '
        '#{Octopus.Action[Restart Tentacle].Output.Verified}"')})],
        {TARGET_ROLES: "web-server"})
    for method, seen in (("Client", "Client restarted True"),
                         ("Recipe", "Recipe restarted False")):
        steps = [*story_steps()[:2], report]
        task = deploy(seed_deployment(method, steps=steps))
        assert task.state is TaskState.Success
        assert _lines(task, "web-01", "Report")[-1] == seen


def test_a_policy_variable_changes_the_clients_run() -> None:
    task = deploy(seed_deployment("Client", variables={"RestartTentacle.PostRestartWait": "5"}))
    assert task.state is TaskState.Success
    assert "Waiting 5 s for the Tentacle to restart." in _lines(task, ON_BEHALF)


def test_a_bad_policy_variable_fails_the_step_before_any_request() -> None:
    world = seed_deployment("Client", variables={"RestartTentacle.Deadline": "-1"})
    task = deploy(world)
    assert task.state is TaskState.Failed
    assert any("variable RestartTentacle.Deadline must be" in m
               for m in _lines(task, ON_BEHALF))
    assert not [t for t in world.sim.engine.tasks.values() if t.name == "AdHocScript"]


# -- the task cap it shares with its deployment -------------------------------------------------
def test_with_the_cap_full_the_client_gives_up_by_its_deadline_and_cleans_up() -> None:
    world = seed_deployment("Client")
    world.sim.engine.task_cap = 1  # the deployment holds the only slot
    task = deploy(world)
    assert task.state is TaskState.Failed
    children = [t for t in world.sim.engine.tasks.values() if t is not task]
    assert children and all(t.state is TaskState.Canceled and t.start_time is None
                            for t in children)
    reason = _lines(task, ON_BEHALF)[-1]
    assert reason.startswith("Tentacle restart timed_out: timed out in phase witness")
    # By its deadline, measured from when the step started.
    assert task.completed_time is not None and task.completed_time < DEFAULT_DEADLINE + 60


def test_with_the_cap_full_the_recipe_waits_for_ever() -> None:
    world = seed_deployment("Recipe")
    world.sim.engine.task_cap = 1
    task = deploy(world, until=3600)
    assert task.state is TaskState.Executing
    restarts = [t for t in world.sim.engine.tasks.values() if t.name == "AdHocScript"]
    assert restarts and all(t.state is TaskState.Queued for t in restarts)
    assert _lines(task, ON_BEHALF)[-1] == "Waiting for restart task to finish..."


# -- the entry point ----------------------------------------------------------------------------
def test_the_restart_entry_point_installs_it_by_name() -> None:
    sim = Simulation().install_step_actions("restart")
    assert list(sim.deploy.actions) == [ACTION_TYPE]


def test_no_name_installs_every_published_step_action() -> None:
    assert ACTION_TYPE in list(Simulation().install_step_actions().deploy.actions)


def test_an_unknown_name_says_which_are_published() -> None:
    with pytest.raises(LookupError, match=r"named nope \(entry point group "
                                          r"octosim\.step_actions: .*restart"):
        Simulation().install_step_actions("nope")


def test_the_plugins_ini_option_enables_it_in_every_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{QUIET_ASYNCIO}\noctosim_step_actions = restart\n")
    pytester.makepyfile(test_enabled=(
        "def test_it(octopus, octopus_factory):\n"
        f"    assert octopus.deploy.actions.get({ACTION_TYPE!r}) is not None\n"
        f"    assert octopus_factory().deploy.actions.get({ACTION_TYPE!r}) is not None\n"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_plugins_ini_option_refuses_an_unknown_name(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{QUIET_ASYNCIO}\noctosim_step_actions = restart nope\n")
    pytester.makepyfile(test_enabled="def test_it(octopus):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert "octosim: ini option octosim_step_actions: no installed package publishes step " \
           "actions named nope" in result.stdout.str() + result.stderr.str()
    assert result.ret != 0


@pytest.mark.parametrize("method", ["Client", "Recipe"])
def test_ctrl_c_inside_the_action_s_procedure_stops_the_program(
        monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    # Inside a simulation nothing answers Ctrl-C with a report: a KeyboardInterrupt landing
    # in the procedure's own code reaches the program driving the simulation, as anywhere.
    emit = NarratedProcedure._emit

    def interrupted(self: NarratedProcedure, text: str, *args: object) -> None:
        if "Tentacle" in text:
            raise KeyboardInterrupt
        emit(self, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(NarratedProcedure, "_emit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        deploy(seed_deployment(method))


# -- the step's execution timeout ---------------------------------------------------------------
def test_a_step_timeout_cancels_what_the_restart_created() -> None:
    # Cap 1: the deployment holds the only slot, so the tasks the client creates wait in the
    # queue until the step's one-minute timeout cancels the step. As a cancelled task does,
    # it lets the client clean up: what it created is cancelled, none left to run once the
    # slot frees (one may get the slot at the very instant the deployment ends, before the
    # cleanup's cancel arrives).
    steps = story_steps()
    steps[1].actions[0].properties[EXECUTION_TIMEOUT_MINUTES] = "1"
    world = seed_deployment(steps=steps)
    sim = world.sim
    sim.engine.task_cap = 1
    task = deploy(world)
    assert task.state is TaskState.Failed
    assert any("did not finish within its execution timeout" in line
               for line in _lines(task, ON_BEHALF, "Restart Tentacle"))
    sim.clock.advance_to(sim.clock.now() + 600)
    children = [t for t in sim.engine.tasks.values() if t is not task]
    assert children and all(t.state is TaskState.Canceled for t in children)
