"""``--dask SCHEDULER``: the runs on a Dask cluster (a local one here), the same result."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator

import pytest

from restart import commands as cli
from restart.validate import validate
from restart.validate_dask import DaskUnavailable, dask_executor

ARGS = ["--scenario", "watchdog", "--runs", "20", "--no-recommend", "--json", "-q"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["validate", *argv], stdout=out, stderr=err, env={})
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local Dask cluster in this process (threads, no worker processes: light)."""
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed: pip install -e '.[dask]'")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster:  # any free port
        yield str(cluster.scheduler_address)


def test_a_dask_cluster_gives_the_same_result_as_one_process(scheduler: str) -> None:
    with dask_executor(scheduler) as (executor, width):
        on_dask = validate(scenarios=["watchdog"], runs=20, seed=5, recommend_runs=10,
                           executor=executor, workers=width)
    here = validate(scenarios=["watchdog"], runs=20, seed=5, recommend_runs=10, workers=1)

    assert width == 2  # the cluster's threads
    assert on_dask == here


def test_the_cli_runs_on_the_scheduler_given(scheduler: str) -> None:
    code, out, err = run("--dask", scheduler, *ARGS)
    alone_code, alone, _ = run("--workers", "1", *ARGS)

    assert (code, err) == (alone_code, "")
    on_dask, here = json.loads(out), json.loads(alone)
    assert on_dask["workers"] == 2
    for document in (on_dask, here):
        del document["wall_seconds"], document["workers"]
    assert on_dask == here


def test_a_nonsense_scheduler_address_is_bad_input() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    code, out, err = run("--dask", "nonsense", *ARGS)
    assert code == 2 and out == ""
    assert "cannot use a Dask scheduler at 'nonsense'" in err
    assert "Give the address the scheduler prints" in err


def test_without_dask_installed_it_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(DaskUnavailable, match=r"pip install 'octosim\[dask\]'"), \
            dask_executor("tcp://127.0.0.1:8786"):
        pass
    code, _, err = run("--dask", "tcp://127.0.0.1:8786", *ARGS)
    assert code == 2 and "pip install 'octosim[dask]'" in err


def test_workers_and_dask_together_are_refused() -> None:
    code, _, err = run("--dask", "tcp://127.0.0.1:8786", "--workers", "2", *ARGS)
    assert code == 2 and "--workers and --dask: choose one" in err


def test_a_rollout_validated_on_dask_gives_the_same_verdict(scheduler: str) -> None:
    from restart.validate_fleet import validate_fleet

    with dask_executor(scheduler) as (executor, width):
        on_dask = validate_fleet("task-cap-deadlock", runs=4, seed=2, recommend_knobs=False,
                                 executor=executor, workers=width)
    here = validate_fleet("task-cap-deadlock", runs=4, seed=2, recommend_knobs=False,
                          workers=1)
    assert on_dask == here and on_dask.summary.deadlocks == 4
