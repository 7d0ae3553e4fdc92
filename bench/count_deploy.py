"""What ``bench_deploy.py`` (2) costs the CPU, counted rather than timed: instructions,
first-level cache misses and misses of a second-level cache the size of this machine's, for
the release -> deploy -> wait conversation through ``sim.client()`` and on the static
replay of its answers.

Timings of (2) move by a tenth of their ratio from one run to the next on a shared machine;
valgrind's callgrind counts the same numbers whatever else the machine is doing. Each side
runs ``--conversations`` conversations (default 20; the simulator's each on a world of its
own, all built beforehand) in one process under callgrind, and again with the same set-up
but no conversation; the difference, divided by the count, is one conversation's cost.

The misses say why the simulator's time ratio runs ahead of its instruction ratio: a
conversation through the simulator executes about three times as many distinct Python
functions as the static replay (the deployment, the routes, the model), once or a few times
each, and their bytecode and data miss the second-level cache several times as often. Such
misses cost tens of cycles each; an instruction costs a fraction of one. The second-level
cache is modelled as callgrind's last level (``--l2``, default 512 KiB, 8-way,
64-byte lines: each core's L2 on the machine these numbers were first taken on; ``lscpu``
shows yours).

``--functions`` counts that breadth instead, without valgrind and in seconds: the distinct
Python functions each side calls in one conversation (after one on each side, so that
first-use work is not counted), their bytecode, and the modules of those only the
simulator's side calls.

Run: ``python bench/count_deploy.py`` (``--conversations N``, ``--l2 BYTES,WAYS,LINE``,
``--functions``). Counting needs valgrind (Debian: ``apt install valgrind``) and takes a few
minutes. It prints numbers and asserts nothing about them.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_deploy  # a sibling script, found by the line above
from interrupt import run_main

#: What callgrind counts with the cache and branch simulations on, and how they are shown.
SHOWN = {
    "Ir": "instructions",
    "I1mr": "L1 instruction misses",
    "D1mr": "L1 data read misses",
    "D1mw": "L1 data write misses",
    "ILmr": "L2 instruction misses",
    "DLmr": "L2 data read misses",
    "DLmw": "L2 data write misses",
    "Bcm": "conditional branches mispredicted",
    "Bim": "indirect branches mispredicted",
}
SIDES = ("simulator", "static")


def run_side(side: str, conversations: int, converse: bool) -> None:
    """The measured process: the set-up for ``conversations`` conversations on ``side``
    (the simulator's worlds built), then, if ``converse``, the conversations. Counted
    without them too, the set-up drops out of the difference."""
    world = bench_deploy.deploy_world
    _, answers = bench_deploy.simulator_conversation(lambda: world(1))
    static = bench_deploy.static_side(answers)
    # One conversation on each side first, so that what runs once per process (imports,
    # first-use caches) is in both counts alike.
    static()
    bench_deploy.http_side(lambda: world(1))()
    worlds = [world(1) for _ in range(conversations)] if side == "simulator" else []
    gc.collect()
    gc.disable()
    for index in range(conversations if converse else 0):
        if side == "simulator":
            bench_deploy.timed_conversation(worlds[index])
        else:
            static()


def functions_called(converse: Callable[[], object]) -> set[CodeType]:
    """Return the code of every Python function ``converse()`` calls (C functions have none)."""
    called: set[CodeType] = set()

    def note(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            called.add(frame.f_code)

    sys.setprofile(note)
    try:
        converse()
    finally:
        sys.setprofile(None)
    return called


def print_functions() -> None:
    """Print the distinct functions each side of (2) calls in one conversation."""
    world = bench_deploy.deploy_world
    _, answers = bench_deploy.simulator_conversation(lambda: world(1))
    static = bench_deploy.static_side(answers)
    static()  # first-use work (imports, caches) left out of both
    bench_deploy.http_side(lambda: world(1))()
    sim = world(1)  # built untraced, as it is untimed
    sides = {"simulator": functions_called(lambda: bench_deploy.timed_conversation(sim)),
             "static": functions_called(static)}
    print("distinct Python functions called in one conversation (bytecode in bytes)")
    for side, called in sides.items():
        size = sum(len(code.co_code) for code in called)
        print(f"  {side:<10} {len(called):5,} functions {size:9,} bytes")
    only = sides["simulator"] - sides["static"]
    by_module = collections.Counter(_module(code.co_filename) for code in only)
    print(f"  {len(only):,} called on the simulator's side only, by module:")
    for module, many in by_module.most_common():
        print(f"    {many:4} {module}")


def _module(filename: str) -> str:
    """``filename`` from the package down (site-packages, the repository or the stdlib)."""
    path = Path(filename)
    for anchor in ("site-packages", "octosim", "bench", "restart"):
        if anchor in path.parts:
            start = path.parts.index(anchor) + (anchor == "site-packages")
            return "/".join(path.parts[start:])
    return path.name


#: The callgrind processes running, so that Ctrl-C can stop them: they run in the pool's
#: threads, which an interrupt of the main thread does not reach.
RUNNING: set[subprocess.Popen[str]] = set()


def count(side: str, conversations: int, converse: bool, l2: str) -> dict[str, int]:
    """Run :func:`run_side` under callgrind; return its totals by event name."""
    with tempfile.TemporaryDirectory(prefix="count-deploy-") as scratch:
        out = Path(scratch) / "callgrind.out"
        with subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             "--cache-sim=yes", "--branch-sim=yes", f"--LL={l2}",
             sys.executable, __file__, "--side", side, "--conversations", str(conversations),
             *(() if converse else ("--set-up-only",))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # The same string hashes every run, so both counts see the same dict layouts.
            env={**os.environ, "PYTHONHASHSEED": "0"},
        ) as process:
            RUNNING.add(process)
            try:
                _, stderr = process.communicate()
            finally:
                RUNNING.discard(process)
        if process.returncode != 0:
            last = "\n".join(stderr.strip().splitlines()[-5:])
            sys.exit(f"callgrind failed counting the {side} side (exit {process.returncode}):\n"
                     f"{last}")
        events: list[str] = []
        totals: list[int] = []
        for line in out.read_text().splitlines():
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith(("summary:", "totals:")):
                totals = [int(n) for n in line.split()[1:]]
        return dict(zip(events, totals, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20,
                        help="conversations counted on each side [20]")
    parser.add_argument("--l2", default="524288,8,64",
                        help="the second-level cache modelled: bytes,ways,line bytes "
                             "[524288,8,64]")
    parser.add_argument("--functions", action="store_true",
                        help="count the distinct Python functions each side calls instead "
                             "(seconds, no valgrind)")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--set-up-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    sizes = args.l2.split(",")
    if len(sizes) != 3 or not all(size.isdigit() and int(size) > 0 for size in sizes):
        parser.error(f"--l2 takes bytes,ways,line bytes (e.g. 524288,8,64), not {args.l2!r}")
    if args.side is not None:  # the process callgrind measures
        run_side(args.side, args.conversations, converse=not args.set_up_only)
        return
    if args.functions:
        print_functions()
        return
    if shutil.which("valgrind") is None:
        sys.exit("count_deploy.py needs valgrind on PATH (Debian: apt install valgrind)")
    jobs = [(side, converse) for side in SIDES for converse in (True, False)]
    print(f"{args.conversations} conversations a side, less their set-up, under callgrind "
          f"(L2 modelled as {args.l2}); this takes a few minutes")
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    try:
        counted = dict(zip(jobs, pool.map(
            lambda job: count(job[0], args.conversations, job[1], args.l2), jobs), strict=True))
    except BaseException:  # Ctrl-C: stop the counts running, drop those not started
        for process in list(RUNNING):
            process.kill()
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    per = {
        side: {name: (counted[side, True][name] - counted[side, False][name])
               / args.conversations for name in SHOWN}
        for side in SIDES
    }
    print(f"  {'per conversation':<36} {'simulator':>12} {'static':>12}  ratio")
    for name, label in SHOWN.items():
        mine, theirs = per["simulator"][name], per["static"][name]
        ratio = f"{mine / theirs:5.2f}x" if theirs else "    -"
        print(f"  {label:<36} {mine:12,.0f} {theirs:12,.0f}  {ratio}")


if __name__ == "__main__":
    run_main(main)
