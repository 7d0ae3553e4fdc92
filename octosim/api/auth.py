"""Who is calling: the API key in any of the forms real clients send (octopus-api.md §2).

Looked for in this order: the ``X-Octopus-ApiKey`` header (what every Octopus client
prefers), an ``apikey`` query parameter in any case, then ``Authorization: Bearer <token>``
(the simulator accepts its API keys as bearer tokens). An empty header counts as no
credentials: the TS client sends one when it has none.
"""

from __future__ import annotations

from octosim.api.errors import MISSING_KEY, WRONG_KEY, ApiError
from octosim.api.messages import ApiRequest
from octosim.api.params import QueryParams
from octosim.model.world import User, World

__all__ = ["authenticate", "presented_key"]


def presented_key(request: ApiRequest, query: QueryParams | None = None) -> str | None:
    """Return the credential the request carries, or None if it carries none.

    ``query`` is the parsed query if the caller already has it (it is parsed here only
    when no header carries a key, which keeps the common case cheap).
    """
    header = request.headers.get("x-octopus-apikey")  # names are lower case already
    if header is not None and header.strip():
        return header.strip()
    if request.query:
        value = (query or QueryParams(request.query)).get("apikey")
        if value is not None and value.strip():
            return value.strip()
    authorization = request.header("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return None


def authenticate(
    world: World, request: ApiRequest, *, wrong_key_status: int, query: QueryParams | None = None
) -> User:
    """Return the user whose key the request carries.

    Raises ApiError: 401 with the "must be logged in" text when there is no key;
    ``wrong_key_status`` (401 by default, unconfirmed) with the "not valid" text when the
    key is unknown.
    """
    key = presented_key(request, query)
    if key is None:
        raise ApiError(401, MISSING_KEY)
    user = world.user_for_key(key)
    if user is None:
        raise ApiError(wrong_key_status, WRONG_KEY)
    return user
