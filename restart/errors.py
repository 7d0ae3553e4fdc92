"""Typed errors of the restart client. Each message says what went wrong *and what to do*.

Every class carries the process exit code the CLI uses for it (:mod:`restart.exitcodes`).
No message ever contains the API key: the procedure never sees it (the HTTP client adds the
``X-Octopus-ApiKey`` header), and messages are built only from request paths and Octopus's
own error text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from restart.exitcodes import ExitCode

if TYPE_CHECKING:
    from restart.report import RestartReport

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RestartError",
    "ServerError",
]


class RestartError(Exception):
    """Base class of every error the restart client raises on purpose.

    ``status`` is the HTTP status that caused it (None when no response was involved).
    ``report`` is the run's :class:`~restart.report.RestartReport` when the error ended a
    run (it shows which tasks were created and cancelled); None for errors raised before a
    run started, such as an invalid policy.
    """

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.report: RestartReport | None = None

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(RestartError):
    """The inputs cannot work: an invalid policy or target, a disabled machine, an unknown OS,
    a missing URL or key. Fix the flags, environment or step variables named in the message."""

    exit_code = ExitCode.USAGE


class AuthenticationError(RestartError):
    """Octopus answered 401: the API key is missing, wrong, expired or revoked."""

    exit_code = ExitCode.AUTHENTICATION


class PermissionDeniedError(AuthenticationError):
    """Octopus answered 403: the key is valid but its user lacks a permission in the space."""


class NotFoundError(RestartError):
    """Octopus answered 404: the machine, the space or a task does not exist."""

    exit_code = ExitCode.NOT_FOUND


class ServerError(RestartError):
    """Octopus failed or could not be reached after every retry, rejected a request (400),
    or answered something this client cannot read."""

    exit_code = ExitCode.FAILED
