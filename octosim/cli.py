"""The ``octosim`` command: serve a simulated Octopus server over real HTTP.

    octosim serve --port 0 --scenario named-instance --seed 7 --rate 10

prints the URL and API key, then serves until Ctrl-C or SIGTERM (exit code 0). ``-v`` logs
each request as it is served. ``python -m octosim`` is the same command.

Exit codes: 0 stopped by Ctrl-C / SIGTERM; 1 the address cannot be bound (a port in use);
2 a usage error (a bad flag value, an unknown scenario, a non-loopback ``--host`` without
``--allow-remote``), with a message saying what to do.
"""

from __future__ import annotations

import argparse
import errno
import logging
import math
import re
import secrets
import string
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

__all__ = ["build_parser", "generate_key", "main", "seed_number"]

_KEY = re.compile(r"API-[A-Z0-9]+")
#: The newest timeline entries a served simulation keeps (about 25 MB at most).
DEFAULT_TIMELINE_LIMIT = 100_000
#: Generated keys look like real ones: ``API-`` and 27 uppercase letters and digits.
_KEY_LENGTH = 27


def generate_key() -> str:
    """Return a fresh random API key in Octopus's format (``API-`` + 27 of ``A-Z0-9``).

    Drawn from :mod:`secrets`, not from the scenario's seed: a key that followed from
    ``--seed`` (0 by default) could be guessed by anything else on the machine.
    """
    alphabet = string.ascii_uppercase + string.digits
    return "API-" + "".join(secrets.choice(alphabet) for _ in range(_KEY_LENGTH))


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of virtual seconds per real second (e.g. 1, 60), not {text!r}"
        ) from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f"must be a positive, finite number of virtual seconds per real second "
            f"(e.g. 1, 60), not {text}"
        )
    return value


def _seconds(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a number of seconds ({what}), not {text!r}") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(
                f"must be a positive, finite number of seconds ({what}), not {text}")
        return value

    return parse


