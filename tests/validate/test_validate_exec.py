"""Where the runs go: any concurrent.futures.Executor, the same result on each."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor

import pytest

from octosim.scenario import Scenario
from restart.policy import RestartPolicy
from restart.validate import ValidationResult, validate
from restart.validate_exec import Group, InlineExecutor, Runner

ARGS: dict[str, object] = dict(scenarios=["watchdog", "flaky-network"], runs=24, seed=3,
                               compare_seed_script=True, recommend_runs=12)


def _validate(**how: object) -> ValidationResult:
    return validate(**ARGS, **how)  # type: ignore[arg-type]


def test_every_executor_and_worker_count_gives_the_same_result() -> None:
    alone = _validate(workers=1)
    pooled = _validate(workers=2)
    with ThreadPoolExecutor(max_workers=3) as threads:
        threaded = _validate(executor=threads, workers=3)
    inline = _validate(executor=InlineExecutor(), workers=5)  # 5: other chunk sizes

    assert alone.recommendation is not None  # the recommendation's batches ran too
    assert pooled == alone
    assert threaded == alone
    assert inline == alone
    assert [r.workers for r in (alone, pooled, threaded, inline)] == [1, 2, 3, 5]


def test_the_runner_leaves_a_given_executor_open() -> None:
    scenario = Scenario.load("default")
    with ThreadPoolExecutor(max_workers=2) as threads:
        with Runner(2, executor=threads) as runner:
            rows = runner.run([Group("client", scenario, RestartPolicy(), 0, 3)], "client")
        assert [row[0] for row in rows[0]] == [0, 1, 2]
        assert threads.submit(lambda: 7).result() == 7  # still usable: the caller owns it


def test_progress_is_reported_per_chunk_up_to_the_total() -> None:
    seen: list[tuple[str, int, int]] = []
    scenario = Scenario.load("default")
    with Runner(1, lambda stage, done, total: seen.append((stage, done, total))) as runner:
        runner.run([Group("client", scenario, RestartPolicy(), 0, 25)], "client")

    assert seen[0] == ("client", 0, 25)
    assert seen[-1] == ("client", 25, 25)
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)
    assert len(seen) == 4  # the start and three chunks of at most 10 runs


@pytest.mark.parametrize("make", [InlineExecutor, lambda: ThreadPoolExecutor(max_workers=2)],
                         ids=["inline", "threads"])
def test_a_crashing_run_names_its_scenario_and_seed(make: Callable[[], Executor]) -> None:
    scenario = Scenario.load("default")
    executor = make()
    groups = [Group("client", scenario, RestartPolicy(), 40, 30, machine="no-such-machine")]
    with executor, Runner(2, executor=executor) as runner, \
            pytest.raises(RuntimeError, match=r"scenario 'default' with seed [456]0 raised"):
        runner.run(groups, "client")


def test_run_outside_with_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside `with Runner"):
        Runner(1).run([], "client")


def test_inline_executor_keeps_an_exception_in_its_future() -> None:
    def boom() -> int:
        raise ValueError("boom")

    future = InlineExecutor().submit(boom)
    assert isinstance(future.exception(), ValueError)
    assert InlineExecutor().submit(int, "7").result() == 7
