"""Typed errors of the restart client. Each message says what went wrong *and what to do*.

Every class carries the process exit code the CLI uses for it (:mod:`restart.exitcodes`).
No message ever contains the API key: the procedure never sees it (the HTTP client adds the
``X-Octopus-ApiKey`` header), and messages are built only from request paths and Octopus's
own error text.
"""

from __future__ import annotations

# Defined in restart.report, beside the report each of them carries (and which names them).
from restart.report import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RestartError,
    ServerError,
)

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RestartError",
    "ServerError",
]
