"""Substitution stays bounded whatever a variable set holds: found by review, a chain of a
thousand variables raised RecursionError out of the clock, and values naming the next twice
doubled the text at each step until the machine gave up."""

from __future__ import annotations

from octosim.model.variables import (
    MAX_EXPANSIONS,
    MAX_NESTING,
    VariableDictionary,
    substitute,
)


def test_a_chain_deeper_than_the_limit_stops_at_a_token_left_as_written() -> None:
    chain = {f"V{i}": f"#{{V{i + 1}}}" for i in range(1000)}
    chain["V1000"] = "end"
    assert substitute("#{V0}", chain) == f"#{{V{MAX_NESTING}}}"
    assert substitute("#{V950}", chain) == "end"  # fifty deep: within the limit


def test_values_that_double_the_text_stop_at_the_expansion_budget() -> None:
    doubling = {f"D{i}": f"#{{D{i + 1}}}#{{D{i + 1}}}" for i in range(40)}
    doubling["D40"] = "x"
    text = substitute("#{D0}", doubling)
    assert text.count("x") < MAX_EXPANSIONS and "#{D" in text
    assert substitute("#{D30}", doubling) == "x" * 1024  # ten doublings: within the budget
    assert VariableDictionary(doubling).evaluate_truthy("#{D0}") is False


def test_conditions_that_double_the_work_stop_at_the_budget_too() -> None:
    both = {f"C{i}": f"#{{if C{i + 1}}}a#{{/if}}#{{if C{i + 1}}}b#{{/if}}" for i in range(40)}
    both["C40"] = "x"
    assert substitute("#{C38}", both) == "ab"
    assert len(substitute("#{C0}", both)) <= 2
