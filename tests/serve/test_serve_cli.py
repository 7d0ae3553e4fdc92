"""``octosim serve``: what it prints, how it stops, and how it refuses bad input.

The server runs in a subprocess for the tests of printing and signals; usage errors are
checked in-process (they never start a server). Non-loopback hosts are only ever refused:
nothing here binds or contacts an address other than 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from octosim.cli import generate_key, main
from octosim.server import NonLoopbackError, check_host

#: Real-time bounds for a subprocess to start (import + bind) and to stop on a signal.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
URL_LINE = re.compile(r"^octosim serving (http://127\.0\.0\.1:(\d+))  \(scenario (\S+), "
                      r"seed (\d+), rate ([\d.]+)x\)$")
KEY_LINE = re.compile(r"^API key: (API-[A-Z0-9]+)$")


class Served:
    """An ``octosim serve`` subprocess and what it printed on start."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "octosim.cli", "serve", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_start(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not any(line.startswith("Press Ctrl-C") for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                stderr = self.process.stderr.read() if self.process.stderr else ""
                pytest.fail(f"octosim serve did not start: {self.lines} {stderr}")
            time.sleep(0.02)  # a real process starting: bounded by START_TIMEOUT

    def stop(self, sig: int) -> tuple[int, str]:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=STOP_TIMEOUT)
        self._reader.join(timeout=STOP_TIMEOUT)
        return code, self.process.stderr.read() if self.process.stderr else ""

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def served() -> Iterator[type[Served]]:
    made: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            made.append(self)

    yield Tracked
    for one in made:
        one.kill()


def test_serve_prints_its_url_and_a_generated_key_and_stops_cleanly_on_sigterm(
    served: type[Served],
) -> None:
    server = served("--port", "0", "--scenario", "linux", "--seed", "3", "--rate", "60")
    server.wait_for_start()
    url_line, key_line, press = server.lines[:3]
    url_match, key_match = URL_LINE.match(url_line), KEY_LINE.match(key_line)
    assert url_match is not None, url_line
    assert key_match is not None, key_line
    url, port = url_match.group(1), int(url_match.group(2))
    assert port != 0  # port 0 picked a free one, and the URL says which
    assert url_match.group(3, 4, 5) == ("linux", "3", "60")
    assert press == "Press Ctrl-C to stop."
    key = key_match.group(1)
    machines = httpx.get(f"{url}/api/machines", headers={"X-Octopus-ApiKey": key}, timeout=5)
    assert [m["Name"] for m in machines.json()["Items"]] == ["app-01"]
    assert httpx.get(f"{url}/api/machines", timeout=5).status_code == 401

    code, stderr = server.stop(signal.SIGTERM)

    assert code == 0, stderr
    assert server.lines[-1] == "octosim stopped."
    assert "Traceback" not in stderr


def test_serve_stops_cleanly_on_ctrl_c_and_prints_its_timeline(served: type[Served]) -> None:
    key = generate_key()
    server = served("--port", "0", "--api-key", key, "--timeline")
    server.wait_for_start()
    assert server.lines[1] == f"API key: {key}"
    url = URL_LINE.match(server.lines[0]).group(1)  # type: ignore[union-attr]
    assert httpx.get(f"{url}/api/tasks", headers={"X-Octopus-ApiKey": key}).status_code == 200

    code, stderr = server.stop(signal.SIGINT)

    assert code == 0, stderr
    assert server.lines[-1] == "octosim stopped."
    assert any("GET /api/tasks → 200" in line for line in server.lines)  # the timeline
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_generated_keys_look_like_octopus_keys_and_differ() -> None:
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(re.fullmatch(r"API-[A-Z0-9]{27}", key) for key in keys)


def test_a_non_loopback_host_is_refused_before_anything_is_bound(
    served: type[Served], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    process = served("--host", "10.0.0.1", "--port", "0").process
    assert process.wait(timeout=START_TIMEOUT) == 2
    assert process.stderr is not None and "--allow-remote" in process.stderr.read()

    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was made for a refused host")

    monkeypatch.setattr(socket, "socket", no_sockets)
    monkeypatch.setattr(socket, "getaddrinfo", no_sockets)
    for host in ("10.0.0.1", "0.0.0.0", "::", "example.com"):
        with pytest.raises(SystemExit) as exited:
            main(["serve", "--host", host, "--port", "0"])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "not a loopback address" in err and "--allow-remote" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost",
                                  "LocalHost"])
def test_loopback_hosts_are_allowed(host: str) -> None:
    check_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "0.0.0.0", "::", "192.168.1.20",
                                  "::ffff:10.0.0.1", "example.com", ""])
