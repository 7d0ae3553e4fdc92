"""Restart benchmark: what a whole simulated restart costs next to static mocks.

1. One seed-default restart (the client with the default policy, which is the seed
   script's timing, sync driver through ``sim.client()``, preset ``default``): wall time,
   and its HTTP request count (the report's, cross-checked with an httpx event hook).
2. The same restart client, same seed, against a static ``httpx.MockTransport`` that
   answers its requests with the simulator's answers, replayed byte for byte (checked to be
   the same conversation before timing); time is a plain counter.
3. The same number of bare GETs through an ``httpx.MockTransport`` handler that returns a
   fixed, representative TaskResource, each answer parsed as JSON (no restart client).
4. The direct driver (no HTTP at all): wall time per restart.
5. The sans-IO procedure alone, fed the direct run's answers back from a recording: what
   the restart client itself costs; (4) - (5) is the simulator's share.

The target (<= 1.5x) is (1) / (2): what the simulator costs over static MockTransport
answers to the same requests from the same client. (1) / (3) is printed too, with its
floor (2) / (3): the restart client's own work (building 13 requests, parsing and checking
13 answers, its state machine) on top of bare requests, i.e. (1) / (3) for a simulator that
cost nothing. That floor is itself about 1.5x, so (1) / (3) cannot measure the simulator
against the target; it shows what a whole restart costs next to bare httpx calls.

The sides run interleaved, ``--runs`` times each (default 200), and medians are compared,
so a busy machine slows all alike; the median of the paired ratios (each run of (1) over
the run of (2) right after it) is printed too. Building a simulation is not timed (the
static sides build nothing either). Each side starts from a collected heap and runs with
the cyclic garbage collector off, as ``timeit`` runs: a collection falls on whichever side
crosses the allocation threshold and pays for every side's garbage (``--gc`` keeps it on).

Run: ``python bench/bench_restart.py`` (``--runs N``, ``--quick`` for a smoke run,
``--gc``). It
prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

import httpx
import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import require_ok, run_main

from octosim.options import DEFAULT_BASE_URL
from octosim.simulation import Simulation
from restart import RestartProcedure, RestartTarget, run_sync
from restart.drivers.direct import direct_transport, run_direct
from restart.drivers.loop import drive
from restart.protocol import Response, Send, TransportFailure

PRESET = "default"
SEED = 0  # the same restart every run: the same requests, sleeps and simulator events
TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def restart_through_httpx() -> tuple[float, int]:
    """Run one restart through ``sim.client()``; return (seconds, requests sent)."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    sent = 0

    def count(request: httpx.Request) -> None:
        nonlocal sent
        sent += 1

    rng = random.Random(SEED)
    with sim.client(event_hooks={"request": [count]}) as client:
        start = time.perf_counter()
        report = run_sync(client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep, rng=rng)
        elapsed = time.perf_counter() - start
    require_ok(report)
    assert report.requests == sent, (report.requests, sent)
    return elapsed, sent


def representative_task() -> bytes:
    """The restart task's TaskResource as the simulator serves it, once it completed."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    with sim.client() as client:
        run_sync(client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep)
        return client.get("/api/Spaces-1/tasks/ServerTasks-2").content


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def static_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    """An httpx client on a static MockTransport, configured as ``sim.client()`` is."""
    return httpx.Client(
        base_url=DEFAULT_BASE_URL,
        transport=httpx.MockTransport(handler),
        headers={"X-Octopus-ApiKey": "API-BENCH0000000000000000000"},
    )


def counter_clock() -> tuple[Callable[[], float], Callable[[float], None]]:
    """A clock and sleep over a plain counter: virtual time with no simulator behind it."""
    now = 0.0

    def clock() -> float:
        return now

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    return clock, sleep


def simulator_conversation() -> tuple[list[tuple[str, str]], list[Answer]]:
    """One restart through ``sim.client()``: every request (method, URL) and answer
    (status, raw headers, body), in order."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    requests: list[tuple[str, str]] = []
    answers: list[Answer] = []

    def on_response(response: httpx.Response) -> None:
        response.read()
        requests.append((response.request.method, str(response.request.url)))
        answers.append((response.status_code, list(response.headers.raw), response.content))

    with sim.client(event_hooks={"response": [on_response]}) as client:
        report = run_sync(client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep,
                          rng=random.Random(SEED))
    require_ok(report)
    return requests, answers


def client_against_static(
    answers: list[Answer], check: list[tuple[str, str]] | None = None
) -> float:
    """Run the same restart against a MockTransport replaying ``answers``; return the
    seconds it took. With ``check``, also assert the requests are those (untimed use)."""
    replay = iter(answers)
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if check is not None:
            seen.append((request.method, str(request.url)))
        status, headers, content = next(replay)
        return httpx.Response(status, headers=headers, content=content)

    clock, sleep = counter_clock()
    with static_client(handler) as client:
        start = time.perf_counter()
        report = run_sync(client, TARGET, clock=clock, sleep=sleep, rng=random.Random(SEED))
        elapsed = time.perf_counter() - start
    require_ok(report)
    if check is not None:
        assert seen == check, "the replayed restart did not send the simulator's requests"
    return elapsed


