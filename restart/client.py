"""httpx clients set up for Octopus: base URL, API key header, no redirects.

The key lives only in the client's headers. Nothing in :mod:`restart` copies it anywhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from restart.drivers._httpx import API_KEY_HEADER
from restart.errors import ConfigurationError

__all__ = ["API_KEY_HEADER", "async_octopus_client", "normalise_server_url", "octopus_client"]


def normalise_server_url(url: str) -> str:
    """Return the Octopus server root for ``url``: stripped of whitespace, a trailing ``/``,
    and a trailing ``/api`` or ``/app`` (people paste either).

    Raises ConfigurationError when it is not an absolute http(s) URL.
    """
    root = url.strip().rstrip("/")
    for suffix in ("/api", "/app"):
        if root.lower().endswith(suffix):
            root = root[: -len(suffix)]
    parts = urlsplit(root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"the Octopus URL {url!r} is not an absolute http(s) URL; pass the server's "
            "address, e.g. https://octopus.example.com (--url or OCTOPUS_URL)"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            "the Octopus URL must not carry credentials, a query or a fragment; pass the "
            "server's address only, and the API key in OCTOPUS_API_KEY"
        )
    return root


def _headers(api_key: str) -> dict[str, str]:
    key = api_key.strip()
    if not key or any(c.isspace() for c in key):
        raise ConfigurationError(
            "the API key is empty or contains whitespace; set OCTOPUS_API_KEY to an Octopus "
            "API key (API-...)"
        )
    return {API_KEY_HEADER: key, "Accept": "application/json"}


def octopus_client(server_url: str, api_key: str, **kwargs: Any) -> httpx.Client:
    """Return an ``httpx.Client`` for the Octopus server at ``server_url`` using ``api_key``.

    ``kwargs`` go to ``httpx.Client`` (``transport=``, ``verify=``, ...). Raises
    ConfigurationError for a bad URL or an empty key.
    """
    return httpx.Client(
        base_url=normalise_server_url(server_url), headers=_headers(api_key), **kwargs
    )


def async_octopus_client(server_url: str, api_key: str, **kwargs: Any) -> httpx.AsyncClient:
    """Return an ``httpx.AsyncClient``, as :func:`octopus_client` does."""
    return httpx.AsyncClient(
        base_url=normalise_server_url(server_url), headers=_headers(api_key), **kwargs
    )
