"""The simulated server's REST surface: routes, resources, auth, paging, error bodies.

Nothing here knows HTTP: :class:`OctopusApi` maps an :class:`ApiRequest` to an
:class:`ApiResponse`; :mod:`octosim.transport` is the seam to ``httpx``.
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
