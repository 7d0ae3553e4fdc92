"""``requests`` served by an entered simulation, beside a test's own ``responses`` mocks.

requests sends through urllib3, which :mod:`.via_urllib3` already serves; this module adds
two things:

- requests' requests are logged as ``requests`` (the adapter marks its sends);
- a test's own ``responses`` mock (``@responses.activate``, ``responses.RequestsMock()``)
  keeps its routes and its strictness for every other URL, and passes the simulation's
  URLs through to it: its routes are matched first, so a test can still fake one path of
  the simulation itself, as it can with respx. ``responses`` has no hook for this, so its
  ``RequestsMock._on_request`` is wrapped while a simulation is entered (the method every
  ``responses`` release since 0.10 routes each request through).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from requests.adapters import HTTPAdapter

import octosim.intercept as intercept
from octosim.intercept.via_urllib3 import caller

__all__ = ["patched"]


def _marked(send: Any) -> Any:
    def send_as_requests(adapter: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        token = caller.set("requests")
        try:
            return send(adapter, request, *args, **kwargs)
        finally:
            caller.reset(token)

    return send_as_requests


def _passing_simulations_through(on_request: Any) -> Any:
    def on_request_beside_octosim(self: Any, adapter: Any, request: Any, **kwargs: Any) -> Any:
        own = self.passthru_prefixes
        self.passthru_prefixes = own + tuple(m.url_pattern() for m in intercept.mounted())
        token = caller.set("requests")
        try:
            return on_request(self, adapter, request, **kwargs)
        finally:
            caller.reset(token)
            self.passthru_prefixes = own

    return on_request_beside_octosim


@contextmanager
def patched() -> Iterator[None]:
    """Mark requests' sends and let ``responses`` mocks pass simulations through."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(HTTPAdapter, "send", _marked(HTTPAdapter.send)))
        try:
            from responses import RequestsMock
        except ImportError:
            pass
        else:
            stack.enter_context(mock.patch.object(
                RequestsMock, "_on_request",
                _passing_simulations_through(RequestsMock._on_request)))
        yield
