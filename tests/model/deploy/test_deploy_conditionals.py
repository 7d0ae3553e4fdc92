"""Octostache's conditional blocks in ``#{...}`` substitution (``#{if}``, ``#{unless}``,
``#{else}``, ``#{elseif}``), in scripts and in Variable run conditions, and evaluated values
(``$OctopusParameters``, masking)."""

from __future__ import annotations

import pytest

from octosim.model.projects import StepCondition
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityStatus
from octosim.model.variables import (
    MASK,
    TemplateError,
    Variable,
    VariableDictionary,
    mask,
    substitute,
)
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with

TABLE = {"Deploy": "True", "Off": "False", "Result": "done", "Env": "Development",
         "Same": "Development", "Step": "Check",
         "Octopus.Action[Check].Output.NeedsMigration": "false"}


def test_if_else_unless_and_elseif_choose_one_body() -> None:
    assert substitute("#{if Deploy}yes#{/if}", TABLE) == "yes"
    assert substitute("#{if Off}yes#{/if}", TABLE) == ""
    assert substitute("#{if Off}yes#{else}no#{/if}", TABLE) == "no"
    assert substitute("#{unless Off}yes#{/unless}", TABLE) == "yes"
    assert substitute("#{unless Deploy}yes#{else}no#{/unless}", TABLE) == "no"
    assert substitute("#{if Off}a#{elseif Deploy}b#{else}c#{/if}", TABLE) == "b"
    assert substitute("#{if Off}a#{elseif Missing}b#{else}c#{/if}", TABLE) == "c"
    assert substitute("#{ IF  Deploy }yes#{/if}", TABLE) == "yes"  # Octostache's spacing


def test_bodies_are_substituted_and_blocks_nest() -> None:
    template = "[#{if Deploy}#{unless Off}#{Result} in #{Env}#{else}x#{/unless}#{/if}]"
    assert substitute(template, TABLE) == "[done in Development]"
    assert substitute("#{if Off}a#{else}#{if Deploy}#{Result}#{/if}#{/if}", TABLE) == "done"
    assert substitute("#{if Deploy}a\n#{/if}\n#{if Off}b\n#{/if}c", TABLE) == "a\n\nc"
    # A variable's value holding a block is evaluated where it is used.
    values = {**TABLE, "Mode": "#{if Deploy}live#{else}dry#{/if}"}
    assert substitute("mode=#{Mode}", values) == "mode=live"


@pytest.mark.parametrize(("value", "truthy"), [
    ("", False), ("0", False), ("no", False), ("NO", False), (" No ", False),
    ("false", False), ("False", False), ("FALSE ", False),
    ("True", True), ("true", True), ("1", True), ("yes", True), ("off", True), (" ", True),
    ("00", True), ("#{Off}", False), ("#{Deploy}", True),
])
def test_truthiness_is_octostache_s(value: str, truthy: bool) -> None:
    values = {**TABLE, "V": value}
    assert substitute("#{if V}T#{else}F#{/if}", values) == ("T" if truthy else "F")


def test_an_undefined_variable_is_false_and_empty_in_a_comparison() -> None:
    assert substitute("#{if Missing}T#{else}F#{/if}", TABLE) == "F"
    assert substitute("#{unless Missing}T#{/unless}", TABLE) == "T"
    assert substitute('#{if Missing == ""}T#{/if}', TABLE) == "T"
    assert substitute("#{if Missing == Other}T#{/if}", TABLE) == "T"


def test_comparisons_with_quoted_values_and_other_variables() -> None:
    assert substitute('#{if Env == "Development"}T#{else}F#{/if}', TABLE) == "T"
    assert substitute('#{if Env == "development"}T#{else}F#{/if}', TABLE) == "F"  # exact
    assert substitute('#{if Env != "Production"}T#{else}F#{/if}', TABLE) == "T"
    assert substitute('#{if "Development" == Env}T#{else}F#{/if}', TABLE) == "T"
    assert substitute('#{if Env==\\"Development\\"}T#{else}F#{/if}', TABLE) == "T"
    assert substitute("#{if Env == Same}T#{else}F#{/if}", TABLE) == "T"
    assert substitute("#{if Env != Same}T#{else}F#{/if}", TABLE) == "F"
    assert substitute('#{if Octopus.Action[#{Step}].Output.NeedsMigration == "true"}'
                      "T#{else}F#{/if}", TABLE) == "F"