def seed_number(text: str) -> int:
    """argparse ``type`` of ``--seed``: a whole number >= 0, as every octosim seed is."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def _entries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of timeline entries >= 1, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of timeline entries >= 1, not {value}")
    return value


def _version() -> str:
    try:
        return version("octosim")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number 0-65535 (0 picks a free one), not {text!r}"
        ) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be 0-65535 (0 picks a free one), not {value}"
        )
    return value


def _key(text: str) -> str:
    if _KEY.fullmatch(text) is None:
        # The value is a secret (or a typo of one): say what is wrong, never echo it.
        raise argparse.ArgumentTypeError(
            f"must be API- followed by uppercase letters and digits, like the keys Octopus "
            f"issues (the {len(text)} characters given are not); omit --api-key to have "
            "one generated"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``octosim`` command."""
    from octosim.options import DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE

    # allow_abbrev=False: a prefix of a flag (--time for --timeline) is an error, not a guess.
    parser = argparse.ArgumentParser(
        prog="octosim", description="A simulated Octopus Deploy server on a virtual clock.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve", help="serve the simulator over HTTP on a loopback address",
        allow_abbrev=False,
        description="Serve the simulator over HTTP for clients that are not Python. Prints "
                    "its URL and API key, then serves until Ctrl-C or SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1; loopback only unless "
                            "--allow-remote)")
    serve.add_argument("--port", type=_port, default=8065,
                       help="port (default 8065); 0 picks a free one")
    serve.add_argument("--scenario", default="default",
                       help="a preset name or a path to a scenario TOML file (default: default)")
    serve.add_argument("--seed", type=seed_number, default=0,
                       help="random seed, a whole number >= 0 (default 0)")
    serve.add_argument("--api-key", type=_key, default=None, metavar="KEY",
                       help="the API key to accept (API-...); a random one is generated and "
                            "printed if omitted")
    serve.add_argument("--rate", type=_rate, default=1.0,
                       help="virtual seconds per real second (default 1.0; higher makes "
                            "scripts that sleep finish sooner)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a non-loopback --host (the simulator has no TLS)")
    serve.add_argument("--timeline", action="store_true",
                       help="print the simulation's timeline when the server stops")
    serve.add_argument("--timeline-limit", type=_entries, default=DEFAULT_TIMELINE_LIMIT,
                       metavar="N",
                       help=f"keep only the newest N timeline entries (default "
                            f"{DEFAULT_TIMELINE_LIMIT:,}, about 250 bytes each)")
    serve.add_argument("--keep-alive", type=_seconds("idle keep-alive"),
                       default=DEFAULT_KEEP_ALIVE, metavar="SECONDS",
                       help=f"real seconds an idle kept-alive connection stays open (default "
                            f"{DEFAULT_KEEP_ALIVE:g}, as Kestrel's)")
    serve.add_argument("--idle-timeout", type=_seconds("silent client"),
                       default=DEFAULT_IDLE_TIMEOUT, metavar="SECONDS",
                       help=f"real seconds a connection may stay silent in the middle of a "
                            f"request before it is closed (default {DEFAULT_IDLE_TIMEOUT:g})")
    serve.add_argument("-v", "--verbose", action="store_true",
                       help="log each request as it is served (method, path, status, "
                            "virtual time) on stderr")
    # Usage errors found after parsing are reported by the subcommand's own parser, so the
    # message comes with "octosim serve" usage.
    serve.set_defaults(command_parser=serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``octosim`` command; return its exit code (see the module docstring).

    Raises SystemExit(2) for usage errors, as argparse does.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return _serve(args, args.command_parser)


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    # Imported here so that --help and usage errors stay fast.
    from octosim.scenario import ScenarioError
    from octosim.server import LiveServer, NonLoopbackError, check_host
    from octosim.simulation import Simulation

    try:
        check_host(args.host, allow_remote=args.allow_remote)  # before anything is built
    except NonLoopbackError as exc:
        parser.error(str(exc))
    # Always an explicit key, so the simulation's random draws depend only on the scenario
    # and the seed: Simulation.from_scenario(NAME, seed=N, api_key=KEY) replays a run.
    key = args.api_key or generate_key()
    try:
        sim = Simulation.from_scenario(args.scenario, seed=args.seed, api_key=key,
                                       journal_limit=args.timeline_limit)
    except ScenarioError as exc:
        parser.error(f"--scenario: {exc}")
    server = LiveServer(sim, host=args.host, port=args.port, rate=args.rate,
                        allow_remote=args.allow_remote, log_config=True,
                        keep_alive=args.keep_alive, idle_timeout=args.idle_timeout)
    if args.verbose:
        _log_requests()
    try:
        server.bind()
    except OSError as exc:
        reason = ("the port is already in use" if exc.errno == errno.EADDRINUSE
                  else exc.strerror or str(exc))
        print(f"octosim: cannot listen on {args.host}:{args.port}: {reason}. Pick another "
              "--port, or --port 0 for any free one.", file=sys.stderr)
        return 1

    def ready() -> None:
        print(f"octosim serving {server.url}  (scenario {args.scenario}, seed {args.seed}, "
              f"rate {args.rate:g}x)")
        print(f"API key: {key}")
        if args.allow_remote and server.host.lower() != "localhost":
            print("warning: --allow-remote: plain HTTP, and the key above opens everything",
                  file=sys.stderr)
        print("Press Ctrl-C to stop.", flush=True)

    server.run(on_ready=ready)
    if args.timeline:
        with server.app.lock:
            if server.app.stuck is None:
                server.app.catch_up()  # what is due by now has happened
            print(sim.timeline())
    print("octosim stopped.", flush=True)
    return 0


def _log_requests() -> None:
    from octosim.server.app import LOG

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False  # once, on stderr, whatever the root logger does


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
