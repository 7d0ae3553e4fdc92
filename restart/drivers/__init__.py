"""Drivers: the edges that run a sans-IO procedure against something real.

- :func:`restart.drivers.sync.run_sync` — an ``httpx.Client``.
- :func:`restart.drivers.async_.run_async` — an ``httpx.AsyncClient``.
- :func:`restart.drivers.loop.drive` / :func:`~restart.drivers.loop.adrive` — the loop
  itself, for any transport function (the simulator's direct driver uses it).
- :func:`restart.drivers.direct.run_direct` — an in-process octosim simulation, no HTTP;
  :mod:`restart.drivers.inprocess` builds its requests (and :mod:`restart.flows`'),
  :mod:`restart.drivers._httpx` what both httpx drivers share.
"""

from __future__ import annotations

from restart.drivers.loop import Procedure, adrive, drive

__all__ = ["Procedure", "adrive", "drive"]