@pytest.mark.parametrize(("template", "rendered", "problem"), [
    ("a #{if Deploy}b", "a ", "#{if Deploy} (line 1) has no #{/if}"),
    ("a\n#{if Deploy}b#{unless Off}c#{/if}d", "a\n",
     "#{unless Off} (line 2) is followed by #{/if} before its #{/unless}"),
    ("#{unless Off}a#{elseif Deploy}b#{/unless}c", "",
     "#{unless Off} (line 1) is followed by #{elseif Deploy} before its #{/unless}"),
    ("#{if Deploy}a#{else}b#{else}c#{/if}d", "",
     "#{if Deploy} (line 1) is followed by #{else} before its #{/if}"),
    ("a #{if Env | ToLower}b#{/if} c", "a  c",
     "#{if Env | ToLower} (line 1) cannot be evaluated: filters are not interpreted"),
    ("#{if Env == 'Development'}b#{/if}c", "c", "#{if Env == 'Development'} (line 1)"),
    ("#{if Env == \"a\" == Same}b#{/if}", "", "only one == or != is allowed"),
    ('#{if "Development"}b#{/if}', "", "not a variable name"),
    ("#{if Off}a#{elseif Env | ToUpper}b#{/if}", "", "#{elseif Env | ToUpper} (line 1)"),
])
def test_a_block_that_cannot_be_evaluated_renders_no_branch_or_fails_when_strict(
    template: str, rendered: str, problem: str,
) -> None:
    assert substitute(template, TABLE) == rendered
    with pytest.raises(TemplateError) as raised:
        substitute(template, TABLE, strict=True)
    assert problem in str(raised.value)


def test_block_keywords_outside_a_block_stay_as_written_or_fail_when_strict() -> None:
    assert substitute("a #{/if} #{else} #{elseif X} b", TABLE) == "a #{/if} #{else} #{elseif X} b"
    with pytest.raises(TemplateError, match=r"^#\{/if\} \(line 2\) is outside any"):
        substitute("a\n#{/if}", TABLE, strict=True)


def test_escapes_and_plain_tokens_are_unchanged_next_to_blocks() -> None:
    assert substitute("##{if Deploy}#{Result}#{/if}", TABLE) == "#{if Deploy}done#{/if}"
    assert substitute("#{if Deploy}#{Missing} #{Env | ToUpper} ##{Env}#{/if}", TABLE) == (
        "#{Missing} #{Env | ToUpper} #{Env}")
    assert substitute("#{ifDeploy} #{if} #{Deploy}", TABLE) == "#{ifDeploy} #{if} True"
    assert substitute("#{if Deploy}#{Result}", TABLE, strict=False) == ""
    assert VariableDictionary(TABLE).substitute("#{if Deploy}#{Result}#{/if}") == "done"


def test_a_cycle_in_a_condition_is_false_not_a_hang() -> None:
    values = {"A": "#{B}", "B": "#{A}"}
    assert substitute("#{if A}T#{else}F#{/if}", values) == "T"  # "#{A}" as written: truthy
    assert substitute("#{if Self}T#{else}F#{/if}", {"Self": "#{if Self}x#{/if}"}) == "F"


def test_evaluated_value_is_one_variable_substituted() -> None:
    variables = VariableDictionary({"Host": "app.example.com", "Url": "https://#{Host}/api",
                                    "Loop": "x#{Loop}", "Plain": "p"})
    assert variables.evaluated_value("url") == "https://app.example.com/api"
    assert variables.evaluated_value("Plain") == "p"
    assert variables.evaluated_value("Loop") == "x#{Loop}"
    assert variables.evaluated_value("Missing") is None
    assert variables.evaluated()["Url"] == "https://app.example.com/api"


def test_a_sensitive_value_referencing_a_variable_is_masked_as_printed() -> None:
    variables = VariableDictionary({"Env": "prod"})
    variables.set("ApiKey", "key-#{Env}-Zq9", is_sensitive=True)
    assert sorted(variables.sensitive_values()) == ["key-#{Env}-Zq9", "key-prod-Zq9"]
    assert mask("using key-prod-Zq9", variables.sensitive_values()) == f"using {MASK}"


def _log(task: object) -> list[str]:
    return [line.message for e in task.log.walk() for line in e.log]  # type: ignore[attr-defined]


