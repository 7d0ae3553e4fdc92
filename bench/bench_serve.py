"""Live-server throughput benchmark: prints requests per second and a ratio (no assertions).

``octosim serve``'s server (:class:`octosim.server.LiveServer` around a simulation) against a
minimal uvicorn ASGI app that returns the same JSON bytes, both answering
``GET /api/Spaces-1/tasks/ServerTasks-1`` to 8 concurrent clients. Target: the simulator
serves at least 0.7x the minimal app's requests per second.

Method:

- Each server runs in a subprocess of its own (this script with ``--serve sim|static``), on
  an ephemeral 127.0.0.1 port, with the same uvicorn settings (``LiveServer.config()``: the
  same HTTP implementation, lifespan on, no access log). On a 2-core machine a server in
  the bench process would share one GIL with the clients and distort both numbers; in its
  own process each server gets a core, and the clients the other.
- The clients are 8 threads in this process, all released together, each making
  ``requests / 8`` requests on one keep-alive connection. Two kinds are run:
  ``httpx.Client`` (what a Python user runs), and minimal blocking-socket clients (a fixed
  request, the answer read by ``Content-Length``). httpx spends more CPU per request than
  either server, so with httpx the client process is the bottleneck and the ratio tends to
  1; the raw clients cost little, so their ratio is the one that measures the servers.
- The simulator's body is fetched first and handed to the minimal app, so both send the
  same bytes (the task stays queued and virtual time all but stands still, so its JSON does
  not change meanwhile; the bench checks both bodies at the end).
- Rounds alternate simulator / minimal app (3 by default) and the best of each is kept,
  which cancels most of the noise of a busy machine.

Run: ``python bench/bench_serve.py`` (``--requests N``, ``--rounds N``,
``--clients httpx|raw|both``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

CLIENTS = 8
PATH = "/api/Spaces-1/tasks/ServerTasks-1"
KEY = "API-BENCHMARK0000000000000000000"
JSON_TYPE = (b"content-type", b"application/json; charset=utf-8")


# -- the servers (run in subprocesses) ---------------------------------------------------------
def serve_simulator() -> None:
    """Serve a simulation holding ServerTasks-1; print the port; serve until SIGTERM."""
    from octosim.server import LiveServer
    from octosim.simulation import ServerOptions, Simulation

    # The task stays queued (a cap of 0) and virtual time all but stands still (the clock is
    # still caught up before every request, at the same cost), so its JSON, duration
    # included, stays the very bytes the minimal app serves.
    sim = Simulation(api_key=KEY, options=ServerOptions(task_cap=0))
    sim.engine.create("Spaces-1", "Upgrade", {"MachineIds": ["Machines-1"]})
    server = LiveServer(sim, rate=1e-9)
    server.run(on_ready=lambda: print(f"PORT {server.port}", flush=True))


def serve_static(body_file: str) -> None:
    """Serve the bytes in ``body_file`` as JSON for every request, with the simulator's
    uvicorn settings; print the port; serve until SIGTERM."""
    from octosim.server import LiveServer
    from octosim.simulation import Simulation

    body = Path(body_file).read_bytes()
    headers = [JSON_TYPE, (b"content-length", str(len(body)).encode())]

    async def app(scope: MutableMapping[str, Any], receive: Callable[[], Any],
                  send: Callable[[Any], Any]) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        while (await receive()).get("more_body", False):
            pass  # read the (empty) request body, as the simulator does
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    class Minimal:
        """The minimal app, with the one method LiveServer calls when a signal stops it."""

        __call__ = staticmethod(app)

        def release(self) -> None:
            pass  # it holds no request waiting

    # LiveServer only for its socket, signal handling and uvicorn settings: the app is ours.
    server = LiveServer(Simulation())
    server.app = Minimal()  # type: ignore[assignment]
    server.run(on_ready=lambda: print(f"PORT {server.port}", flush=True))


# -- the bench (this process) ------------------------------------------------------------------
class Server:
    """A server subprocess of this script."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", *args], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        try:
            line = self.process.stdout.readline()
        except BaseException:  # Ctrl-C while it starts: it must not outlive this script
            self.close()
            raise
        if not line.startswith("PORT "):
            self.process.kill()
            raise SystemExit(f"the {args[0]} server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def httpx_client(url: str, n: int) -> Callable[[], None]:
    client = httpx.Client(base_url=url, headers={"X-Octopus-ApiKey": KEY})
    client.get(PATH).raise_for_status()  # connect before the clock starts

    def run() -> None:
        try:
            for _ in range(n):
                client.get(PATH)
        finally:
            client.close()

    return run


def raw_client(url: str, n: int) -> Callable[[], None]:
    port = int(url.rsplit(":", 1)[1])
    request = (f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"X-Octopus-ApiKey: {KEY}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")

    def one() -> None:
        sock.sendall(request)
        length = 0
        status = reader.readline()
        while (line := reader.readline()) not in (b"\r\n", b""):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        reader.read(length)
        if not status.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected answer {status!r}")

    one()  # connect and warm up before the clock starts

    def run() -> None:
        try:
            for _ in range(n):
                one()
        finally:
            reader.close()
            sock.close()

    return run


def requests_per_second(url: str, total: int, make: Callable[[str, int], Callable[[], None]]
                        ) -> float:
    """Return the requests per second ``CLIENTS`` concurrent clients get from ``url``."""
    per_client = total // CLIENTS
    runs = [make(url, per_client) for _ in range(CLIENTS)]
    go = threading.Barrier(CLIENTS + 1)
    errors: list[Exception] = []

    def client(run: Callable[[], None]) -> None:
        try:
            go.wait()
            run()
        except Exception as error:  # raised below; after Ctrl-C (servers gone), dropped
            errors.append(error)

    # Daemons: after Ctrl-C the process exits without waiting for clients cut off mid-run.
    threads = [threading.Thread(target=client, args=(run,), daemon=True) for run in runs]
    for thread in threads:
        thread.start()
    go.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return per_client * CLIENTS / (time.perf_counter() - started)


def compare(sim_url: str, static_url: str, total: int, rounds: int, kind: str) -> float:
    """Print alternating rounds with ``kind`` clients; return the best-of ratio."""
    make = raw_client if kind == "raw" else httpx_client
    print(f"{CLIENTS} concurrent {kind} clients, {total} requests per round:")
    best_sim = best_static = 0.0
    for n in range(1, rounds + 1):
        sim_rps = requests_per_second(sim_url, total, make)
        static_rps = requests_per_second(static_url, total, make)
        best_sim, best_static = max(best_sim, sim_rps), max(best_static, static_rps)
        print(f"  round {n}: simulator {sim_rps:6.0f} req/s   minimal app {static_rps:6.0f} req/s")
    ratio = best_sim / best_static
    print(f"  best:    simulator {best_sim:6.0f} req/s   minimal app {best_static:6.0f} req/s"
          f"   ratio {ratio:.2f}x (target >= 0.7x)")
    return ratio


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=8000, help="per round (default 8000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--clients", choices=["httpx", "raw", "both"], default="both",
                        help="httpx.Client threads, raw-socket threads, or both (default)")
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_simulator() if args.serve[0] == "sim" else serve_static(args.serve[1])
        return

    # Each server is closed however the run ends (Ctrl-C included), as soon as it exists.
    with contextlib.ExitStack() as stack:
        sim_server = Server("sim")
        stack.callback(sim_server.close)
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        body = httpx.get(sim_server.url + PATH, headers={"X-Octopus-ApiKey": KEY}).content
        body_file = Path(tmp, "body.json")
        body_file.write_bytes(body)
        static_server = Server("static", str(body_file))
        stack.callback(static_server.close)
        assert httpx.get(static_server.url + PATH).content == body
        print(f"GET {PATH}: {len(body)}-byte JSON answer; {args.rounds} alternating "
              f"rounds, best of each; {os.cpu_count()} CPUs")
        kinds = ["httpx", "raw"] if args.clients == "both" else [args.clients]
        for kind in kinds:
            compare(sim_server.url, static_server.url, args.requests, args.rounds, kind)
        final = httpx.get(sim_server.url + PATH, headers={"X-Octopus-ApiKey": KEY})
        assert final.content == body, "the simulator's answer changed during the run"


if __name__ == "__main__":
    run_main(lambda: main(sys.argv[1:]))