def test_other_hosts_need_allow_remote(host: str) -> None:
    with pytest.raises(NonLoopbackError, match="--allow-remote"):
        check_host(host)
    check_host(host, allow_remote=True)  # a decision the caller made: nothing to check


@pytest.mark.parametrize(("argv", "message"), [
    (["--api-key", "api-lowercase"], "--api-key: must be API- followed by uppercase"),
    (["--api-key", "API-"], "omit --api-key to have one generated"),
    (["--rate", "0"], "--rate: must be a positive, finite number"),
    (["--rate", "-2"], "--rate: must be a positive, finite number"),
    (["--rate", "nan"], "--rate: must be a positive, finite number"),
    (["--rate", "inf"], "--rate: must be a positive, finite number"),
    (["--rate", "fast"], "--rate: must be a number of virtual seconds per real second"),
    (["--port", "65536"], "--port: must be 0-65535 (0 picks a free one)"),
    (["--port", "http"], "--port: must be a whole number 0-65535"),
    (["--seed", "x"], "--seed: expected a whole number >= 0, got 'x'"),
    (["--seed", "-1"], "--seed: expected a whole number >= 0, got -1"),
    (["--keep-alive", "0"], "--keep-alive: must be a positive, finite number of seconds"),
    (["--idle-timeout", "nan"], "--idle-timeout: must be a positive, finite number of seconds"),
    (["--timeline-limit", "0"], "--timeline-limit: must be a whole number of timeline entries"),
    (["--scenario", "no-such-preset"], "there is no preset named 'no-such-preset'; presets:"),
    (["--scenario", "missing/world.toml"], "--scenario: scenario missing/world.toml"),
])
def test_bad_flags_exit_2_saying_what_to_do(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("usage: octosim serve")


def test_a_prefix_of_a_flag_is_not_taken_for_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", "--time"])  # not --timeline, nor --timeline-limit
    assert exited.value.code == 2
    assert "unrecognized arguments: --time" in capsys.readouterr().err


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"octosim {version('octosim')}\n"


def test_python_dash_m_octosim_is_the_octosim_command() -> None:
    done = subprocess.run([sys.executable, "-m", "octosim", "serve", "--seed", "-1"],
                          capture_output=True, text=True, timeout=START_TIMEOUT)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: octosim serve")
    assert "--seed: expected a whole number >= 0, got -1" in done.stderr


def test_a_bad_key_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--api-key", "API-almost-secret"])
    assert "almost-secret" not in capsys.readouterr().err


def test_a_port_in_use_is_a_clear_message_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err == (f"octosim: cannot listen on 127.0.0.1:{port}: the port is already in use. "
                   "Pick another --port, or --port 0 for any free one.\n")


def test_verbose_logs_each_request_as_it_is_served_and_quiet_does_not(
    served: type[Served],
) -> None:
    for verbose in (True, False):
        key = generate_key()
        server = served("--port", "0", "--api-key", key, *(["-v"] if verbose else []))
        server.wait_for_start()
        url = URL_LINE.match(server.lines[0]).group(1)  # type: ignore[union-attr]
        httpx.get(f"{url}/api/tasks", headers={"X-Octopus-ApiKey": key}, timeout=5)
        httpx.get(f"{url}/api/nope", headers={"X-Octopus-ApiKey": key}, timeout=5)
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as sock:
            sock.sendall(b"get /api HTTP/1.1\r\nHost: octosim\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 501")

        code, stderr = server.stop(signal.SIGINT)

        assert code == 0, stderr
        logged = re.findall(r"^(\w+ \S+ → \d+.*) at \d+\.\d{3}s \(virtual\)$", stderr, re.M)
        assert logged == (["GET /api/tasks → 200", "GET /api/nope → 404",
                           "get /api → 501 (refused by the server)"] if verbose else [])


def test_the_timeline_is_bounded_by_timeline_limit(served: type[Served]) -> None:
    key = generate_key()
    server = served("--port", "0", "--api-key", key, "--timeline", "--timeline-limit", "3")
    server.wait_for_start()
    url = URL_LINE.match(server.lines[0]).group(1)  # type: ignore[union-attr]
    for n in range(6):
        httpx.get(f"{url}/api/tasks?take={n}", headers={"X-Octopus-ApiKey": key}, timeout=5)

    code, stderr = server.stop(signal.SIGINT)

    assert code == 0, stderr
    requests = [line for line in server.lines if "GET /api/tasks" in line]
    assert len(requests) == 3 and "take=5" in "".join(requests)  # the newest kept
