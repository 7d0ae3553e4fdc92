"""Every Octopus area the simulator serves, and the route table they make together.

Patterns are written in their unscoped form; a space-scoped route is also served at
``/api/{spaceId}/...`` and ``/api/spaces/{spaceId}/...`` (octopus-api.md §1). Read the areas'
``ROUTES`` to know what is covered; anything else is a 404 recorded in
``OctopusApi.unhandled``.
"""

from __future__ import annotations

from types import ModuleType

from octosim.api import (
    executions,
    infrastructure,
    interruptions,
    processes,
    projects,
    releases,
    runbooks,
    spaces,
    tasks,
)
from octosim.api.router import Route

__all__ = ["AREAS", "TABLE"]

#: The areas, in the order the root document lists their collection links.
AREAS: tuple[ModuleType, ...] = (
    spaces, tasks, infrastructure, projects, processes, releases, runbooks, executions,
    interruptions,
)

#: The built-in routes (the fields are documented on :class:`~octosim.api.router.Route`);
#: Route objects are immutable, so every simulation's router can share them.
TABLE: tuple[Route, ...] = tuple(route for area in AREAS for route in area.ROUTES)
