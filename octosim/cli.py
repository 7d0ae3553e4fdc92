"""The ``octosim`` command: serve a simulated Octopus server over real HTTP.

    octosim serve --port 0 --scenario named-instance --seed 7 --rate 10

prints the URL and API key, then serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
from collections.abc import Sequence

from octosim.server import LiveServer, NonLoopbackError

__all__ = ["main"]


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rate must be a number, not {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(
            f"--rate must be a positive number of virtual seconds per real second, not {text}"
        )
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a whole number, not {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"--port must be 0-65535 (0 picks a free one), not {value}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``octosim`` command."""
    parser = argparse.ArgumentParser(
        prog="octosim", description="A simulated Octopus Deploy server on a virtual clock."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve", help="serve the simulator over HTTP on a loopback address",
        description="Serve the simulator over HTTP for clients that are not Python.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8065, help="port; 0 picks a free one")
    serve.add_argument("--scenario", default="default",
                       help="a preset name or a path to a scenario TOML file (default: default)")
    serve.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    serve.add_argument("--api-key", default=None,
                       help="the API key to accept (API-...); generated and printed if omitted")
    serve.add_argument("--rate", type=_rate, default=1.0,
                       help="virtual seconds per real second (default 1.0; higher makes "
                            "scripts that sleep finish sooner)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a non-loopback --host (the simulator has no TLS)")
    serve.add_argument("--timeline", action="store_true",
                       help="print the simulation's timeline when the server stops")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``octosim`` command; return its exit code (2 for usage errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from octosim.scenario import ScenarioError
    from octosim.simulation import Simulation

    if args.api_key is not None and not _looks_like_key(args.api_key):
        parser.error(f"--api-key must look like API- followed by uppercase letters and digits "
                     f"(got {len(args.api_key)} characters that do not)")
    try:
        sim = Simulation.from_scenario(args.scenario, seed=args.seed, api_key=args.api_key)
    except ScenarioError as exc:
        parser.error(str(exc))
    try:
        server = LiveServer(sim, host=args.host, port=args.port, rate=args.rate,
                            allow_remote=args.allow_remote, log_level="warning")
        sock = server.bind()
    except NonLoopbackError as exc:
        parser.error(str(exc))
    except OSError as exc:
        print(f"octosim: cannot listen on {args.host}:{args.port}: {exc.strerror}. "
              "Pick another --port, or 0 for any free one.", file=sys.stderr)
        return 1
    print(f"octosim serving {server.url}  (scenario {args.scenario}, seed {args.seed}, "
          f"rate {args.rate:g}x)", flush=True)
    print(f"API key: {sim.api_key}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    import uvicorn

    uv = uvicorn.Server(server.config())
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the
    # handler that was there before: make that handler raise KeyboardInterrupt for both,
    # so either signal ends here, cleanly, with exit code 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        uv.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if args.timeline:
        print(sim.timeline())
    print("octosim stopped.", flush=True)
    return 0


def _looks_like_key(key: str) -> bool:
    # The Go client refuses anything else before sending, so a server should too.
    return re.fullmatch(r"API-[A-Z0-9]+", key) is not None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
