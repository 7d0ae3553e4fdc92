"""How the simulated server behaves where real servers differ or the facts are unconfirmed.

Below the API layer: the routes read these options, and :class:`~octosim.simulation.Simulation`
(which re-exports :class:`ServerOptions`) holds one.
"""

from __future__ import annotations

from dataclasses import dataclass

from octosim.model.engine import DEFAULT_TASK_CAP

__all__ = [
    "DEFAULT_BASE_URL", "DEFAULT_IDLE_TIMEOUT", "DEFAULT_KEEP_ALIVE", "DEFAULT_VERSION",
    "ServerOptions",
]

#: Where a mounted simulation answers. A name that never resolves (``.invalid``, RFC 6761),
#: so that a request no mock intercepts fails at once instead of reaching a real server.
DEFAULT_BASE_URL = "http://octopus.invalid"


#: The live server's connections (octosim.server.LiveServer), in real seconds. An idle
#: kept-alive connection stays open as long as Kestrel (real Octopus) keeps it: uvicorn's
#: own 5 s is exactly the seed script's poll interval, and drops polls.
DEFAULT_KEEP_ALIVE = 130.0
#: A connection silent while the client owes the server (part of) a request is closed after
#: this long, as Kestrel's request-headers timeout.
DEFAULT_IDLE_TIMEOUT = 30.0


#: The served ``Version``: at least 2022.3.5512, the executions API's minimum (§1.1).
DEFAULT_VERSION = "2022.3.10640"


@dataclass(frozen=True)
class ServerOptions:
    """How the simulated server behaves where real servers differ or the facts are
    unconfirmed (octopus-api.md). Defaults are the most plausible real behaviour.

    - ``strict_content_type``: reject a JSON body sent with a non-JSON content type (the
      seed's second ``Invoke-RestMethod`` does this and real servers accept it).
    - ``anonymous_root``: serve ``GET /api`` without a key, as real servers serve browsers.
    - ``wrong_key_status``: the status for a key that does not exist (401; unconfirmed).
    - ``max_body_bytes``: larger request bodies get a 400.
    - ``default_read_timeout``: the virtual seconds a client waits for an answer that never
      comes (a read-timeout fault) when its request carries no read timeout of its own.
    - ``version``: the root document's ``Version``. The default is a 2022.3 build, because
      the TS api-client refuses the executions API below 2022.3.5512 (octopus-deployments.md
      §1.1) and the Go CLI needs 2022.3; keep it semver ``X.Y.Z`` (the TS client throws on
      ``2025.2``). Set ``"2021.2.7727"`` to look like the server whose Swagger the simulator
      conforms to; clients that check the version then use the classic routes.
    """

    base_url: str = DEFAULT_BASE_URL
    version: str = DEFAULT_VERSION
    strict_content_type: bool = False
    anonymous_root: bool = True
    wrong_key_status: int = 401
    max_body_bytes: int = 1_048_576
    default_read_timeout: float = 30.0
    task_cap: int = DEFAULT_TASK_CAP
    cancel_delay: float = 2.0
    installation_id: str = "3f1d5a1c-7a3e-4c2e-9d8b-0c6f5e2a9b41"

    def __post_init__(self) -> None:
        if self.wrong_key_status not in (401, 403):
            raise ValueError(f"wrong_key_status must be 401 or 403, not {self.wrong_key_status}")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://: {self.base_url!r}")
