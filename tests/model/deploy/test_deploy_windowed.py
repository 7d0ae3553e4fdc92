"""windowed: items run at most ``limit`` at once, their results in the order of the items,
whether there are several or one."""

from __future__ import annotations

import pytest

from octosim.model import Delay, Flow, TaskRun, TaskState
from octosim.model.process_runner import windowed
from tests.model.test_flows import Scripted, engine_with


@pytest.mark.parametrize("seconds", [[4.0], [3.0, 1.0, 2.0], [0.0], []])
def test_windowed_returns_each_result_in_order_two_at_a_time(seconds: list[float]) -> None:
    running: list[float] = []
    most = [0]

    def item(wait: float) -> Flow:
        running.append(wait)
        most[0] = max(most[0], len(running))
        if wait:
            yield Delay(wait)
        running.remove(wait)
        return wait * 10

    def flow(run: TaskRun, seen: list[object]) -> Flow:
        seen.append((yield from windowed(seconds, 2, item)))
        seen.append(run.clock.now())
        return None

    ex = Scripted(flow)
    engine = engine_with(ex)
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(10)
    assert task.state is TaskState.Success
    # Two at a time: of 3, 1 and 2 seconds, the 2 starts when the 1 ends, and ends at 3.
    finished = max(seconds[0], sum(seconds[1:])) if seconds else 0.0
    assert ex.seen == [[s * 10 for s in seconds], finished]
    assert most[0] == min(2, len(seconds))


@pytest.mark.parametrize("items", [[1.0], [1.0, 2.0]])
def test_windowed_refuses_a_window_of_none_even_for_one_item(items: list[float]) -> None:
    def item(wait: float) -> Flow:
        yield Delay(wait)
        return None

    with pytest.raises(ValueError, match="max_parallelism must be at least 1"):
        next(windowed(items, 0, item))
