"""aiohttp without aioresponses: nothing is served, and nothing leaves the machine.

octosim builds aiohttp answers with aioresponses (:mod:`.via_aiohttp`). Where aiohttp is
installed without it, a request inside ``with sim:`` to any host but a loopback one is
refused, saying what to install, rather than sent to the network.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import aiohttp
from aiohttp.client_reqrep import ConnectionKey

import octosim.intercept as intercept

__all__ = ["patched"]


def _refusing(request: Any) -> Any:
    @functools.wraps(request)
    async def request_or_refusal(self: aiohttp.ClientSession, method: str, str_or_url: Any,
                                 **kwargs: Any) -> Any:
        url = self._build_url(str_or_url)
        if intercept.is_loopback(url.host or ""):
            return await request(self, method, str_or_url, **kwargs)
        served = intercept.find(url.scheme, url.host or "", url.port, url.path) is not None
        reason = ("octosim serves aiohttp through aioresponses: pip install aioresponses"
                  if served else intercept.refusal(str(url)))
        key = ConnectionKey(url.host or "", url.port, url.scheme == "https", True, None, None,
                            None)
        raise aiohttp.ClientConnectorError(key, OSError(111, f"[octosim] {reason}"))

    return request_or_refusal


@contextmanager
def patched() -> Iterator[None]:
    """Refuse aiohttp requests to non-loopback hosts until the block ends."""
    with mock.patch.object(aiohttp.ClientSession, "_request",
                           _refusing(aiohttp.ClientSession._request)):
        yield
