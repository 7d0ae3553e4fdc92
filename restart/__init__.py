"""The Tentacle restart client: library and ``restart-tentacle`` CLI.

Quick start::

    from restart import RestartTarget, octopus_client, run_sync

    with octopus_client("https://octopus.example.com", api_key) as client:
        report = run_sync(client, RestartTarget("Spaces-1", machine_name="web-01"))
    print(report.outcome, report.reason)

The procedure itself is sans-IO (:mod:`restart.protocol`, :mod:`restart.procedure`); the
drivers in :mod:`restart.drivers` run it over ``httpx.Client``, ``httpx.AsyncClient`` or any
transport function. :mod:`restart.seedport` is the original seed script, kept as a baseline.
"""

from __future__ import annotations

import logging

from restart.client import async_octopus_client, octopus_client
from restart.drivers.async_ import run_async
from restart.drivers.loop import adrive, drive
from restart.drivers.sync import run_sync
from restart.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RestartError,
    ServerError,
)
from restart.exitcodes import ExitCode
from restart.policy import RestartPolicy
from restart.procedure import RestartProcedure
from restart.protocol import Finish, Request, Response, Send, Sleep, TransportFailure
from restart.report import Outcome, Phase, Progress, RestartReport, TaskRecord
from restart.target import AgentOS, RestartTarget

__all__ = [
    "AgentOS",
    "AuthenticationError",
    "ConfigurationError",
    "ExitCode",
    "Finish",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Phase",
    "Progress",
    "Request",
    "Response",
    "RestartError",
    "RestartPolicy",
    "RestartProcedure",
    "RestartReport",
    "RestartTarget",
    "Send",
    "ServerError",
    "Sleep",
    "TaskRecord",
    "TransportFailure",
    "adrive",
    "async_octopus_client",
    "drive",
    "octopus_client",
    "run_async",
    "run_sync",
]

# A library's logger gets a NullHandler (the logging HOWTO's advice): without one, Python's
# last-resort handler prints every warning to stderr a second time, beside the progress
# lines the caller already shows.
logging.getLogger("restart").addHandler(logging.NullHandler())
