"""The respx router that mounts a simulation for httpx, saying what to do on a miss.

respx raises ``AllMockedAssertionError`` ("RESPX: <Request> not mocked!") for a request no
router matched; after every router has declined, the error of the last one reaches the
test. A simulation's router adds to it what :func:`octosim.intercept.refusal` says to
every other client library, so a request to another host reads the same whichever library
sent it. respx has no hook for the message; ``Router.resolver`` is where it is raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError

import octosim.intercept as intercept

__all__ = ["SimulationRouter"]


class SimulationRouter(respx.MockRouter):
    """A respx router whose "not mocked" error says what to do."""

    @contextmanager
    def resolver(self, request: httpx.Request) -> Iterator[Any]:
        try:
            with super().resolver(request) as resolved:
                yield resolved
        except AllMockedAssertionError as error:
            raise AllMockedAssertionError(
                f"{error} {intercept.refusal(str(request.url))}") from None
