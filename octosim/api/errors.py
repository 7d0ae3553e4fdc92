"""The Octopus error body and the exception handlers raise to produce it.

Every error the simulated server sends has Octopus's shape (octopus-api.md §2)::

    {"ErrorMessage": str, "Errors": [str], "FullException": null, "HelpText": null,
     "HelpLink": null, "ParsedHelpLinks": [], "Details": {}}

Clients build their message from ``ErrorMessage`` plus each of ``Errors``, so the specific
problem (which field, which value, what to send instead) always goes into ``Errors``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from octosim.api.messages import JSON_CONTENT_TYPE, ApiResponse

if TYPE_CHECKING:
    from octosim.faults import FaultRule

__all__ = [
    "BAD_REQUEST",
    "FAULT_MESSAGES",
    "MISSING_KEY",
    "NOT_FOUND_ROUTE",
    "NO_BODY",
    "WRONG_KEY",
    "ApiError",
    "bad_request",
    "error_body",
    "error_response",
    "fault_response",
    "missing_permission",
    "resource_not_found",
    "space_not_found",
]

# octopus-api.md §2, verbatim: clients and people match on these texts.
MISSING_KEY = (
    "You must be logged in to perform this action. "
    "Please provide a valid API key or log in again."
)
WRONG_KEY = (
    "The API key you provided was not valid. Please double-check your API key and try again."
)
NO_PERMISSION = (
    "You do not have permission to perform this action. "
    "Please contact your Octopus administrator. Missing permission: {permission}"
)
# The 400 headline (§2: "There was a problem with your request." style; unconfirmed).
BAD_REQUEST = "There was a problem with your request."
NO_BODY = "No request body was supplied."  # Swagger 2021.2's own wording
NOT_FOUND_ROUTE = "The resource you requested was not found."
# What the server says when a Status fault answers for it. Real wordings are unconfirmed
# (octopus-api.md §2); these are what a proxy or a starting server plausibly sends.
FAULT_MESSAGES = {
    408: "The request timed out before the server received all of it.",
    429: "Too many requests. Please wait before trying again.",
    500: "An unexpected error occurred in the Octopus Server.",
    502: "Bad gateway: the Octopus Server did not answer the proxy in front of it.",
    503: "The Octopus Server is unavailable (it may be starting up). Please try again shortly.",
    504: "Gateway timeout: the Octopus Server took too long to answer the proxy in front of it.",
}


def error_body(
    message: str, errors: Iterable[str] = (), *, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the Octopus error document for ``message`` and the specific ``errors``."""
    return {
        "ErrorMessage": message,
        "Errors": list(errors),
        "FullException": None,
        "HelpText": None,
        "HelpLink": None,
        "ParsedHelpLinks": [],
        "Details": dict(details or {}),
    }


def error_response(
    status: int,
    message: str,
    errors: Iterable[str] = (),
    *,
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """Return an :class:`ApiResponse` with ``status`` and the Octopus error body."""
    all_headers = {"content-type": JSON_CONTENT_TYPE}
    all_headers.update(headers or {})
    return ApiResponse(status, error_body(message, errors), headers=all_headers)


class ApiError(Exception):
    """Raised by handlers (and helpers they call) to answer with an Octopus error body.

    ``status`` is the HTTP status; ``message`` becomes ``ErrorMessage`` and ``errors`` the
    ``Errors`` list; ``headers`` are added to the response (``Allow`` on a 405).
    """

    def __init__(
        self,
        status: int,
        message: str,
        errors: Iterable[str] = (),
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.errors = list(errors)
        self.headers = dict(headers or {})
        super().__init__(f"{status} {message}" + "".join(f" {e}" for e in self.errors))

    def response(self) -> ApiResponse:
        """Return this error as a response."""
        return error_response(self.status, self.message, self.errors, headers=self.headers)


def bad_request(*problems: str) -> ApiError:
    """Return a 400 naming each problem (raise it)."""
    return ApiError(400, BAD_REQUEST, problems)


def missing_permission(permission: str) -> ApiError:
    """Return the 403 for a user lacking ``permission`` (raise it)."""
    return ApiError(403, NO_PERMISSION.format(permission=permission))


def resource_not_found(resource_id: str) -> ApiError:
    """Return the 404 for an unknown id, Octopus's wording (raise it)."""
    return ApiError(404, f"The resource '{resource_id}' was not found.")


def space_not_found(space_id: str) -> ApiError:
    """Return the 404 for an unknown space (wording partly unconfirmed; raise it)."""
    return ApiError(404, f"The requested space {space_id} does not exist")


def fault_response(rule: FaultRule) -> ApiResponse:
    """Return the answer of a ``Status`` fault rule: its status, an Octopus error body, and
    ``Retry-After`` (whole seconds, rounded up) on a 429/503 when the rule sets one."""
    headers = {}
    if rule.retry_after is not None and rule.status in (429, 503):
        headers["retry-after"] = str(math.ceil(rule.retry_after))
    message = FAULT_MESSAGES.get(rule.status, f"The server answered {rule.status}.")
    return error_response(rule.status, message, [], headers=headers)
