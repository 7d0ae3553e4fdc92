"""The behaviour fingerprint: every preset × several seeds, through every edge.

A refactor must not change what the simulator does. This module runs the restart client
(sync over httpx with every response body recorded, async, direct) and the seed script's
port against each preset for seeds 0–5 and hashes, per case, the journal (the simulator's
timeline), every response body and status, and the report's outcome, exit code and request
count. ``tests/data/fingerprint.json`` pins the hashes; ``tests/test_fingerprint.py`` checks
them.

A deliberate change of behaviour (a new random-stream scheme, a fixed defect that changes
a journal) re-pins them, in its own commit that says why::

    python -m tests.fingerprint --update

Client-side wording (reasons, progress lines) is left out on purpose: it is the restart
client's surface, not the simulator's behaviour, and it has its own tests.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from octosim import Simulation
from octosim.scenario import presets
from restart import RestartTarget, run_sync
from restart.drivers.async_ import run_async
from restart.drivers.direct import run_direct
from restart.report import RestartReport
from restart.seedport import SeedVariables, run_seed_script

__all__ = ["PINNED", "SEEDS", "cases", "fingerprint"]

SEEDS = range(6)
PINNED = Path(__file__).parent / "data" / "fingerprint.json"
_TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def _recorder(lines: list[str]) -> Callable[[httpx.Response], None]:
    def record(response: httpx.Response) -> None:
        response.read()
        lines.append(f"{response.request.method} {response.request.url} {response.status_code}")
        lines.append(response.content.decode("utf-8", "replace"))

    return record


def _outcome(report: RestartReport) -> str:
    return f"{report.outcome.value} exit={int(report.exit_code)} requests={report.requests}"


def _sync(sim: Simulation, seed: int, bodies: list[str]) -> RestartReport:
    with sim.client(event_hooks={"response": [_recorder(bodies)]}) as client:
        return run_sync(client, _TARGET, clock=sim.clock.now, sleep=sim.clock.sleep,
                        rng=random.Random(seed))


def _async(sim: Simulation, seed: int, bodies: list[str]) -> RestartReport:
    async def sleep(seconds: float) -> None:
        sim.clock.sleep(seconds)
        await asyncio.sleep(0)

    async def main() -> RestartReport:
        async with sim.async_client() as client:
            return await run_async(client, _TARGET, clock=sim.clock.now, sleep=sleep,
                                   rng=random.Random(seed))

    return asyncio.run(main())


def _direct(sim: Simulation, seed: int, bodies: list[str]) -> RestartReport:
    return run_direct(sim, _TARGET, rng=random.Random(seed), raise_errors=False)


def _seedport(sim: Simulation, seed: int, bodies: list[str]) -> RestartReport:
    machine = sim.world.machines["Machines-1"]
    variables = SeedVariables(
        server_url=sim.base_url, space_id=machine.space_id, machine_id=machine.id,
        machine_name=machine.name, environment_id=machine.environment_ids[0],
    )
    with sim.client(event_hooks={"response": [_recorder(bodies)]}) as client:
        return run_seed_script(client, variables, clock=sim.clock.now, sleep=sim.clock.sleep)


_DRIVERS: dict[str, Callable[[Simulation, int, list[str]], RestartReport]] = {
    "sync": _sync, "async": _async, "direct": _direct, "seedport": _seedport,
}


def cases() -> Iterator[tuple[str, int, str]]:
    """Every (preset, seed, driver) the fingerprint covers."""
    for preset in presets():
        for seed in SEEDS:
            for driver in _DRIVERS:
                yield preset, seed, driver


def fingerprint(preset: str, seed: int, driver: str) -> str:
    """The SHA-256 of one case's journal, response bodies and outcome."""
    sim = Simulation.from_scenario(preset, seed=seed)
    bodies: list[str] = []
    report = _DRIVERS[driver](sim, seed, bodies)
    digest = hashlib.sha256()
    for part in (sim.timeline(), "\n".join(bodies), _outcome(report)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def compute() -> dict[str, str]:
    """Every case's fingerprint, keyed ``preset/seed/driver``."""
    return {f"{p}/{s}/{d}": fingerprint(p, s, d) for p, s, d in cases()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--update", action="store_true", help="re-pin tests/data/fingerprint.json")
    args = parser.parse_args(argv)
    current = compute()
    if args.update:
        PINNED.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"pinned {len(current)} cases in {PINNED}")
        return 0
    pinned = json.loads(PINNED.read_text())
    changed = sorted(k for k in current.keys() | pinned.keys() if current.get(k) != pinned.get(k))
    for key in changed:
        print(f"changed: {key}")
    print(f"{len(current) - len(changed)} of {len(current)} cases unchanged")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