def static_requests(body: bytes, count: int) -> Callable[[], float]:
    """Return a function that sends ``count`` GETs through a static MockTransport and
    returns the seconds they took."""
    headers = {"content-type": "application/json; charset=utf-8"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    def run() -> float:
        with static_client(handler) as client:
            start = time.perf_counter()
            for _ in range(count):
                client.get("/api/Spaces-1/tasks/ServerTasks-2", timeout=30.0).json()
            return time.perf_counter() - start

    return run


def direct_restart() -> float:
    """Run one restart through the direct driver; return the seconds it took."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    start = time.perf_counter()
    report = run_direct(sim, TARGET, rng=random.Random(SEED))
    elapsed = time.perf_counter() - start
    require_ok(report)
    return elapsed


def recorded_answers() -> list[tuple[Send, Response | TransportFailure]]:
    """Every (Send, answer) of one direct-driver restart, in order."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    live = direct_transport(sim)
    tape: list[tuple[Send, Response | TransportFailure]] = []

    def record(send: Send) -> Response | TransportFailure:
        answer = live(send)
        tape.append((send, answer))
        return answer

    procedure = RestartProcedure(TARGET, rng=random.Random(SEED), web_base_url=sim.base_url)
    drive(procedure, record, clock=sim.clock.now, sleep=sim.clock.sleep)
    return tape


def procedure_alone(tape: list[tuple[Send, Response | TransportFailure]]) -> float:
    """Replay ``tape`` to a fresh procedure (same seed, same virtual times); return the
    seconds the procedure took. The default preset adds no latency, so virtual time moves
    only by the procedure's own sleeps and the replay sees exactly the recorded times."""
    answers = iter(tape)
    clock, sleep = counter_clock()

    def replay(send: Send) -> Response | TransportFailure:
        sent, answer = next(answers)
        assert send.request == sent.request, (send.request, sent.request)
        return answer

    procedure = RestartProcedure(TARGET, rng=random.Random(SEED), web_base_url="http://x")
    start = time.perf_counter()
    report = drive(procedure, replay, clock=clock, sleep=sleep)
    elapsed = time.perf_counter() - start
    require_ok(report)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs of each side [200]")
    parser.add_argument("--quick", action="store_true", help="a 20-run smoke run")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector on while timing")
    args = parser.parse_args()
    runs = 20 if args.quick else args.runs

    _, requests = restart_through_httpx()  # warm-up: imports, caches, first-call costs
    conversation, answers = simulator_conversation()
    assert len(answers) == requests
    client_against_static(answers, check=conversation)  # the same conversation, untimed
    static = static_requests(representative_task(), requests)
    static()
    direct_restart()
    tape = recorded_answers()
    procedure_alone(tape)

    sim_times: list[float] = []
    replay_times: list[float] = []
    static_times: list[float] = []
    direct_times: list[float] = []
    alone_times: list[float] = []
    def timed(side: Callable[[], float]) -> float:
        # Each side starts from the same heap, and (as timeit does) runs with the cyclic
        # garbage collector off: a collection starts when allocations since the last one
        # pass a threshold, so it would fall on whichever side crossed it, paying for the
        # other sides' garbage too (the httpx client and the restart client leave about
        # 400 objects in cycles per restart). --gc keeps it on, to see what it costs.
        gc.collect()
        if not args.gc:
            gc.disable()
        try:
            return side()
        finally:
            gc.enable()

    for _ in range(runs):
        sim_times.append(timed(lambda: restart_through_httpx()[0]))
        replay_times.append(timed(lambda: client_against_static(answers)))
        static_times.append(timed(static))
        direct_times.append(timed(direct_restart))
        alone_times.append(timed(lambda: procedure_alone(tape)))

    median = statistics.median
    sim_median, replay_median = median(sim_times), median(replay_times)
    static_median, direct_median = median(static_times), median(direct_times)
    alone_median = median(alone_times)

    def line(label: str, times: list[float], extra: str = "") -> None:
        print(f"{label:<48} median {median(times) * 1e3:7.3f} ms   "
              f"min {min(times) * 1e3:7.3f} ms{extra}")

    collector = "on" if args.gc else "off while timing, as timeit does"
    print(f"preset {PRESET!r}, seed {SEED}: {requests} HTTP requests per restart, {runs} runs, "
          f"garbage collector {collector}")
    line("(1) restart through sim.client() (sync driver)", sim_times,
         f"   ({sim_median / requests * 1e6:6.1f} us/request)")
    line("(2) the same restart, static MockTransport", replay_times,
         f"   ({replay_median / requests * 1e6:6.1f} us/request)")
    line(f"(3) {requests} bare static MockTransport GETs", static_times,
         f"   ({static_median / requests * 1e6:6.1f} us/request)")
    ratio = sim_median / replay_median
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(
        f"the simulator: (1)/(2) = {ratio:.2f}x of medians, "
        f"{min(sim_times) / min(replay_times):.2f}x of minimums, "
        f"{median(a / b for a, b in zip(sim_times, replay_times, strict=True)):.2f}x median "
        f"of the paired runs (target <= 1.5x of medians: {verdict} it)"
    )
    print(
        f"a whole restart vs bare requests: (1)/(3) = {sim_median / static_median:.2f}x; "
        f"its floor, the client with a free simulator, (2)/(3) = "
        f"{replay_median / static_median:.2f}x"
    )
    line("(4) restart through the direct driver (no HTTP)", direct_times,
         f"   ({1 / direct_median:,.0f} restarts/s)")
    line("(5) the procedure alone (answers replayed)", alone_times)
    print(
        f"split of the direct restart: simulator {(direct_median - alone_median) * 1e3:.3f} ms, "
        f"restart procedure {alone_median * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    run_main(main)
