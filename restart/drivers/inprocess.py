"""The in-process wire: a procedure's :class:`~restart.protocol.Send` as the simulated API's
request, and the API's answer as the procedure's event.

Every edge that hands requests to a simulation without HTTP builds them here: the direct
driver (:mod:`restart.drivers.direct`, in the caller's time) and :mod:`restart.flows`
(inside a simulation's tasks). This module imports the simulator, so the restart client's
other edges import it only when they drive a simulation.
"""

from __future__ import annotations

import json

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.delivery import Lost
from restart.protocol import Response, Send, TransportFailure

__all__ = ["to_api_request", "to_event"]


def to_api_request(send: Send, api_key: str) -> ApiRequest:
    """Return ``send``'s request as the simulated API takes it: its JSON body serialised,
    the API key in ``X-Octopus-ApiKey``."""
    request = send.request
    headers = {"x-octopus-apikey": api_key}
    body = b""
    if request.json is not None:
        body = json.dumps(request.json).encode()
    if request.content_type is not None:
        headers["content-type"] = request.content_type
    return ApiRequest(request.method, request.path, request.params, headers, body)


def to_event(answer: ApiResponse | Lost) -> Response | TransportFailure:
    """Return what the procedure is told of ``answer``: the Response (its JSON value as the
    route built it, never serialised), or the TransportFailure of an answer a fault
    swallowed."""
    if isinstance(answer, Lost):
        return TransportFailure(
            "connect" if answer.kind == "connect" else "timeout", answer.message
        )
    data = answer.data
    text = "" if data is not None else answer.content.decode("utf-8", "replace")
    return Response(answer.status, answer.headers, data, text)
