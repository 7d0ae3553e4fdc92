"""The simulated server's REST surface, by Octopus area: ``ApiRequest`` in, ``ApiResponse``
out, no HTTP anywhere (:mod:`octosim.transport` and the live server are the seams to it).

Areas, each one module of the same shape (resources: domain → Octopus JSON; handlers:
``handler(ctx) -> JSON | ApiResponse``; ``ROUTES``: a tuple of keyword
:class:`~octosim.api.router.Route`):

- :mod:`~octosim.api.spaces`: the root document, spaces, space homes, users;
- :mod:`~octosim.api.tasks`: server tasks (with :mod:`~octosim.api.task_query`, the list's
  filters, and :mod:`~octosim.api.task_cache`, the memoised renders);
- :mod:`~octosim.api.infrastructure`: machines (deployment targets) and environments;
- deployments, over the deployment model (``ctx.deployments``): :mod:`~octosim.api.projects`
  (project groups, projects, channels, lifecycles, tenants), :mod:`~octosim.api.processes`
  (deployment and runbook processes, release templates, variables),
  :mod:`~octosim.api.releases` (releases, deployments), :mod:`~octosim.api.runbooks`
  (runbooks, snapshots, runbook runs) and :mod:`~octosim.api.executions` (the
  ``create/v1`` commands), with :mod:`~octosim.api.bodies` reading their bodies;
- :mod:`~octosim.api.interruptions`: guided-failure interruptions, over the board the
  Deploy and RunbookRun tasks raise them on (``ctx.interruptions``).

Shared plumbing, each a module of its own: ``router`` (the compiled route table), ``context``
(what a handler gets; ``ctx.find`` is the one lookup of a space-scoped resource by id),
``errors``, ``paging``, ``params``, ``messages``, ``auth``, ``redact``, ``links``,
``timefmt``, ``unhandled``; ``app`` (:class:`OctopusApi`) puts them together.

A new area (feeds, say): write ``octosim/api/feeds.py`` in the same shape, find by id with
``ctx.find(lookup, permission)``, give its collection route ``link="Feeds"`` (the root
document and space homes then list it), and add the module to ``AREAS`` in
:mod:`~octosim.api.routes`. Nothing here imports the layers above
(delivery, transport, simulation, server, plugin), ``scenario`` (its neighbour in layer 3)
or ``restart``.
"""

from octosim.api.app import OctopusApi
from octosim.api.context import RequestContext
from octosim.api.errors import ApiError
from octosim.api.messages import ApiRequest, ApiResponse
from octosim.api.router import Route, RouteError

__all__ = [
    "ApiError",
    "ApiRequest",
    "ApiResponse",
    "OctopusApi",
    "RequestContext",
    "Route",
    "RouteError",
]