def test_a_script_runs_only_the_body_its_condition_chooses() -> None:
    sim = deploy_sim(1)
    body = ("#{if Deploy}\nWrite-Host 'deploying'\n#{/if}\n"
            "#{unless Deploy}\nWrite-Host 'not deploying'\n#{/unless}\n"
            '#{if Octopus.Environment.Name == "Production"}\nWrite-Host \'in production\'\n'
            "#{else}\nWrite-Host 'not in production'\n#{/if}")
    task = deploy(sim, project_with(sim, [script_step("Say", body, roles="app")],
                                    [Variable("Deploy", "True")]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    said = _log(task)
    assert "deploying" in said and "not in production" in said
    assert "not deploying" not in said and "in production" not in said


@pytest.mark.parametrize(("expression", "runs"), [
    ('#{if Octopus.Action[Check].Output.NeedsMigration == "true"}True#{/if}', False),
    ('#{if Octopus.Action[Check].Output.NeedsMigration == "false"}True#{/if}', True),
    ('#{if Octopus.Environment.Name == "Production"}true#{/if}', False),
    ('#{if Octopus.Environment.Name == "Development"}true#{/if}', True),
    ("#{unless Octopus.Deployment.Error}#{RunIt}#{/unless}", True),
    ("#{unless Octopus.Deployment.Error}#{SkipIt}#{/unless}", False),
    ("#{unless Octopus.Deployment.Error}false#{/unless}", False),
    ("#{if RunIt}True", False),  # not closed: cannot be evaluated, so not true
    ("#{if RunIt | ToLower}True#{/if}", False),
])
def test_a_variable_run_condition_evaluates_its_blocks(expression: str, runs: bool) -> None:
    sim = deploy_sim(1)
    check = script_step("Check", 'Set-OctopusVariable -name "NeedsMigration" -value "false"',
                        roles="app")
    migrate = script_step("Migrate", "Write-Host 'migrating'", roles="app",
                          condition=StepCondition.Variable)
    migrate.properties["Octopus.Step.ConditionVariableExpression"] = expression
    task = deploy(sim, project_with(sim, [check, migrate], [
        Variable("RunIt", "True"), Variable("SkipIt", "False")]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    status = task.log.children[1].status
    assert status is (ActivityStatus.Success if runs else ActivityStatus.Skipped)
    assert ("migrating" in _log(task)) is runs


def test_a_script_printing_an_evaluated_sensitive_value_logs_it_masked() -> None:
    sim = deploy_sim(1)
    task = deploy(sim, project_with(sim, [script_step("Say", "Write-Host 'k=#{ApiKey}'",
                                                      roles="app")], [
        Variable("Env", "prod"), Variable("ApiKey", "key-#{Env}-Zq9", is_sensitive=True)]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    assert f"k={MASK}" in _log(task)
    assert not any("key-prod-Zq9" in line for line in _log(task))


@pytest.mark.parametrize(("expression", "truthy"), [
    ("True", True), ("#{RunIt}", True), ("#{if RunIt}yes#{/if}", True), ("off", True),
    ("#{SkipIt}", False), ("", False), ("#{if SkipIt}yes#{/if}", False),
    ("#{Undefined}", False),  # an unevaluated token is an error in Octostache: false
    ("#{RunIt | ToLower}", False),  # filters are not interpreted
    ("#{if RunIt}yes", False), ("#{if RunIt | ToLower}yes#{/if}", False),
    ("#{/if}True", False), ("#{Loop}", False),
])
def test_evaluate_truthy_is_false_on_anything_it_cannot_evaluate(
    expression: str, truthy: bool,
) -> None:
    variables = VariableDictionary({"RunIt": "True", "SkipIt": "False", "Loop": "#{Loop}"})
    assert variables.evaluate_truthy(expression) is truthy


def test_a_run_condition_naming_no_variable_skips_the_step() -> None:
    # Octostache's EvaluateTruthy: a token left unevaluated is an error, and an error is
    # false. The rendered text "#{Undefined}" used to read as true.
    sim = deploy_sim(1)
    maybe = script_step("Maybe", "Write-Host 'ran'", roles="app",
                        condition=StepCondition.Variable)
    maybe.properties["Octopus.Step.ConditionVariableExpression"] = "#{Undefined}"
    task = deploy(sim, project_with(sim, [script_step("First", roles="app"), maybe]))
    sim.clock.advance_to(300)
    assert task.log.children[1].status is ActivityStatus.Skipped
    assert "ran" not in _log(task)


def test_a_script_reads_evaluated_values_through_octopus_parameters() -> None:
    sim = deploy_sim(1)
    # and through the variable Calamari's bootstrap declares for it, $Url
    body = "Write-Host \"url=$($OctopusParameters['Url'])\"\nWrite-Host \"url=$Url\""
    task = deploy(sim, project_with(sim, [script_step("Say", body, roles="app")], [
        Variable("Host", "app.example.com"), Variable("Url", "https://#{Host}/api")]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    assert _log(task).count("url=https://app.example.com/api") == 2


def test_a_script_with_a_block_left_open_fails_saying_where() -> None:
    sim = deploy_sim(1)
    body = "Write-Host 'start'\n#{if Deploy}\nWrite-Host 'deploying'\nexit 0"
    task = deploy(sim, project_with(sim, [script_step("Say", body, roles="app")],
                                    [Variable("Deploy", "True")]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Failed
    assert "#{if Deploy} (line 2) has no #{/if}" in _log(task)
    assert "start" not in _log(task)  # nothing of the script ran
