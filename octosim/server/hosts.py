"""Which addresses the live server may listen on: loopback only, unless asked."""

from __future__ import annotations

import ipaddress

__all__ = ["NonLoopbackError", "bare_host", "check_host"]


class NonLoopbackError(ValueError):
    """A host that is not a loopback address, without ``allow_remote``."""


def bare_host(host: str) -> str:
    """Return ``host`` without the brackets of a URL's IPv6 form (``[::1]`` is ``::1``)."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def check_host(host: str, *, allow_remote: bool = False) -> None:
    """Return if ``host`` may be served; raise NonLoopbackError otherwise.

    Loopback means ``localhost`` or an address in 127.0.0.0/8 or ``::1``. The simulator
    accepts any request with its key and has no TLS: exposing it beyond this machine is a
    decision to make explicitly (``--allow-remote`` / ``allow_remote=True``). Never resolves
    or contacts ``host``.
    """
    bare = bare_host(host.strip())
    if allow_remote or bare.lower() == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(bare).is_loopback
    except ValueError:
        loopback = False  # a host name: resolving it could give anything, so refuse it
    if not loopback:
        raise NonLoopbackError(
            f"refusing to serve on {host!r}: it is not a loopback address. Use 127.0.0.1 "
            "(or ::1, or localhost), or pass --allow-remote (allow_remote=True) if you "
            "really mean to expose the simulator, which has no TLS, beyond this machine."
        )
