"""``restart-tentacle run`` as a process against a real ``octosim serve``: SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import httpx

from tests.served import KEY, STOP_TIMEOUT, Served, wait_until


def test_sigterm_cancels_what_the_run_created_then_exits_143() -> None:
    # busy-server keeps the task cap full: the run's first task waits Queued for a slot.
    with Served("--scenario", "busy-server") as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "restart", "run", "web-01", "--url", server.url, "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "OCTOPUS_API_KEY": KEY, "PYTHONUNBUFFERED": "1"},
        )
        progress: list[str] = []

        def read() -> None:
            assert run.stderr is not None
            progress.extend(run.stderr)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        wait_until(lambda: any("task: ServerTasks-" in line for line in progress), 30.0,
                   f"the run created no task: {progress}", run)
        run.send_signal(signal.SIGTERM)
        out, _ = run.communicate(timeout=STOP_TIMEOUT + 20)
        reader.join(timeout=STOP_TIMEOUT)

        assert run.returncode == 143, progress
        report = json.loads(out)
        assert report["interrupted"] is True
        created = [t["id"] for t in report["tasks"]]
        assert created
        with httpx.Client(base_url=server.url, headers={"X-Octopus-ApiKey": KEY}) as client:
            states = {i: client.get(f"/api/tasks/{i}").json()["State"] for i in created}
        assert not {i: s for i, s in states.items() if s in ("Queued", "Executing")}, states
