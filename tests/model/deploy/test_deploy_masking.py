"""Sensitive values in task logs, masked as Octopus's SensitiveDataMask masks them
(OctopusDeploy/OctopusTentacle, source/Octopus.Shared/Security/Masking/SensitiveDataMask.cs;
docs/deployments.md, "Variables")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from octosim.model.masking import MASK, LogMask, mask
from octosim.model.states import TaskState
from octosim.model.variables import Variable
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with


def streamed(values: list[str], lines: list[str], *, flush: bool = True) -> list[str]:
    """What a LogMask of ``values`` writes for ``lines``, in order."""
    written: list[str] = []
    log_mask = LogMask(values)
    for line in lines:
        log_mask.apply(line, written.append)
    if flush:
        log_mask.flush()
    return written


def test_values_shorter_than_four_utf16_units_or_blank_are_not_masked() -> None:
    assert mask("pw=abc", ["abc"]) == "pw=abc"
    assert mask("pw=abcd", ["abcd"]) == f"pw={MASK}"
    assert mask("a \t b", [" \t "]) == "a \t b"  # white space only
    assert mask("a\u3000\u3000\u3000\u3000b", ["\u3000" * 4]) == "a\u3000\u3000\u3000\u3000b"
    # Two characters beyond U+FFFF are four UTF-16 code units: .NET's Length.
    assert mask("k=\U0001d11e\U0001d11e", ["\U0001d11e\U0001d11e"]) == f"k={MASK}"
    assert not LogMask(["abc", "   "])
    assert mask("k=ab\ud800c", ["ab\ud800c"]) == f"k={MASK}"  # a lone surrogate counts 1


def test_a_multi_line_value_in_consecutive_lines_becomes_one_line_masked() -> None:
    secret = "BEGIN-KEY\nMIDDLE\nEND-KEY"
    lines = ["before", "key: BEGIN-KEY", "MIDDLE", "END-KEY trailing", "after"]
    # The lines holding the value are written as the first, its first line masked: the
    # rest of those lines (" trailing") goes with them.
    assert streamed([secret], lines) == ["before", f"key: {MASK}", "after"]


def test_a_line_of_a_multi_line_value_alone_is_not_masked() -> None:
    secret = "BEGIN-KEY\r\nEND-KEY"
    assert streamed([secret], ["END-KEY", "x BEGIN-KEY", "other"]) == [
        "END-KEY", "x BEGIN-KEY", "other"]


def test_lines_held_for_a_match_are_written_in_order_when_it_misses_or_the_log_ends() -> None:
    secret = "one-1\ntwo-2\nthree-3"
    assert streamed([secret], ["one-1", "two-2", "no", "z"]) == ["one-1", "two-2", "no", "z"]
    assert streamed([secret], ["a", "one-1", "two-2"], flush=False) == ["a"]
    assert streamed([secret], ["a", "one-1", "two-2"]) == ["a", "one-1", "two-2"]


def test_one_line_values_are_masked_in_held_lines_and_in_the_collapsed_one() -> None:
    secret, token = "BEGIN-KEY\nEND-KEY", "tok-123"
    assert streamed([secret, token], ["BEGIN-KEY tok-123", "no"]) == [
        f"BEGIN-KEY {MASK}", "no"]
    assert streamed([secret, token], ["tok-123 BEGIN-KEY", "END-KEY"]) == [f"{MASK} {MASK}"]


@given(secret=st.text(st.characters(blacklist_characters="*\r\n"), min_size=4, max_size=12)
       .filter(lambda s: s.strip(" \t\x0b\x0c\x85\xa0")),
       lines=st.lists(st.text(max_size=8), max_size=4))
def test_a_one_line_value_never_shows_in_a_line_written(secret: str, lines: list[str]) -> None:
    shown = streamed([secret], [line + secret + line for line in lines])
    assert len(shown) == len(lines)
    assert not any(secret in line for line in shown)


def test_a_deployment_log_masks_a_multi_line_secret_as_octopus_does() -> None:
    sim = deploy_sim(1)
    body = 'echo "key: #{Key}"\necho "pin #{Pin}"\necho "done"'
    step = script_step("Show", body, roles="app")
    step.actions[0].properties["Octopus.Action.Script.Syntax"] = "Bash"
    variables = [Variable("Key", "BEGIN-KEY\nEND-KEY", is_sensitive=True),
                 Variable("Pin", "123", is_sensitive=True)]
    task = deploy(sim, project_with(sim, [step], variables))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    shown = [line.message for e in task.log.walk() for line in e.log]
    assert f"key: {MASK}" in shown and "END-KEY" not in shown
    assert "pin 123" in shown  # three characters: Octopus leaves it
    assert shown.index(f"key: {MASK}") < shown.index("pin 123") < shown.index("done")
