"""An ``octosim serve`` subprocess on 127.0.0.1 with an ephemeral port, for tests that run
the CLIs as a user does. Real processes start in real time: waits are bounded polls."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

#: Real-time bounds for a subprocess to start (import + bind) and to stop.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
KEY = "API-SERVEDTEST00000000000000000"
_URL_LINE = re.compile(r"^octosim serving (http://127\.0\.0\.1:\d+)")


class Served:
    """``with Served("--scenario", "default") as server:`` ... ``server.url``."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.url = ""
        self.lines: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "octosim.cli", "serve", "--port", "0", "--api-key", KEY,
             *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: any(_URL_LINE.match(line) for line in self.lines), START_TIMEOUT,
                   "octosim serve did not print its URL", self.process)
        match = next(m for line in self.lines if (m := _URL_LINE.match(line)))
        self.url = match.group(1)
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        if self.process.stdout is not None:
            self.process.stdout.close()


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str,
    process: subprocess.Popen[str] | None = None,
) -> None:
    """Poll ``condition`` until true; fail with ``what`` after ``timeout`` real seconds or
    when ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.05)  # a real process: bounded by ``timeout``
