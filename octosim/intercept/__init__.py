"""Every Python HTTP client reaches an entered simulation in-process.

``with sim:`` (the ``octopus`` fixture, ``with octopus_factory() as sim:``) mounts the
simulation for httpx through respx (:mod:`.via_httpx`: a router whose "not mocked" error
says what to do), and through this package for the other libraries:

- urllib3, and so ``requests`` and anything else built on it: :mod:`.via_urllib3` gives
  urllib3's connection pools a simulated connection for the simulation's host, so urllib3's
  own retries, timeouts and exceptions apply unchanged (``MaxRetryError`` caused by
  ``NewConnectionError``; ``requests.ConnectionError`` / ``ReadTimeout`` from requests);
- ``requests`` beside ``responses``: :mod:`.via_requests` lets a test's own
  ``responses`` mock pass the simulation's URLs through, and names requests' requests;
- aiohttp, when installed: :mod:`.via_aiohttp`, through ``aioresponses`` (without it,
  :mod:`.aiohttp_guard` refuses every non-loopback request, saying what to install).

The urllib3 and aiohttp seams hand each request to :mod:`.exchange`, which serves it
through the simulation's fault plan and logs it in ``sim.requests`` (as httpx's transport
logs its own).

Inside the block, a request to a host that is neither an entered simulation nor a loopback
address fails with a message saying what to do, instead of reaching the network.

The patches are process-wide (as every mocking library's are), so they are installed when
the first simulation is entered and removed when the last one leaves; simulations entered
at once (nested blocks) are all served, the innermost first for a shared base URL.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from octosim.delivery import ServerParts

__all__ = ["Mounted", "enter", "find", "is_loopback", "leave", "mounted", "refusal"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = frozenset({"localhost", "::1", "[::1]"})


class Mounted(NamedTuple):
    """An entered simulation (its parts) and where it answers."""

    parts: ServerParts
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    prefix: str  # the base URL's path without its trailing slash ("" for none)

    @property
    def base_url(self) -> str:
        """The simulation's base URL."""
        return self.parts.options.base_url

    def url_pattern(self) -> re.Pattern[str]:
        """A pattern matching every absolute URL this simulation answers."""
        host = f"\\[{re.escape(self.host)}\\]" if ":" in self.host else re.escape(self.host)
        port = rf"(?::{self.port})?" if self.port == _DEFAULT_PORTS[self.scheme] else (
            rf":{self.port}")
        return re.compile(rf"^{self.scheme}://{host}{port}{re.escape(self.prefix)}(?:[/?#]|$)",
                          re.IGNORECASE)

    def serves(self, path: str) -> bool:
        """True if a request for ``path`` (no query) on this host is the simulation's."""
        prefix = self.prefix
        return not prefix or path == prefix or path.startswith(prefix + "/")


_lock = threading.Lock()
_mounted: list[Mounted] = []
_patches: ExitStack | None = None


def _mount(parts: ServerParts) -> Mounted:
    url = urlsplit(parts.options.base_url)
    scheme = url.scheme.lower()
    return Mounted(parts, scheme, (url.hostname or "").lower(),
                   url.port or _DEFAULT_PORTS[scheme], url.path.rstrip("/"))


def enter(parts: ServerParts) -> None:
    """Serve the simulation of ``parts`` to every supported client library until
    :func:`leave`."""
    global _patches
    with _lock:
        if _patches is None:
            _patches = _install()
        _mounted.append(_mount(parts))


def leave(parts: ServerParts) -> None:
    """Stop serving the simulation of ``parts``; the last to leave removes the patches."""
    global _patches
    with _lock:
        for i in range(len(_mounted) - 1, -1, -1):
            if _mounted[i].parts is parts:
                del _mounted[i]
                break
        if not _mounted and _patches is not None:
            patches, _patches = _patches, None
            patches.close()


def mounted() -> list[Mounted]:
    """The simulations entered now, innermost first."""
    return _mounted[::-1]


def find(scheme: str, host: str, port: int | None, path: str | None = None) -> Mounted | None:
    """Return the innermost entered simulation answering at ``scheme://host:port`` (and
    ``path``, when given), or None."""
    scheme = scheme.lower()
    host = host.lower().strip("[]")
    port = port or _DEFAULT_PORTS.get(scheme)
    for m in reversed(_mounted):
        if m.host == host and m.port == port and m.scheme == scheme and (
                path is None or m.serves(path)):
            return m
    return None


def is_loopback(host: str) -> bool:
    """True for a host that can only be this machine (127.0.0.0/8, ::1, localhost)."""
    host = host.lower()
    return host in _LOOPBACK_NAMES or host.startswith("127.")


def refusal(url: str) -> str:
    """The message for a request inside ``with sim:`` that no simulation serves."""
    bases = ", ".join(m.base_url for m in mounted()) or "none"
    return (
        f"[octosim] {url} was not sent: inside `with sim:` (the octopus fixture) requests go "
        f"only to the simulation ({bases}) or to loopback servers, never to the network. "
        "Build the URL from octopus.base_url; to fake another host, mock it in the test "
        "(respx, responses or aioresponses routes are matched before this check)."
    )


def _install() -> ExitStack:
    """Patch every installed client library; return the stack that undoes it."""
    stack = ExitStack()
    try:
        if importlib.util.find_spec("urllib3") is not None:
            from octosim.intercept import via_urllib3

            stack.enter_context(via_urllib3.patched())
        if importlib.util.find_spec("requests") is not None:
            from octosim.intercept import via_requests

            stack.enter_context(via_requests.patched())
        if importlib.util.find_spec("aiohttp") is not None:
            if importlib.util.find_spec("aioresponses") is not None:
                from octosim.intercept import via_aiohttp

                stack.enter_context(via_aiohttp.patched())
            else:
                from octosim.intercept import aiohttp_guard

                stack.enter_context(aiohttp_guard.patched())
    except BaseException:
        stack.close()
        raise
    return stack
