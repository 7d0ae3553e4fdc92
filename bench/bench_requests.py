"""requests benchmark: a request through the ``octopus`` fixture's requests path vs the same
request answered by ``responses`` with a static reply, side by side in one run.

Both sides send ``GET /api/Spaces-1/tasks/ServerTasks-1`` through one ``requests.Session``
and read the JSON. The simulated side goes through requests, urllib3's pool and a
simulated connection to the simulation's routes (what ``with sim:`` does); the static side
is answered by a ``responses`` route holding the same JSON bytes, so the ratio is what the
simulation costs over the usual way of faking a server (target <= 1.3x).

Rounds alternate between the sides and each side's median round is compared; the script
repeats the whole measurement and prints every repetition's ratio and their median.
Run: ``python bench/bench_requests.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import requests
import responses
import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

from octosim.simulation import Simulation

TARGET = 1.3
PATH = "/api/Spaces-1/tasks/ServerTasks-1"


def median_round(rounds: int, calls: int, *fns: Callable[[], object]) -> list[float]:
    """Return, for each function, its median per-call time in seconds over ``rounds``
    rounds of ``calls`` calls, the functions taking turns round by round."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times[i].append((time.perf_counter() - start) / calls)
    return [statistics.median(t) for t in times]


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    repeats, rounds, calls = (1, 3, 200) if quick else (5, 9, 1_000)
    sim = Simulation()
    sim.engine.create("Spaces-1", "Upgrade", {})
    url = sim.base_url + PATH
    session = requests.Session()
    session.headers["X-Octopus-ApiKey"] = sim.api_key
    with sim:
        body = session.get(url).content  # the very bytes the static reply will hold
    static = responses.RequestsMock(assert_all_requests_are_fired=False)
    static.get(url, body=body, content_type="application/json; charset=utf-8")

    def simulated() -> object:
        return session.get(url).json()

    def answered_by_responses() -> object:
        return session.get(url).json()

    # Each side runs inside its own patches, entered once: the cost measured is the
    # request's, not a mock's start.
    def one_repeat() -> tuple[float, float]:
        with sim:
            (a,) = median_round(1, calls, simulated)
        static.start()  # start/stop, not `with`: leaving the block would drop the route
        try:
            (b,) = median_round(1, calls, answered_by_responses)
        finally:
            static.stop(allow_assert=False)
        return a, b

    ratios = []
    for n in range(repeats):
        pairs = [one_repeat() for _ in range(rounds)]
        a = statistics.median(p[0] for p in pairs)
        b = statistics.median(p[1] for p in pairs)
        ratios.append(a / b)
        print(f"repeat {n + 1}: simulated {a * 1e6:7.1f} us   responses {b * 1e6:7.1f} us   "
              f"ratio {a / b:5.2f}x")
    ratio = statistics.median(ratios)
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"requests GET through the simulation vs responses: median ratio {ratio:.2f}x "
          f"(target <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    run_main(lambda: main(sys.argv[1:]))
